"""EASE's input weighting (TrainingParams.ease_weighting): binary, damped counts, BM25."""

import numpy as np
import pytest

from mixtape.learning.training import Interactions, _dual_top, ease_input, train_ease
from mixtape.models.training_params import TrainingParams

# Listener a plays x 100 times and y once; b plays x and z once; c plays x once. x is everyone's.
DATA = Interactions.from_triples(
    [("a", "x", 100.0), ("a", "y", 1.0), ("b", "x", 1.0), ("b", "z", 1.0), ("c", "x", 1.0), ("c", "y", 2.0)]
)


def value(values: np.ndarray, user: str, item: str) -> float:
    u, i = DATA.user_ids.index(user), DATA.item_ids.index(item)
    (k,) = np.flatnonzero((DATA.user_index == u) & (DATA.item_index == i))
    return float(values[k])


def test_binary_is_one_per_pair_and_log_damps_the_weight():
    assert ease_input(DATA, TrainingParams()).tolist() == [1.0] * 6
    logged = ease_input(DATA, TrainingParams(ease_weighting="log"))
    assert value(logged, "a", "x") == pytest.approx(np.log1p(100.0))
    assert value(logged, "b", "z") == pytest.approx(np.log1p(1.0))


def test_bm25_saturates_counts_and_weighs_an_item_everyone_has_less():
    bm25 = ease_input(DATA, TrainingParams(ease_weighting="bm25", bm25_k1=1.0, bm25_b=0.0))
    # without length normalisation the saturation is w (k1 + 1) / (k1 + w): below k1 + 1 whatever w
    idf_y = np.log(3) - np.log1p(2)
    assert value(bm25, "c", "y") == pytest.approx(2 * 2 / 3 * idf_y)
    assert value(bm25, "a", "y") == pytest.approx(1.0 * idf_y)
    assert value(bm25, "a", "x") == 0.0  # three of three listeners: idf clipped at 0
    assert value(bm25, "b", "z") > value(bm25, "a", "y")  # one listener of z, two of y


def test_every_weighting_trains_an_ease_table_of_the_same_shape():
    shapes = set()
    for weighting in ("binary", "log", "bm25"):
        indptr, indices, values = train_ease(
            DATA, TrainingParams(ease_weighting=weighting, min_item_users=1)
        ).rows
        assert np.isfinite(values).all()
        shapes.add((tuple(indptr.tolist()), len(indices)))
    assert len(shapes) == 1


def test_the_dual_form_block_by_block_equals_the_closed_form():
    rng = np.random.default_rng(3)
    x = (rng.random((6, 11)) < 0.4).astype(np.float64)
    precision = np.linalg.inv(x.T @ x + 2.0 * np.eye(11))
    expected = -precision / np.diag(precision)
    np.fill_diagonal(expected, 0.0)
    top, values, (product, transposed) = _dual_top(x, 2.0, keep=10, block=4)  # 3 blocks, the last short
    got = np.zeros_like(expected)
    np.put_along_axis(got, top, values.astype(np.float64), axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    # The products the EASE remainder is found from are the same matrix's, never materialised.
    m = rng.standard_normal((11, 3))
    np.testing.assert_allclose(product(m), expected @ m, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(transposed(m), expected.T @ m, rtol=1e-9, atol=1e-9)
