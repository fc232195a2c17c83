"""The reason of each pick, always true of the listener's profile.

A pick's terms (`Terms.explain`: artist, genre, taste, learned model) are tried strongest first; a term
gives its personal reason only when it is positive AND its claim holds:

- artist: the item's artist has positive affinity ("because you listen to X");
- genre: the item's genre the listener likes best has positive affinity ("because you like jazz");
- taste: a liked item with an embedding points the same way as the item; the closest is named
  ("similar to Song by X");
- model: the model knows a liked item whose factors point the same way; the closest one's artist is
  named ("listeners of X also play this").

For the last two, when the closest liked item is by the item's own artist and that artist has positive
affinity, the reason is the artist's ("because you listen to X"): as true, and it reads better.

Otherwise (no term positive, or no claim holds: an item that scored 0 in a `genre=` list) the pick gets a
non-personal reason (`non_personal`). Without a model the fourth term is the popularity prior: never
personal. Words come only from `Reason.of`, so code and text agree.
"""

import numpy as np

from mixtape.catalog.index import CatalogIndex, FloatArray
from mixtape.models.reason import Reason, ReasonCode
from mixtape.ranking.listener import Listener, Positions
from mixtape.ranking.terms import Terms

# Freshness halves every year (catalog.index): at least this is a release of the last twelve months.
NEW_RELEASE_FRESHNESS = 0.5
ARTIST, GENRE, TASTE, MODEL = range(4)  # the columns of `Terms.explained`


def non_personal(index: CatalogIndex, position: int) -> Reason:
    """Popular now (played lately), a new release (of the last year), else something to explore."""
    if index.popularity[position] > 0:
        return Reason.of(ReasonCode.POPULAR)
    if index.freshness[position] >= NEW_RELEASE_FRESHNESS:
        return Reason.of(ReasonCode.NEW_RELEASE)
    return Reason.of(ReasonCode.EXPLORING)


def _nearest(rows: FloatArray, picked: Positions, anchors: list[int], vectors: FloatArray) -> dict[int, int]:
    """pick -> the anchor with the largest inner product with its row, where that product is positive."""
    products = rows @ vectors[anchors].T
    best = np.argmax(products, axis=1)
    positive = products[np.arange(len(best)), best] > 0
    return {int(j): anchors[int(b)] for j, b, ok in zip(picked, best, positive, strict=True) if ok}


def reasons(
    chosen: Positions, terms: Terms, listener: Listener, listeners_anchors: list[int] | None = None
) -> list[Reason]:
    """One reason per chosen item, after `terms.explain(chosen)`. Anchors: the listener's 5 strongest
    liked items with a vector, one (picks, 5) product per kind of vector; `listeners_anchors` are the
    model's when the caller found them already."""
    index, model, values = terms.index, terms.model, terms.explained
    near: dict[int, dict[int, int]] = {TASTE: {}, MODEL: {}}
    kinds: list[tuple[int, FloatArray | None, np.ndarray | None, list[int] | None, FloatArray | None]] = [
        (TASTE, index.embeddings, index.has_embedding, None, None)
    ]
    if model is not None:
        kinds.append((MODEL, model.factors, model.known, listeners_anchors, terms.chosen_factors))
    for column, vectors, usable, given, gathered in kinds:
        picked = np.flatnonzero(values[:, column] > 0)
        if not len(picked) or vectors is None or usable is None:
            continue
        anchors = given if given is not None else listener.strongest(usable)
        if anchors:
            rows = gathered[picked] if gathered is not None else vectors[chosen[picked]]
            near[column] = _nearest(rows, picked, anchors, vectors)
    order = np.argsort(-values, axis=1, kind="stable")  # strongest term first; ties in column order
    found = []
    for j, position in enumerate(chosen.tolist()):
        reason = None
        for column in order[j].tolist():
            if values[j, column] <= 0:
                break
            reason = _claim(column, j, position, terms, near)
            if reason is not None:
                break
        found.append(reason if reason is not None else non_personal(index, position))
    return found


def _claim(
    column: int, j: int, position: int, terms: Terms, near: dict[int, dict[int, int]]
) -> Reason | None:
    """The personal reason of a positive term, if its claim holds in the profile."""
    index = terms.index
    record = index.records[position]
    artist_liked = terms.artist_affinity.get(int(index.artist_of[position]), 0.0) > 0
    if column == ARTIST:
        return Reason.of(ReasonCode.ARTIST, artist=record.artist_name) if artist_liked else None
    if column == GENRE:
        affinity = terms.genre_affinity
        best = max(record.genres, key=lambda g: affinity.get(g, 0.0), default=None)
        return Reason.of(ReasonCode.GENRE, genre=best) if best and affinity.get(best, 0.0) > 0 else None
    anchor = near[column].get(j)
    if anchor is None:
        return None
    liked = index.records[anchor]
    if liked.artist_id == record.artist_id and artist_liked:  # reads better than "similar to" one of theirs
        return Reason.of(ReasonCode.ARTIST, artist=record.artist_name)
    if column == TASTE:
        return Reason.of(ReasonCode.SIMILAR, title=liked.title, artist=liked.artist_name)
    return Reason.of(ReasonCode.LISTENERS, artist=liked.artist_name)
