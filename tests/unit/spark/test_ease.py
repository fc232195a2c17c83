"""The Spark job's EASE rows (spark.ease), no Spark needed: the numpy trainer's rows moved to the job's
item order entry for entry, and the bound past which the job keeps the co-occurrence path."""

import numpy as np

from mixtape.learning.exposure import exposure
from mixtape.learning.training import Interactions, train_ease
from mixtape.models.training_params import TrainingParams
from spark.ease import ease_rows, fits_driver, reindexed
from tests.unit.spark.csr import csr_rows

PARAMS = TrainingParams(neighbors=3, min_item_users=2, ease_lambda=1.0, ease_remainder_rank=0)


def _triples() -> list[tuple[str, str, float]]:
    rng = np.random.default_rng(3)
    items = [f"i{n}" for n in range(9)]
    return [
        (f"u{u}", item, float(rng.integers(1, 9)))
        for u in range(12)
        for item in rng.choice(items, 4, replace=False)
    ]


def test_rows_are_train_eases_in_the_jobs_item_order() -> None:
    triples = _triples()
    data = Interactions.from_triples(triples)
    expected = csr_rows(*train_ease(data, PARAMS).rows, list(data.item_ids))
    order = sorted(data.item_ids, reverse=True)  # another order than the numpy trainer's
    rows, counts, remainder = ease_rows(triples, order, PARAMS)
    got = csr_rows(*rows, order)
    assert counts is None  # no factors given
    assert remainder is None  # rank 0
    assert any(expected.values())
    assert got == expected


def test_exposure_is_the_numpy_trainers_in_the_jobs_item_order() -> None:
    """Given the ALS vectors, the exposure counts of mixtape.learning.exposure on the same matrix, EASE
    rows and factors, each at its item's position in the job's order."""
    triples = _triples()
    data = Interactions.from_triples(triples)
    rng = np.random.default_rng(5)
    users = rng.normal(size=(len(data.user_ids), 4))
    items = rng.normal(size=(len(data.item_ids), 4)).astype(np.float32)
    params = PARAMS.model_copy(update={"exposure_k": 2})
    expected = exposure(
        data.user_index,
        data.item_index,
        users,
        items.astype(np.float64),
        train_ease(data, params).rows,
        params,
    )
    order = sorted(data.item_ids, reverse=True)
    at = [data.item_ids.index(i) for i in order]
    vectors = {u: users[n].tolist() for n, u in enumerate(data.user_ids)}
    _, counts, _ = ease_rows(triples, order, params, (vectors, items[at]))
    assert counts is not None
    assert counts.sum() == 2 * len(data.user_ids)  # each listener's top 2
    assert counts.tolist() == expected[at].tolist()


def test_reindexed_keeps_each_rows_entries_in_order() -> None:
    indptr, indices, weights = (
        np.array([0, 2, 2, 3]),
        np.array([1, 2, 0], np.int32),
        np.array([0.5, -0.25, 2.0], np.float32),
    )
    moved = reindexed((indptr, indices, weights), ["a", "b", "c"], ["c", "a", "b"])
    assert moved[0].tolist() == [0, 1, 3, 3]  # rows c (one entry), a (two), b (none)
    assert moved[1].tolist() == [1, 2, 0]  # c -> a; a -> b, c: at their new positions
    assert moved[2].tolist() == [2.0, 0.5, -0.25]


def test_ease_on_the_driver_only_within_the_numpy_trainers_bound() -> None:
    bound = TrainingParams(max_ease_items=100)
    assert fits_driver(100, 100, bound)
    assert not fits_driver(101, 10, bound)  # many listeners: the co-occurrence path
    assert not fits_driver(10, 101, bound)  # train_ease would skip: co-occurrence rather than none
    assert not fits_driver(10, 10, bound.model_copy(update={"neighbors": 0}))


def test_the_remainder_is_the_numpy_trainers_in_the_jobs_item_order() -> None:
    triples = _triples()
    data = Interactions.from_triples(triples)
    params = PARAMS.model_copy(update={"ease_remainder_rank": 2})
    expected = train_ease(data, params).remainder
    order = sorted(data.item_ids, reverse=True)
    got = ease_rows(triples, order, params).remainder
    assert expected is not None
    assert got is not None
    at = [data.item_ids.index(i) for i in order]
    for mine, theirs in zip(got, expected, strict=True):
        np.testing.assert_array_equal(mine, theirs[at])
