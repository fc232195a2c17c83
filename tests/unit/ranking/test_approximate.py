"""The approximate (IVF) path: exactly the exact ranker's items, scores and reasons when every item is a
candidate, and the exact top 10 found when few lists are probed."""

import dataclasses

import numpy as np
import pytest

from mixtape.catalog.index import CatalogIndex
from mixtape.config import RankingIndex, RankingWeights
from mixtape.learning.aligned import AlignedModel
from mixtape.models.profile import Profile
from mixtape.search.ivf import partition
from tests.unit.ranking.randomized import (
    DIM,
    GENRES,
    model_of,
    random_catalog,
    random_listener,
    random_model,
    rank,
)

REQUESTS = [(10, False, None), (30, True, None), (20, False, "rock")]  # limit, exclude_explicit, genre


def assert_approximate_is_exact(
    index: CatalogIndex,
    weights: RankingWeights,
    model: AlignedModel,
    config: RankingIndex,
    profiles: list[Profile],
) -> None:
    """The IVF path gives the exact ranker's items, scores and reasons, one profile per request shape."""
    for profile, (limit, explicit, genre) in zip(profiles, REQUESTS, strict=True):
        exact, approximate = (
            rank(
                profile, index, model, weights, limit=limit, exclude_explicit=explicit, genre=genre, config=c
            ).items
            for c in (None, config)
        )
        assert [r.position for r in approximate] == [r.position for r in exact]
        assert [r.score for r in approximate] == pytest.approx([r.score for r in exact], abs=1e-5)
        assert [r.reason for r in approximate] == [r.reason for r in exact]


@pytest.mark.parametrize("published", [False, True], ids=["clustered here", "the model's lists"])
@pytest.mark.parametrize("seed", range(6))
def test_ivf_path_probing_every_list_is_the_exact_ranker(seed: int, published: bool) -> None:
    """With every list probed every item is a candidate: same items, scores and reasons as exact, whether
    the container clusters the lists or indexes those the trainer published with the model."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(150, 400))
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    artifact = random_model(rng, n)
    if published:  # as the trainer does (its own generator: the draws below are the same either way)
        artifact = dataclasses.replace(artifact, ivf_lists=partition(artifact.factors, n_lists=12))
    model = AlignedModel.build(artifact, index)
    config = RankingIndex(
        kind="ivf", ivf_min_items=1, n_lists=None if published else 12, n_probe=12, rescore=10
    )
    ivf = model.ivf(config)
    assert ivf is not None
    assert ivf.n_lists == 12
    # Every other seed reads the EASE rows of only a few of the listener's liked items.
    rows = int(rng.integers(0, 12)) if seed % 2 else RankingWeights().max_neighbor_rows
    weights = RankingWeights(max_per_artist=int(rng.integers(1, 4)), max_neighbor_rows=rows)
    assert_approximate_is_exact(
        index, weights, model, config, [random_listener(rng, n, artifact) for _ in range(3)]
    )


def test_ivf_path_finds_the_exact_top_10_when_probing_few_lists() -> None:
    rng = np.random.default_rng(11)
    n = 4000
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    artifact = random_model(rng, n)
    centres = rng.normal(size=(20, artifact.dim)).astype(np.float32)  # clustered factors, as ALS gives
    artifact.factors[:] = centres[rng.integers(0, 20, len(artifact.factors))] + 0.3 * artifact.factors
    model = AlignedModel.build(artifact, index)
    config = RankingIndex(kind="ivf", ivf_min_items=1, n_lists=64, n_probe=12)
    # These listeners like about n/4 items: every EASE row is read, so the sparse terms carry as much weight
    # as their whole history gives them (with fewer rows the factor term, the approximate one, weighs more).
    weights = RankingWeights(max_neighbor_rows=n)
    hits = total = 0
    for _ in range(20):
        profile = random_listener(rng, n, artifact)
        exact = rank(profile, index, model, weights, limit=10).items
        approximate = rank(profile, index, model, weights, limit=10, config=config).items
        assert len(approximate) == 10
        # Scores are not compared here: with few lists probed the factor term's scale is estimated (see
        # ranking.approximate); the test above checks every term's exactness with every list probed.
        hits += len({r.position for r in exact} & {r.position for r in approximate})
        total += 10
    assert hits / total >= 0.9


def test_ivf_path_rescores_the_strongest_distinct_ease_items_however_often_rows_repeat_them() -> None:
    """Each of the listener's 20 liked items has two EASE neighbours every row shares (hubs) and one of
    its own. Counted per entry, the hubs' 40 repeats would fill `rescore` (22) and leave out the items
    only one row points at; per item, the hubs take 2 slots and all 20 others are candidates."""
    rng = np.random.default_rng(3)
    n, liked = 2000, 20
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    ids = [f"i{i}" for i in range(n)]
    hubs, own = [liked, liked + 1], list(range(liked + 2, 2 * liked + 2))
    lengths = np.zeros(n, dtype=np.int64)
    lengths[:liked] = 3
    artifact = model_of(
        ids,
        rng.normal(size=(n, 8)).astype(np.float32),
        lengths,
        np.array([c for row in range(liked) for c in (*hubs, own[row])], dtype=np.int32),
        np.tile(np.array([1.0, 1.0, 0.5], dtype=np.float32), liked),
        np.ones(n, dtype=np.float32),
    )
    model = AlignedModel.build(artifact, index)
    profile = Profile(user_id="u", items={f"i{i}": 1.0 for i in range(liked)})
    # The factor term only breaks ties: the EASE sums decide the top 10, whatever lists are probed.
    weights = RankingWeights(
        factors=0.01, genre=0.0, artist=0.0, debias=0.0, debias_exposure=0.0, max_per_artist=10
    )
    config = RankingIndex(kind="ivf", ivf_min_items=1, n_lists=45, n_probe=1, rescore=22, genre_items=0)
    exact = rank(profile, index, model, weights, limit=10).items
    approximate = rank(profile, index, model, weights, limit=10, config=config).items
    assert {index.records[r.position].item_id for r in exact[:2]} == {f"i{h}" for h in hubs}
    assert [r.position for r in approximate] == [r.position for r in exact]


@pytest.mark.parametrize("seed", range(4))
def test_ivf_path_with_every_liked_genre_item_a_candidate_is_the_exact_ranker(seed: int) -> None:
    """Every item has a genre and the listener likes every genre: with a genre-item budget as large as
    the catalog's (item, genre) pairs the genre cells of the lists not probed hold every other item, so
    the approximate path must give the exact ranker's items, scores and reasons."""
    rng = np.random.default_rng(200 + seed)
    n = int(rng.integers(150, 400))
    records = [r if r.genres else r._replace(genres=("soul",)) for r in random_catalog(rng, n)]
    index = CatalogIndex.build(1, records, DIM, 0, 1.0)
    artifact = random_model(rng, n)
    model = AlignedModel.build(artifact, index)
    config = RankingIndex(kind="ivf", ivf_min_items=1, n_lists=12, n_probe=2, rescore=10, genre_items=3 * n)
    weights = RankingWeights(max_per_artist=int(rng.integers(1, 4)))
    profiles = [random_listener(rng, n, artifact) for _ in range(3)]
    for profile in profiles:
        profile.genres = {g: float(rng.uniform(0.1, 2.0)) for g in GENRES}
    assert_approximate_is_exact(index, weights, model, config, profiles)


def test_ivf_path_finds_the_top_items_of_a_strong_genre_term_in_lists_not_probed() -> None:
    """Genres are unrelated to the factor clusters and weigh heavily: routing by the factor term alone
    (no genre items) misses most of the exact top 10 of listeners with few plays; the liked genres'
    cells of the next lists find them."""
    rng = np.random.default_rng(11)
    n = 4000
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    artifact = random_model(rng, n)
    centres = rng.normal(size=(20, artifact.dim)).astype(np.float32)
    artifact.factors[:] = centres[rng.integers(0, 20, len(artifact.factors))] + 0.3 * artifact.factors
    model = AlignedModel.build(artifact, index)
    weights = RankingWeights(genre=1.5)
    recall = {}
    for genre_items in (0, 300):
        config = RankingIndex(kind="ivf", ivf_min_items=1, n_lists=64, n_probe=4, genre_items=genre_items)
        listeners = np.random.default_rng(5)
        hits = 0
        for _ in range(20):
            profile = random_listener(listeners, n, artifact)
            profile.items = dict(list(profile.items.items())[:20])
            exact = rank(profile, index, model, weights, limit=10).items
            approximate = rank(profile, index, model, weights, limit=10, config=config).items
            hits += len({r.position for r in exact} & {r.position for r in approximate})
        recall[genre_items] = hits / 200
    assert recall[0] < 0.6
    assert recall[300] >= 0.97
