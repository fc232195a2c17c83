"""The EASE remainder: a low-rank approximation of the EASE weights that each item's sparse row drops.

EASE's item->item matrix B is dense; the artifact keeps each row's `neighbors` largest-magnitude weights
(S). A listener's EASE score of item j is the sum of B's rows over their items, and for a long history
the many small weights S drops add up: they mostly push down items that many of the listener's items
point at a little, so without them the sums of a heavy listener lean towards hubs. The remainder R = B - S
is approximated by rank-r factors, R ≈ L Rᵀ (randomized SVD, Halko, Martinsson & Tropp 2011), so a
listener's sum over their items i of R[i] is one r-vector (the sum of their rows of L) times Rᵀ: one more
small matrix-vector product per request, like the ALS term.

B is never materialised: the SVD only needs products B @ M and Bᵀ @ M, which the trainer gives from its
own factorisation (mixtape.learning.training), and S's products come from its (row, top-k) arrays.
"""

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Float64Array = npt.NDArray[np.float64]
Product = Callable[[Float64Array], Float64Array]  # M -> B @ M (or Bᵀ @ M), M of shape (items, k)
Remainder = tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]  # (left, right), each (items, rank)
OVERSAMPLING = 10  # extra random directions: the rank-r subspace is found far more accurately
POWER_STEPS = 2  # power iterations: sharpen the spectrum (R's singular values decay slowly)
ENTRY_BLOCK = 4_000_000  # sparse-product entries (rows x kept x columns of M) held at once


def sparse_product(
    top: npt.NDArray[np.int64], values: npt.NDArray[np.float32], m: Float64Array
) -> Float64Array:
    """S @ M for S given as each row's (columns, weights)."""
    n, keep = top.shape
    out = np.empty((n, m.shape[1]))
    step = max(1, ENTRY_BLOCK // max(1, keep * m.shape[1]))
    for first in range(0, n, step):
        rows = slice(first, first + step)
        out[rows] = np.einsum("ik,ikr->ir", values[rows].astype(np.float64), m[top[rows]])
    return out


def sparse_transposed(
    top: npt.NDArray[np.int64], values: npt.NDArray[np.float32], m: Float64Array
) -> Float64Array:
    """Sᵀ @ M: each entry (i, j, w) adds w · M[i] to row j, one weighted bincount per column of M."""
    n, keep = top.shape
    columns = top.ravel()
    weights = values.astype(np.float64).ravel()
    rows = np.repeat(np.arange(n), keep)
    return np.stack(
        [np.bincount(columns, weights=weights * m[rows, c], minlength=n) for c in range(m.shape[1])], axis=1
    )


def remainder_factors(
    product: Product,
    transposed: Product,
    top: npt.NDArray[np.int64],
    values: npt.NDArray[np.float32],
    rank: int,
    seed: int,
) -> Remainder:
    """(left, right), each (items, rank): left @ right.T approximates B - S."""
    n = top.shape[0]
    width = min(n, rank + OVERSAMPLING)

    def residual(m: Float64Array) -> Float64Array:
        return product(m) - sparse_product(top, values, m)

    def residual_t(m: Float64Array) -> Float64Array:
        return transposed(m) - sparse_transposed(top, values, m)

    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(residual(rng.standard_normal((n, width))))
    for _ in range(POWER_STEPS):
        back, _ = np.linalg.qr(residual_t(basis))
        basis, _ = np.linalg.qr(residual(back))
    projected = residual_t(basis).T  # basisᵀ R, (width, n)
    u, sigma, vt = np.linalg.svd(projected, full_matrices=False)
    r = min(rank, len(sigma))
    left = (basis @ u[:, :r]) * sigma[:r]
    return left.astype(np.float32), np.ascontiguousarray(vt[:r].T, dtype=np.float32)
