"""The text of each pick, from its reason code (its strongest term, `Terms.explain`): its artist, its genre
the listener likes best, or the liked item it is closest to."""

from collections.abc import Mapping

import numpy as np

from mixtape.catalog.index import CatalogIndex, FloatArray
from mixtape.learning.aligned import AlignedModel
from mixtape.models.reason import ReasonCode
from mixtape.ranking.listener import Listener, Positions


def _closest(rows: FloatArray, anchors: list[int], vectors: FloatArray) -> list[int]:
    """For each row (a chosen item's vector), the anchor whose vector has the largest inner product."""
    if not len(rows):
        return []
    best = np.argmax(rows @ vectors[anchors].T, axis=1)
    return [anchors[b] for b in best.tolist()]


def reasons(
    chosen: Positions,
    codes: list[ReasonCode],
    index: CatalogIndex,
    listener: Listener,
    genre_affinity: Mapping[str, float],
    model: AlignedModel | None,
    chosen_factors: FloatArray | None = None,
    listeners_anchors: list[int] | None = None,
) -> list[str]:
    """Anchors: the listener's 5 strongest liked items with a vector, one (k, 5) product per kind of
    vector. `chosen_factors`: the chosen items' factor rows when `Terms.explain` gathered them already
    (a row of the column-major factor matrix costs one cache miss per element); `listeners_anchors`: the
    LISTENERS anchors when the caller found them already."""
    anchor: dict[int, int] = {}
    for code, vectors, usable in (
        (ReasonCode.LISTENERS, model.factors if model is not None else None, model.known if model else None),
        (ReasonCode.SIMILAR, index.embeddings, index.has_embedding),
    ):
        picked = [j for j, c in enumerate(codes) if c is code]
        if not picked or vectors is None or usable is None:
            continue
        given = listeners_anchors if code is ReasonCode.LISTENERS else None
        anchors = given if given is not None else listener.strongest(usable)
        if anchors:
            known = chosen_factors if code is ReasonCode.LISTENERS else None
            rows = known[picked] if known is not None else vectors[chosen[picked]]
            anchor.update(zip(picked, _closest(rows, anchors, vectors), strict=True))
    texts = []
    for j, (pos, code) in enumerate(zip(chosen.tolist(), codes, strict=True)):
        record = index.records[pos]
        if code is ReasonCode.ARTIST:
            texts.append(f"because you listen to {record.artist_name}")
        elif code is ReasonCode.GENRE and record.genres:
            genre = max(record.genres, key=lambda g: genre_affinity.get(g, 0.0))
            texts.append(f"because you like {genre}")
        elif (best := anchor.get(j)) is None:
            texts.append(
                "listeners with your taste play this" if code is ReasonCode.LISTENERS else "popular now"
            )
        elif (near := index.records[best]).artist_id == record.artist_id:  # reads better than "similar to"
            texts.append(f"because you listen to {record.artist_name}")
        elif code is ReasonCode.LISTENERS:
            texts.append(f"listeners of {near.artist_name} also play this")
        else:
            texts.append(f"similar to {near.title} by {near.artist_name}")
    return texts
