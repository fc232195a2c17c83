""" "Already heard", defined once (mixtape.ranking.listener): once a listener's capped tables no longer name
everything they heard, no list (exact, IVF, exploration, cold start, a blend) gives back an item their
heard filter holds; while the tables are complete the filter is not consulted."""

import numpy as np
import pytest

from mixtape.catalog.index import CatalogIndex
from mixtape.config import RankingIndex, RankingWeights
from mixtape.learning.aligned import AlignedModel
from mixtape.models.heard import HeardFilter, HeardShape, item_hashes
from mixtape.models.profile import Profile
from mixtape.ranking import RankingRequest, RankingSettings, recommend, top_k_capped
from mixtape.ranking.blend import blend
from mixtape.ranking.listener import HeardCheck, heard_check
from tests.unit.ranking.randomized import DIM, random_catalog, random_listener, random_model, rank

N = 3000


def test_top_k_capped_drops_heard_candidates_and_widens_its_pool():
    scores = np.linspace(100, 1, 200).astype(np.float32)
    artists = np.arange(200, dtype=np.int32)
    hashes = item_hashes([f"p{i}" for i in range(200)])
    check = HeardCheck((HeardFilter.of([f"p{i}" for i in range(150)], HeardShape()),), hashes)
    got = top_k_capped(scores, 4, artists, cap=1, heard=check)
    # the reference: score order (descending), skipping what the filter holds (never a heard position)
    assert got == [p for p in range(200) if not check(np.array([p]))[0]][:4]
    assert min(got) >= 150


def test_a_complete_profile_needs_no_filter_test():
    index = CatalogIndex.build(1, random_catalog(np.random.default_rng(1), 50), DIM, 0, 1.0)
    profile = Profile(user_id="u", heard=HeardFilter.of(["i1"], HeardShape()))
    assert heard_check(profile, index) is None  # known_items() names all: no false positive can cost
    assert heard_check(Profile(user_id="u", known_complete=False), index) is None  # no filter yet
    profile.known_complete = False
    assert heard_check(profile, index) is not None


def heavy(rng: np.random.Generator, model_version: str | None) -> tuple[Profile, list[str]]:
    """A listener whose filter holds 600 items their capped tables no longer name."""
    profile = random_listener(rng, N, None)
    profile.model_version = model_version
    forgotten = [f"i{i}" for i in rng.choice(N, 600, replace=False) if f"i{i}" not in profile.known_items()]
    profile.heard = HeardFilter.of([*profile.known_items(), *forgotten], HeardShape())
    profile.known_complete = False
    return profile, forgotten


@pytest.fixture(scope="module")
def catalog() -> tuple[CatalogIndex, AlignedModel]:
    rng = np.random.default_rng(5)
    index = CatalogIndex.build(1, random_catalog(rng, N), DIM, 0, 1.0)
    return index, AlignedModel.build(random_model(rng, N), index)


IVF = RankingIndex(kind="ivf", ivf_min_items=1, n_lists=40, n_probe=8)


@pytest.mark.parametrize("config", [None, IVF], ids=["exact", "ivf"])
@pytest.mark.parametrize("explore", [0.0, 0.3])
def test_no_list_gives_back_what_the_filter_holds(catalog, config, explore: float):
    index, model = catalog
    rng = np.random.default_rng(7)
    leaked_without = 0
    for _ in range(8):
        profile, forgotten = heavy(rng, None)
        weights = RankingWeights(explore=explore, max_per_artist=3)
        got = [
            index.records[r.position].item_id
            for r in rank(profile, index, model, weights, limit=50, config=config).items
        ]
        assert len(got) == 50
        assert not set(got) & set(forgotten)
        assert not set(got) & profile.known_items()
        profile.known_complete = True  # as before the filter: only the capped tables exclude
        before = rank(profile, index, model, weights, limit=50, config=config).items
        leaked_without += len({index.records[r.position].item_id for r in before} & set(forgotten))
    assert leaked_without > 0  # the filter is what keeps them out


def test_cold_start_and_blend_leave_out_what_any_listener_heard(catalog):
    index, model = catalog
    rng = np.random.default_rng(9)
    profile, forgotten = heavy(rng, None)
    negative = Profile(user_id="n", heard=profile.heard, known_complete=False)  # no positive signal
    request = RankingRequest(limit=200, settings=RankingSettings())
    cold = recommend(negative, index, None, request)
    assert cold.cold_start
    assert not {index.records[r.position].item_id for r in cold.items} & set(forgotten)
    group = blend([("h", profile), ("n", None)], index, model, 200, RankingSettings())
    picked = {index.records[r.position].item_id for r, _ in group.items}
    assert len(picked) == 200
    assert not picked & set(forgotten)
