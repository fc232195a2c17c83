"""A caller's candidates ranked for one listener with the recommend path's own terms.

No catalog-wide pass: the candidates' terms are computed for them alone (`Terms.explain`, as for a
recommended list's picks), so a candidate's score is the one `recommend` would give it (its artist term
counted only when positive, as `Terms.total` does). A listener without positive history gets the
cold-start list's scores (popularity, release date, onboarding seeds). Reasons come from
mixtape.ranking.explain, so they hold in the profile as a recommended list's do.

The listener's filters: items they disliked, muted (artists, genres) or whose artist they turned against
(net negative affinity). Items they played are not filtered: a caller reranking a playlist wants them.
"""

from dataclasses import dataclass

import numpy as np

from mixtape.catalog.index import CatalogIndex
from mixtape.learning.aligned import AlignedModel
from mixtape.models.context import Daypart
from mixtape.models.profile import Profile
from mixtape.models.rerank import Filter
from mixtape.ranking.explain import ARTIST, reasons
from mixtape.ranking.listener import Listener, Positions
from mixtape.ranking.request import Ranked, RankingSettings
from mixtape.ranking.seeds import cold_scores
from mixtape.ranking.terms import Terms
from mixtape.ranking.workspace import workspace


@dataclass(frozen=True, slots=True)
class Reranked:
    items: list[tuple[Ranked, Filter | None]]  # best first; flagged items after the others
    unknown: list[str]  # ids the catalog does not hold, in request order
    filtered: list[tuple[int, Filter]]  # applied filters: (catalog position, why), in request order
    cold_start: bool
    model_version: str | None


def filter_of(profile: Profile | None, index: CatalogIndex, position: int) -> Filter | None:
    """The first of the listener's filters that excludes the item, if any."""
    if profile is None:
        return None
    record = index.records[position]
    muted = profile.preferences
    if record.item_id in profile.disliked:
        return Filter.DISLIKED
    if muted is not None and record.artist_id in muted.muted_artists:
        return Filter.MUTED_ARTIST
    if muted is not None and any(g in muted.muted_genres for g in record.genres):
        return Filter.MUTED_GENRE
    if profile.artists.get(record.artist_id, 0.0) < 0:
        return Filter.ARTIST_DISLIKED
    return None


def rerank(
    profile: Profile | None,
    index: CatalogIndex,
    model: AlignedModel | None,
    item_ids: list[str],
    settings: RankingSettings,
    *,
    apply_filters: bool,
    daypart: Daypart | None = None,
) -> Reranked:
    """`settings` and `daypart`: the request's context, resolved as for recommendations."""
    found = index.ids.find(item_ids)
    unknown = [i for i, p in zip(item_ids, found.tolist(), strict=True) if p < 0]
    positions: Positions = found[found >= 0]
    flags = [filter_of(profile, index, p) for p in positions.tolist()]
    filtered = [(p, f) for p, f in zip(positions.tolist(), flags, strict=True) if f is not None]
    if apply_filters and filtered:
        keep = np.array([f is None for f in flags], dtype=np.bool_)
        positions, flags = positions[keep], [f for f in flags if f is None]
    cold = profile is None or not profile.has_positive_signal()
    if profile is None or cold:
        scores, why = cold_scores(profile, index, settings.weights, positions)
    else:
        listener = Listener.resolve(profile, index)
        anchors = listener.strongest(model.known) if model is not None else None
        with workspace(index) as ws:
            timed = profile.dayparts.get(daypart) if daypart is not None else None
            terms = Terms(profile, listener, index, model, settings, ws, dense_ok=False, daypart=timed)
            terms.explain(positions)
        values = terms.explained.copy()
        np.maximum(values[:, ARTIST], 0.0, out=values[:, ARTIST])  # as in Terms.total: liked artists only
        scores = values.sum(axis=1).astype(np.float32)
        why = reasons(positions, terms, listener, anchors)
    # Best first (ties: request order); flagged items after the others, so the top is always safe.
    flagged = np.array([f is not None for f in flags], dtype=np.bool_)
    order = np.lexsort((np.arange(len(positions)), -scores.astype(np.float64), flagged))
    items = [(Ranked(int(positions[j]), float(scores[j]), *why[j]), flags[j]) for j in order.tolist()]
    return Reranked(
        items=items,
        unknown=unknown,
        filtered=filtered if apply_filters else [],
        cold_start=cold,
        model_version=model.version if model is not None and not cold else None,
    )
