"""The IVF path's list-order table is kept per debias pair: requests ranked with different debias weights
(activity levels, presets, variants) alternate between kept tables instead of rebuilding one."""

import numpy as np

from mixtape.catalog.index import CatalogIndex
from mixtape.config import RankingIndex
from mixtape.learning.aligned import AlignedModel
from mixtape.ranking.approximate import ListOrder
from tests.unit.ranking.randomized import DIM, random_catalog, random_model


def test_two_debias_pairs_alternate_without_rebuilding() -> None:
    rng = np.random.default_rng(7)
    index = CatalogIndex.build(1, random_catalog(rng, 300), DIM, 0, 1.0)
    model = AlignedModel.build(random_model(rng, 300), index)
    ivf = model.ivf(RankingIndex(kind="ivf", ivf_min_items=1, n_lists=8))
    assert ivf is not None
    typical, heavy = (0.2, 0.25), (0.0, 0.0)
    first = ListOrder.of(ivf, model, index, typical)
    second = ListOrder.of(ivf, model, index, heavy)
    assert second is not first
    for _ in range(3):  # the same two tables, whatever the order of the requests
        assert ListOrder.of(ivf, model, index, typical) is first
        assert ListOrder.of(ivf, model, index, heavy) is second
    # Each holds its own pair's debias (the first column), exactly what a fresh build gives.
    for kept, pair in ((first, typical), (second, heavy)):
        assert kept.debias == pair
        np.testing.assert_array_equal(kept.rows, ListOrder.build(ivf, model, index, pair).rows)
    assert not np.array_equal(first.rows[:, ListOrder.DEBIAS], second.rows[:, ListOrder.DEBIAS])


def test_another_index_of_the_lists_rebuilds_the_table() -> None:
    rng = np.random.default_rng(8)
    index = CatalogIndex.build(1, random_catalog(rng, 300), DIM, 0, 1.0)
    model = AlignedModel.build(random_model(rng, 300), index)
    coarse = model.ivf(RankingIndex(kind="ivf", ivf_min_items=1, n_lists=4))
    fine = model.ivf(RankingIndex(kind="ivf", ivf_min_items=1, n_lists=16))
    assert coarse is not None
    assert fine is not None
    kept = ListOrder.of(coarse, model, index, (0.2, 0.25))
    rebuilt = ListOrder.of(fine, model, index, (0.2, 0.25))
    assert rebuilt is not kept
    assert rebuilt.ivf is fine
