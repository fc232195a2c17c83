"""Exploration: `explore` = 0 is today's ranking; above it, a share of the list goes to long-tail or
unfamiliar-genre items the ranker ranked just below the list, the same all day for one listener."""

from dataclasses import replace

import numpy as np
import pytest

from mixtape.catalog.index import CatalogIndex
from mixtape.config import RankingWeights
from mixtape.learning.aligned import AlignedModel
from mixtape.models.profile import Profile
from mixtape.models.reason import ReasonCode
from mixtape.ranking import RankingRequest, RankingSettings, recommend
from mixtape.ranking import explore as exploration
from tests.unit.conftest import DAY_MS, NOW_MS
from tests.unit.ranking.randomized import DIM, random_catalog, random_listener, random_model

N = 400


Picks = list[tuple[int, ReasonCode]]


def ranked(explore: float, seed: int, case: int, limit: int = 20) -> tuple[Picks, CatalogIndex, Profile]:
    rng = np.random.default_rng(case)
    index = CatalogIndex.build(1, random_catalog(rng, N), DIM, 0, 1.0)
    artifact = random_model(rng, N)
    model = AlignedModel.build(artifact, index)
    profile = random_listener(rng, N, artifact)
    settings = RankingSettings(weights=RankingWeights(explore=explore))
    found = recommend(profile, index, model, RankingRequest(limit, settings=settings, explore_seed=seed))
    return [(r.position, r.reason_code) for r in found.items], index, profile


@pytest.mark.parametrize("case", range(6))
def test_explore_zero_is_exactly_the_ranking_without_it(case: int) -> None:
    rng = np.random.default_rng(case)
    index = CatalogIndex.build(1, random_catalog(rng, N), DIM, 0, 1.0)
    artifact = random_model(rng, N)
    model = AlignedModel.build(artifact, index)
    profile = random_listener(rng, N, artifact)
    plain = recommend(profile, index, model, RankingRequest(20))
    zero = RankingRequest(
        20, settings=RankingSettings(weights=RankingWeights(explore=0.0)), explore_seed=case
    )
    assert recommend(profile, index, model, zero) == plain


@pytest.mark.parametrize(("case", "explore"), [(c, e) for c in range(6) for e in (0.1, 0.25, 0.5)])
def test_explore_picks_are_eligible_items_from_below_the_list_at_seeded_places(
    case: int, explore: float
) -> None:
    limit = 20
    baseline, index, profile = ranked(0.0, 0, case, limit=limit + exploration.POOL_FACTOR * limit)
    mixed, _, _ = ranked(explore, 7, case, limit=limit)
    taken = exploration.slots(explore, limit)
    keep = limit - taken
    picks = [p for p, code in mixed if code is ReasonCode.EXPLORING]
    personal = [p for p, code in mixed if code is not ReasonCode.EXPLORING]
    assert len(mixed) == limit
    assert personal[:keep] == [p for p, _ in baseline[:keep]]  # the best of the list, in order
    assert 0 < len(picks) <= taken
    below = {p for p, _ in baseline[keep:]}
    familiar = exploration.familiar_genres(profile)
    tail_below = exploration.long_tail_below(index)
    for p in picks:
        assert p in below
        record = index.records[p]
        assert index.popularity[p] < tail_below or not familiar.intersection(record.genres)
    assert mixed == ranked(explore, 7, case, limit=limit)[0]  # same seed, same list


def test_the_seed_is_the_listener_and_the_utc_day() -> None:
    today = exploration.daily_seed("u-1", NOW_MS)
    assert exploration.daily_seed("u-1", NOW_MS + 60_000) == today
    assert exploration.daily_seed("u-1", NOW_MS + DAY_MS) != today
    assert exploration.daily_seed("u-2", NOW_MS) != today
    lists = {tuple(ranked(0.3, exploration.daily_seed("u-1", NOW_MS + d * DAY_MS), 1)[0]) for d in range(5)}
    assert len(lists) > 1  # another day, other picks or places


@pytest.mark.parametrize(
    ("explore", "limit", "slots"), [(0.0, 20, 0), (0.01, 20, 1), (0.1, 20, 2), (1.0, 5, 5)]
)
def test_slots(explore: float, limit: int, slots: int) -> None:
    assert exploration.slots(explore, limit) == slots


def test_widened_request_keeps_everything_but_the_limit() -> None:
    request = RankingRequest(10, exclude_explicit=True, genre="rock", explore_seed=3)
    assert exploration.widened(request, 2) == replace(request, limit=10 + exploration.POOL_FACTOR * 10)
