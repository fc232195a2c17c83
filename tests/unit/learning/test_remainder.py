"""The EASE remainder (mixtape.learning.remainder): what each item's kept EASE weights drop, as low-rank
factors, found from products with B alone."""

import numpy as np
import pytest

from mixtape.learning.remainder import remainder_factors, sparse_product, sparse_transposed
from mixtape.learning.training import Interactions, train_ease
from mixtape.models.training_params import TrainingParams


def dense_ease(x: np.ndarray, lam: float) -> np.ndarray:
    precision = np.linalg.inv(x.T @ x + lam * np.eye(x.shape[1]))
    weights = -precision / np.diag(precision)[None, :]
    np.fill_diagonal(weights, 0.0)
    return weights


def kept_rows(rows: tuple[np.ndarray, np.ndarray, np.ndarray], n: int) -> np.ndarray:
    indptr, indices, values = rows
    kept = np.zeros((n, n))
    for i in range(n):
        kept[i, indices[indptr[i] : indptr[i + 1]]] = values[indptr[i] : indptr[i + 1]]
    return kept


def interactions(x: np.ndarray) -> Interactions:
    users, items = np.nonzero(x)
    return Interactions(
        [f"u{u:03d}" for u in range(x.shape[0])],
        [f"i{i:03d}" for i in range(x.shape[1])],
        users.astype(np.int64),
        items.astype(np.int64),
        np.ones(len(users)),
    )


def test_sparse_products_equal_the_dense_matrix_products():
    rng = np.random.default_rng(0)
    top = np.array([[1, 2], [0, 3], [3, 1], [2, 0]])
    values = rng.standard_normal(top.shape).astype(np.float32)
    dense = np.zeros((4, 4))
    np.put_along_axis(dense, top, values.astype(np.float64), axis=1)
    m = rng.standard_normal((4, 3))
    np.testing.assert_allclose(sparse_product(top, values, m), dense @ m, rtol=1e-12)
    np.testing.assert_allclose(sparse_transposed(top, values, m), dense.T @ m, rtol=1e-12)


@pytest.mark.parametrize("users", [60, 300])  # fewer listeners than items (dual form), more (primal)
def test_the_remainder_is_near_the_best_approximation_of_its_rank(users: int):
    rng = np.random.default_rng(1)
    x = (rng.random((users, 90)) < 0.15).astype(np.float64)
    params = TrainingParams(neighbors=10, min_item_users=1, ease_lambda=10.0, ease_remainder_rank=30)
    ease = train_ease(interactions(x), params)
    assert ease.remainder is not None
    left, right = ease.remainder
    assert left.shape == right.shape == (90, 30)
    dropped = dense_ease(x, 10.0) - kept_rows(ease.rows, 90)
    error = np.linalg.norm(dropped - left.astype(np.float64) @ right.T)
    best = np.sqrt((np.linalg.svd(dropped, compute_uv=False)[30:] ** 2).sum())  # Eckart-Young
    assert error <= 1.05 * best
    assert error < 0.8 * np.linalg.norm(dropped)  # and it does remove most of what the rows drop


def test_a_full_rank_remainder_gives_back_the_dense_ease_sums():
    rng = np.random.default_rng(2)
    x = (rng.random((40, 25)) < 0.3).astype(np.float64)
    params = TrainingParams(neighbors=5, min_item_users=1, ease_lambda=5.0, ease_remainder_rank=25)
    ease = train_ease(interactions(x), params)
    assert ease.remainder is not None
    left, right = ease.remainder
    history = np.flatnonzero(x[0])
    served = kept_rows(ease.rows, 25)[history].sum(axis=0) + right @ left[history].sum(axis=0)
    np.testing.assert_allclose(served, dense_ease(x, 5.0)[history].sum(axis=0), atol=1e-4)


def test_rank_zero_trains_no_remainder_and_items_without_a_row_get_zero_factors():
    rng = np.random.default_rng(3)
    x = (rng.random((30, 20)) < 0.3).astype(np.float64)
    x[:, 7] = 0.0
    x[0, 7] = 1.0  # one listener: below min_item_users, no EASE row
    none = TrainingParams(min_item_users=2, ease_remainder_rank=0)
    assert train_ease(interactions(x), none).remainder is None
    ease = train_ease(interactions(x), TrainingParams(min_item_users=2, neighbors=4, ease_remainder_rank=5))
    assert ease.remainder is not None
    left, right = ease.remainder
    assert not left[7].any()
    assert not right[7].any()
    assert left.any()
    assert right.any()


def test_the_factors_do_not_depend_on_anything_but_the_data_and_seed():
    rng = np.random.default_rng(4)
    x = (rng.random((50, 30)) < 0.2).astype(np.float64)
    params = TrainingParams(neighbors=5, min_item_users=1, ease_remainder_rank=8)
    first, second = train_ease(interactions(x), params), train_ease(interactions(x), params)
    assert first.remainder is not None
    assert second.remainder is not None
    np.testing.assert_array_equal(first.remainder[0], second.remainder[0])


def test_remainder_factors_of_a_known_low_rank_matrix_recover_it():
    rng = np.random.default_rng(5)
    low = rng.standard_normal((40, 3)) @ rng.standard_normal((3, 40))
    top = np.zeros((40, 1), dtype=np.int64)
    values = np.zeros((40, 1), dtype=np.float32)  # nothing kept: the remainder is the whole matrix
    left, right = remainder_factors(low.__matmul__, low.T.__matmul__, top, values, rank=3, seed=0)
    np.testing.assert_allclose(left.astype(np.float64) @ right.T, low, atol=1e-4)
