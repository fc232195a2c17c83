"""Model training in numpy: implicit-feedback ALS item factors plus EASE item-to-item weights.

Both learn from one interaction matrix (listener x item, positive decayed weights). ALS gives dense
factors that a listener is folded into in real time (mixtape.learning.foldin); EASE gives a sparse
item->item table whose rows a new play simply adds, plus low-rank factors of what the sparse rows drop
(mixtape.learning.remainder). Served together (blended per request) they rank
better than either alone; `make eval` measures each part and the blend.

Data access is one `Interactions` value: coordinate arrays and the two id lists. A distributed trainer
(Spark ALS on EMR) produces the same artifact from the same shape of data, read from a table export.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from mixtape.learning.exposure import exposure
from mixtape.learning.remainder import Product, Remainder, remainder_factors
from mixtape.models.artifact import CsrRows, ModelArtifact, confidence
from mixtape.models.training_params import TrainingParams
from mixtape.search.ivf import partition

Float64Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Interactions:
    """Positive interactions as coordinates: user_index[k] played item_index[k] with weight[k] > 0."""

    user_ids: Sequence[str]
    item_ids: Sequence[str]
    user_index: IntArray
    item_index: IntArray
    weight: Float64Array

    @classmethod
    def from_triples(cls, triples: Iterable[tuple[str, str, float]]) -> "Interactions":
        """Build from (user_id, item_id, weight) rows; weights of repeated pairs add, non-positive drop.

        The result depends on the set of rows, never on their order: ids are indexed in sorted order and
        repeated pairs summed in value order. A table scan (or a log applied on threads) returns rows in
        an order that changes from run to run, and ALS's random start is drawn per index, so without
        this the same data would train a different model each time."""
        users: dict[str, int] = {}
        items: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for user_id, item_id, value in triples:
            if value <= 0:
                continue
            rows.append(users.setdefault(user_id, len(users)))
            cols.append(items.setdefault(item_id, len(items)))
            vals.append(value)
        user_ids, user_rank = _sorted_ids(users)
        item_ids, item_rank = _sorted_ids(items)
        weight = np.asarray(vals, dtype=np.float64)
        key = (
            user_rank[np.asarray(rows, dtype=np.int64)] * len(items)
            + item_rank[np.asarray(cols, dtype=np.int64)]
        )
        order = np.lexsort((weight, key))  # by pair, then value: the same sums whatever the input order
        unique, starts = np.unique(key[order], return_index=True)
        summed = np.add.reduceat(weight[order], starts) if len(weight) else weight
        user_index, item_index = np.divmod(unique.astype(np.int64), max(len(items), 1))
        return cls(user_ids, item_ids, user_index, item_index, summed.astype(np.float64))

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.user_ids), len(self.item_ids)


def _sorted_ids(index: dict[str, int]) -> tuple[list[str], IntArray]:
    """The ids in sorted order, and each first-seen index's position in it."""
    ids = sorted(index)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[[index[i] for i in ids]] = np.arange(len(ids), dtype=np.int64)
    return ids, rank


def _cg_half(
    rows: IntArray,
    cols: IntArray,
    extra: Float64Array,
    fixed: Float64Array,
    solve: Float64Array,
    reg: float | Float64Array,
    steps: int,
) -> Float64Array:
    """One ALS half-step by conjugate gradient, for every row at once (rows sorted ascending).

    Row r solves (F^T F + sum extra * f f^T + reg * I) x = sum (1 + extra) * f over its interactions, F the
    fixed side: the implicit-ALS normal equations with confidence 1 + extra. A few CG steps from the
    previous solution are as good as an exact solve here and cost O(nnz * d) instead of O(n * d^3).
    """
    n_rows, dim = solve.shape
    unique, starts = np.unique(rows, return_index=True)
    gram = fixed.T @ fixed
    ridge = np.broadcast_to(np.asarray(reg, dtype=np.float64), (n_rows,))[
        :, None
    ]  # one per row, or one for all
    fixed_t = np.ascontiguousarray(fixed[cols].T)  # d x nnz: segment sums run along contiguous rows

    def segment_sum(values_t: Float64Array) -> Float64Array:
        out = np.zeros((n_rows, dim))
        out[unique] = np.add.reduceat(values_t, starts, axis=1).T
        return out

    def product(x: Float64Array) -> Float64Array:
        along = extra * np.einsum("dn,nd->n", fixed_t, x[rows])
        return x @ gram + ridge * x + segment_sum(fixed_t * along)

    residual = segment_sum(fixed_t * (1.0 + extra)) - product(solve)
    direction = residual.copy()
    norm_sq = np.einsum("nd,nd->n", residual, residual)
    for _ in range(steps):
        step = product(direction)
        alpha = norm_sq / np.maximum(np.einsum("nd,nd->n", direction, step), 1e-30)
        solve = solve + alpha[:, None] * direction
        residual -= alpha[:, None] * step
        new_norm_sq = np.einsum("nd,nd->n", residual, residual)
        direction = residual + (new_norm_sq / np.maximum(norm_sq, 1e-30))[:, None] * direction
        norm_sq = new_norm_sq
    return solve


def train_als(data: Interactions, params: TrainingParams) -> tuple[Float64Array, Float64Array]:
    """User and item factors of implicit ALS (Hu, Koren & Volinsky 2008), conjugate-gradient solver."""
    n_users, n_items = data.shape
    rng = np.random.default_rng(params.seed)
    users = rng.normal(0.0, 0.01, (n_users, params.factors))
    items = rng.normal(0.0, 0.01, (n_items, params.factors))
    extra = confidence(data.weight, params.alpha, params.epsilon) - 1.0
    by_user = np.argsort(data.user_index, kind="stable")
    by_item = np.argsort(data.item_index, kind="stable")
    user_side = (data.user_index[by_user], data.item_index[by_user], extra[by_user])
    item_side = (data.item_index[by_item], data.user_index[by_item], extra[by_item])
    user_reg, item_reg = _ridges(data, params)
    for _ in range(params.iterations):
        users = _cg_half(*user_side, items, users, user_reg, params.cg_steps)
        items = _cg_half(*item_side, users, items, item_reg, params.cg_steps)
    return users, items


def _ridges(data: Interactions, params: TrainingParams) -> tuple[float | Float64Array, float | Float64Array]:
    """Each side's regularisation: one λ for every row, or λ times the row's interactions (weighted-λ, as
    Spark's ALS regularises), which holds a heavy listener's or a hit item's vector back as much as its
    evidence pulls it."""
    if params.regularization_scaling == "constant":
        return params.regularization, params.regularization
    n_users, n_items = data.shape
    per_user = np.bincount(data.user_index, minlength=n_users).astype(np.float64)
    per_item = np.bincount(data.item_index, minlength=n_items).astype(np.float64)
    return params.regularization * per_user, params.regularization * per_item


def ease_input(data: Interactions, params: TrainingParams) -> Float64Array:
    """The value of each interaction in EASE's matrix (`TrainingParams.ease_weighting`)."""
    if params.ease_weighting == "binary":
        return np.ones(len(data.weight))
    if params.ease_weighting == "log":
        return np.log1p(data.weight)
    n_users, n_items = data.shape  # BM25 as in the implicit library's bm25_weight
    listeners = np.bincount(data.item_index, minlength=n_items)
    idf = np.log(n_users) - np.log1p(listeners)
    length = np.bincount(data.user_index, weights=data.weight, minlength=n_users)
    norm = (1.0 - params.bm25_b) + params.bm25_b * length / max(float(length.mean()), 1e-12)
    k1 = params.bm25_k1
    saturated = data.weight * (k1 + 1.0) / (k1 * norm[data.user_index] + data.weight)
    return np.asarray(saturated * np.maximum(idf[data.item_index], 0.0), dtype=np.float64)


class Ease(NamedTuple):
    rows: CsrRows  # each item's `neighbors` largest-magnitude weights, CSR over item positions
    remainder: Remainder | None  # (left, right): left @ right.T ≈ what the rows drop (rank > 0 only)


def train_ease(data: Interactions, params: TrainingParams) -> Ease:
    """EASE (Steck 2019) item->item weights, kept sparse as CSR rows; the input is binary unless
    `ease_weighting` says otherwise (`ease_input`).

    Only items with at least `min_item_users` listeners take part (the others have no co-occurrence to
    learn from). The dense inverse is over min(users, items): the dual (Woodbury) form is used when
    there are fewer listeners than items. Each row keeps its `neighbors` largest-magnitude weights.
    """
    n_users, n_items = data.shape
    empty = Ease((np.zeros(n_items + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32)), None)
    listeners = np.bincount(data.item_index, minlength=n_items)
    kept = np.flatnonzero(listeners >= params.min_item_users)
    if params.neighbors == 0 or len(kept) < 2 or len(kept) > params.max_ease_items:
        return empty
    column = np.full(n_items, -1, dtype=np.int64)
    column[kept] = np.arange(len(kept))
    use = column[data.item_index] >= 0
    x = np.zeros((n_users, len(kept)))
    x[data.user_index[use], column[data.item_index[use]]] = ease_input(data, params)[use]
    lam = params.ease_lambda
    keep = min(params.neighbors, len(kept) - 1)
    products: tuple[Product, Product]
    if n_users < len(kept):
        top, values, products = _dual_top(x, lam, keep)
    else:
        gram = x.T @ x
        gram[np.diag_indices_from(gram)] += lam
        precision = np.linalg.inv(gram).astype(np.float64)
        weights = -precision / np.diag(precision)[None, :]
        np.fill_diagonal(weights, 0.0)
        top = np.argpartition(-np.abs(weights), keep - 1, axis=1)[:, :keep]
        values = np.take_along_axis(weights, top, axis=1).astype(np.float32)
        products = (weights.__matmul__, weights.T.__matmul__)
    indptr = np.zeros(n_items + 1, dtype=np.int64)
    indptr[kept + 1] = keep
    indptr = np.cumsum(indptr)
    rows = (indptr, kept[top].astype(np.int32).ravel(), values.ravel())
    if not params.ease_remainder_rank:
        return Ease(rows, None)
    left, right = remainder_factors(*products, top, values, params.ease_remainder_rank, params.seed)
    full = np.zeros((2, n_items, left.shape[1]), dtype=np.float32)
    full[0, kept], full[1, kept] = left, right
    return Ease(rows, (full[0], full[1]))


def _dual_top(
    x: Float64Array, lam: float, keep: int, block: int = 1024
) -> tuple[IntArray, npt.NDArray[np.float32], tuple[Product, Product]]:
    """EASE weights by the dual (Woodbury) form, with fewer listeners than items, as each row's `keep`
    largest-magnitude (column, weight) pairs.

    Off the diagonal P = (X^T X + lam I)^-1 is -(X^T K X) / lam with K = (lam I + X X^T)^-1, and
    lam P_jj = 1 - x_j . (K x)_j, so weight(i, j) = -P_ij / P_jj = x_i . (K x)_j / (1 - x_j . (K x)_j).
    Rows are computed a block at a time in float32 (only their top entries are kept): memory stays one
    block of the items x items matrix.
    """
    n_users, n_items = x.shape
    kx = np.linalg.solve(lam * np.eye(n_users) + x @ x.T, x)
    inner = np.einsum("ui,ui->i", x, kx)  # x_j . (K x)_j
    scale64 = 1.0 / (1.0 - inner)
    scale = scale64.astype(np.float32)
    left = np.ascontiguousarray(x.T, dtype=np.float32)
    right = kx.astype(np.float32)
    top = np.empty((n_items, keep), dtype=np.int64)
    values = np.empty((n_items, keep), dtype=np.float32)
    for start in range(0, n_items, block):
        weights = left[start : start + block] @ right
        weights *= scale
        rows = np.arange(len(weights))
        weights[rows, start + rows] = 0.0
        chosen = np.argpartition(-np.abs(weights), keep - 1, axis=1)[:, :keep]
        top[start : start + block] = chosen
        values[start : start + block] = np.take_along_axis(weights, chosen, axis=1)
    # B @ M and Bᵀ @ M from the same factors, B = xᵀ (K x) diag(scale) with its diagonal d zeroed.
    diagonal = (inner * scale64)[:, None]

    def product(m: Float64Array) -> Float64Array:
        return np.asarray(x.T @ (kx @ (scale64[:, None] * m)) - diagonal * m, dtype=np.float64)

    def transposed(m: Float64Array) -> Float64Array:
        return np.asarray(scale64[:, None] * (kx.T @ (x @ m)) - diagonal * m, dtype=np.float64)

    return top, values, (product, transposed)


def train(data: Interactions, params: TrainingParams, version: str, trained_at_ms: int) -> ModelArtifact:
    """Learn both parts and package them with what fold-in and the ranker need."""
    user_factors, item_factors = train_als(data, params)
    ease = train_ease(data, params)
    indptr, indices, values = ease.rows
    shown = exposure(
        data.user_index, data.item_index, user_factors, item_factors, ease.rows, params, ease.remainder
    )
    listeners = np.bincount(data.item_index, minlength=len(data.item_ids)).astype(np.float32)
    factors = item_factors.astype(np.float32)
    return ModelArtifact(
        version=version,
        trained_at_ms=trained_at_ms,
        item_ids=list(data.item_ids),
        factors=factors,
        gram=item_factors.T @ item_factors,
        regularization=params.foldin_regularization or params.regularization,
        alpha=params.alpha,
        epsilon=params.epsilon,
        neighbor_indptr=indptr,
        neighbor_indices=indices,
        neighbor_weights=values,
        remainder=ease.remainder,
        listeners=listeners,
        users=len(data.user_ids),
        interactions=len(data.weight),
        ivf_lists=partition(factors),
        exposure=shown,  # clustered once here, not in every container that uses IVF
    )
