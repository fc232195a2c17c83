"""One list for a group: least misery over each listener's standardised scores.

Each listener's catalog-wide scores are their recommend scores (`Terms.total`, exact path, with their own
settings: their activity level's weights) or, without positive history, their cold-start scores
(popularity, release date, seeds); their filters set an item to -inf (what they know, disliked, muted,
artists they turned against: a blend is discovery for the group).
Scores are standardised per listener (minus the mean, over the standard deviation, of their finite
scores) so one listener's scale cannot dominate, and the group's score of an item is its lowest
standardised score: a pick is as good as it is for the least happy listener. The per-artist cap holds.

Each pick is then explained for every listener (the recommend path's reasons, true of their profile);
the pick `serves` those with a personal reason, and its reason names them.

Cost: one catalog-wide ranking per listener (at most 10) and one float32 group buffer of the catalog.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mixtape.catalog.index import CatalogIndex, FloatArray
from mixtape.learning.aligned import AlignedModel
from mixtape.models.profile import Profile
from mixtape.models.reason import PERSONAL, Reason, ReasonCode, listing
from mixtape.ranking.diversity import top_k_capped
from mixtape.ranking.explain import non_personal, reasons
from mixtape.ranking.filters import filter_scores
from mixtape.ranking.listener import HeardCheck, Listener, Positions, heard_check, known_positions
from mixtape.ranking.request import Ranked, RankingRequest, RankingSettings
from mixtape.ranking.seeds import FRESHNESS_TIE_BREAK, Seeds
from mixtape.ranking.terms import Terms
from mixtape.ranking.workspace import workspace

Member = tuple[str, Profile | None]  # (user id, profile: None for a listener never seen)


@dataclass(frozen=True, slots=True)
class Blended:
    items: list[tuple[Ranked, list[tuple[str, Reason]]]]  # each pick, and the listeners it serves
    model_version: str | None


def _standardise(scores: FloatArray, group: FloatArray) -> None:
    """group = min(group, standardised scores); -inf scores stay -inf."""
    finite = scores[np.isfinite(scores)]
    if len(finite):
        mean, std = float(finite.mean()), float(finite.std())
        scores -= np.float32(mean)
        scores /= np.float32(std if std > 0 else 1.0)
    np.minimum(group, scores, out=group)


def _personal(profile: Profile | None) -> bool:
    return profile is not None and profile.has_positive_signal()


def blend(
    members: list[Member],
    index: CatalogIndex,
    model: AlignedModel | None,
    limit: int,
    settings: RankingSettings,
    own: Sequence[RankingSettings] | None = None,
) -> Blended:
    """`settings`: the group's (its per-artist cap); `own`: each member's, in `members`' order (their
    activity level's weights, mixtape.ranking.context), `settings` for every member when None."""
    weights = settings.weights
    mine = list(own) if own is not None else [settings] * len(members)
    group = np.full(len(index), np.inf, dtype=np.float32)
    heard = HeardCheck.of_any([heard_check(profile, index) for _, profile in members])  # any member's
    for (_, profile), theirs in zip(members, mine, strict=True):
        request = RankingRequest(limit=limit, settings=theirs)
        with workspace(index) as ws:
            if profile is not None and _personal(profile):
                listener = Listener.resolve(profile, index)
                terms = Terms(profile, listener, index, model, theirs, ws)
                scores, known = terms.total(), listener.known
            else:
                scores = ws.scores
                np.multiply(index.popularity, theirs.weights.popularity, out=scores)
                scores += index.freshness * np.float32(FRESHNESS_TIE_BREAK)
                if (seeds := Seeds.of(profile, index)) is not None:
                    seeds.add_to(scores, index, theirs.weights)
                known = known_positions(profile, index)
            _standardise(filter_scores(scores, ws.spare, index, known, request), group)
    capped = top_k_capped(group, limit, index.artist_of, weights.max_per_artist, heard=heard)
    chosen = np.asarray(capped, dtype=np.int64)
    served = _served(members, index, model, mine, chosen)
    items = []
    for j, position in enumerate(chosen.tolist()):
        whose = served[j]
        reason = (
            Reason.of(ReasonCode.GROUP, users=listing([u for u, _ in whose]))
            if whose
            else non_personal(index, position)
        )
        items.append((Ranked(position, float(group[position]), *reason), whose))
    personal = any(_personal(p) for _, p in members)
    return Blended(items=items, model_version=model.version if model is not None and personal else None)


def _served(
    members: list[Member],
    index: CatalogIndex,
    model: AlignedModel | None,
    own: list[RankingSettings],
    chosen: Positions,
) -> list[list[tuple[str, Reason]]]:
    """For each pick, the listeners with a personal reason for it (a seed counts: their own choice)."""
    served: list[list[tuple[str, Reason]]] = [[] for _ in range(len(chosen))]
    for (user_id, profile), settings in zip(members, own, strict=True):
        if profile is not None and _personal(profile):
            listener = Listener.resolve(profile, index)
            anchors = listener.strongest(model.known) if model is not None else None
            with workspace(index) as ws:
                terms = Terms(profile, listener, index, model, settings, ws, dense_ok=False)
                terms.explain(chosen)
            found = reasons(chosen, terms, listener, anchors)
        elif (seeds := Seeds.of(profile, index)) is not None:
            found = [seeds.reason(index, p) for p in chosen.tolist()]
        else:
            continue
        for j, reason in enumerate(found):
            if reason.code in PERSONAL or reason.code is ReasonCode.SEED:
                served[j].append((user_id, reason))
    return served
