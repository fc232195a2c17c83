"""Ranking by scoring every catalog item: the cold-start list, and a listener's list on the exact path."""

import numpy as np

from mixtape.catalog.index import CatalogIndex
from mixtape.models.profile import Profile
from mixtape.ranking.diversity import top_k_capped
from mixtape.ranking.explain import non_personal
from mixtape.ranking.fatigue import NO_FATIGUE, Fatigue
from mixtape.ranking.filters import filter_scores
from mixtape.ranking.listener import Listener, Positions, heard_check, known_positions
from mixtape.ranking.request import Ranked, RankingRequest
from mixtape.ranking.seeds import FRESHNESS_TIE_BREAK, Seeds
from mixtape.ranking.terms import Terms
from mixtape.ranking.workspace import workspace


def cold_start_list(profile: Profile | None, index: CatalogIndex, request: RankingRequest) -> list[Ranked]:
    """Popular items (new releases where nothing has been played), tilted to the listener's onboarding
    seeds (mixtape.ranking.seeds), minus what the listener knows or muted."""
    weights = request.settings.weights
    seeds = Seeds.of(profile, index)
    with workspace(index) as ws:
        scores = ws.scores
        np.multiply(index.popularity, weights.popularity, out=scores)
        np.multiply(index.freshness, FRESHNESS_TIE_BREAK, out=ws.spare)
        scores += ws.spare
        if seeds is not None:
            seeds.add_to(scores, index, weights)
        Fatigue.of(profile, index, request).apply(scores)
        scores = filter_scores(scores, ws.spare, index, known_positions(profile, index), request)
        chosen = top_k_capped(
            scores,
            request.limit,
            index.artist_of,
            weights.max_per_artist,
            ws.select,
            spacing=weights.artist_spacing,
            heard=heard_check(profile, index),
        )
        found = [seeds.reason(index, i) if seeds else non_personal(index, i) for i in chosen]
        return [Ranked(i, float(scores[i]), r.code, r.text) for i, r in zip(chosen, found, strict=True)]


def rank_exact(
    terms: Terms, listener: Listener, request: RankingRequest, fatigue: Fatigue = NO_FATIGUE
) -> tuple[Positions, list[float]]:
    """The chosen positions and their scores, every item's terms summed in the workspace, shown items
    demoted by their `fatigue`."""
    index, ws = terms.index, terms.ws
    total = terms.total()
    fatigue.apply(total)
    scores = filter_scores(total, ws.spare, index, listener.known, request)
    weights = request.settings.weights
    capped = top_k_capped(
        scores,
        request.limit,
        index.artist_of,
        weights.max_per_artist,
        ws.select,
        spacing=weights.artist_spacing,
        heard=listener.heard,
    )
    chosen = np.asarray(capped, dtype=np.int64)
    return chosen, scores[chosen].tolist()
