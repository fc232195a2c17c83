"""Inverted-file (IVF) lists over the item factors, for a ranker that scores only a few of them.

k-means lists over the items (`partition`, run by the trainer and published with the model); an
`IvfIndex` keeps its own copy of the factors grouped by list, so scoring a list is one contiguous slice.
The index finds candidates and their exact factor scores; ranking, filters and merging stay with the
caller (`mixtape.ranking.approximate`). One thread at a time, not concurrently: `probe` reuses its buffers.
"""

from dataclasses import dataclass
from math import ceil, isqrt
from typing import Any

import numpy as np
import numpy.typing as npt

from mixtape.models.artifact import IvfPartition
from mixtape.search.select import BoolArray, FloatArray, IndexArray, score_into

ITERATIONS = 8  # Lloyd iterations: the lists only route, a rough clustering serves as well
TRAIN_PER_LIST = 48  # items sampled per list to cluster on: enough to place a centroid
_EMPTY_INDEX: IndexArray = np.empty(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Facets:
    """Sparse non-negative side features of the items (e.g. genres), as entries: item `items[j]` has
    `values[j]` in column `columns[j]` (repeated (column, item) pairs add up). An `IvfIndex` given them
    keeps, per (column, list) cell, the cell's items and their mean value, so a query whose score adds
    weight · value can also take the items of the best cells of lists it does not probe (`cells`)."""

    columns: npt.NDArray[np.integer[Any]]
    items: npt.NDArray[np.integer[Any]]
    values: FloatArray
    names: tuple[str, ...]  # one per column

    @property
    def n_columns(self) -> int:
        return len(self.names)


def default_n_lists(n: int) -> int:
    """~√n lists of ~√n items: fewer, longer slices keep numpy's per-call overhead small."""
    return max(1, isqrt(n))


def partition(embeddings: FloatArray, *, n_lists: int | None = None, seed: int = 0) -> IvfPartition:
    """A few Lloyd iterations on a sample of `TRAIN_PER_LIST` items per list, then one pass assigning
    every item. `n_lists` None: ~√n (`default_n_lists`). Deterministic for a given seed."""
    matrix = _as_matrix(embeddings)
    n, d = matrix.shape
    lists = min(n, n_lists if n_lists is not None else default_n_lists(n))
    if not lists:
        return IvfPartition(np.empty((0, d), dtype=np.float32), np.empty(0, np.int32))
    rng = np.random.default_rng(seed)
    train = rng.choice(n, size=min(n, TRAIN_PER_LIST * lists), replace=False)
    train.sort()
    centroids = _kmeans(matrix[train], lists, rng)
    return IvfPartition(centroids, _assign(matrix, centroids).astype(np.int32))


class IvfIndex:
    """The items grouped by k-means list: routes a query to lists (`route`), scores whole lists exactly
    (`probe`), and reads items of lists it does not probe by list-order slot (`cells`, `list_vectors`).

    Holds its own copy of the embeddings, reordered by list: drop the caller's array to avoid keeping
    both. Built from a given `IvfPartition` (whose -1 labels are assigned here), else one is computed
    (`partition`, the costly part of a build: the trainer publishes it so containers skip it).

    `facets` (optional) are per-item side features a caller's score adds outside the inner product (the
    ranker's genre term). They are not clustered on: when they are independent of the embeddings, lists
    clustered on both lose more on the inner product than routing gains on the side features. Instead
    the index keeps each column's items per list (item slots only), so `cells` can add the items of a
    list that carry a side feature the query weights, without scanning the list.
    """

    def __init__(
        self,
        embeddings: FloatArray,
        *,
        n_probe: int,
        n_lists: int | None = None,
        facets: Facets | None = None,
        lists: IvfPartition | None = None,
    ) -> None:
        matrix = _as_matrix(embeddings)
        n, d = matrix.shape
        if lists is None:
            lists = partition(matrix, n_lists=n_lists)
        elif lists.centroids.shape[1:] != (d,) or len(lists.labels) != n:
            raise ValueError("the partition does not match the embeddings")
        centroids = np.ascontiguousarray(lists.centroids, dtype=np.float32)
        labels = lists.labels.astype(np.int64)
        if (todo := np.flatnonzero(labels < 0)).size:  # items the partition has not seen
            labels[todo] = _assign(matrix[todo], centroids)
        self.n_lists = len(centroids)
        # The caller's probe width, carried for whoever reports the index; `probe` scores the lists given.
        self.n_probe = max(1, min(n_probe, self.n_lists))
        self._d = d
        # Items stored contiguously per list (original order inside a list), so a probe is one slice.
        self._ids: IndexArray = np.argsort(labels, kind="stable").astype(np.int64)
        self._slot_of = np.empty(n, dtype=np.int32)  # item position -> its row in list order
        self._slot_of[self._ids] = np.arange(n, dtype=np.int32)
        self.list_of: npt.NDArray[np.int32] = labels.astype(np.int32)  # each item's list
        counts = np.bincount(labels, minlength=self.n_lists)
        self._bounds: list[int] = [0, *np.cumsum(counts).tolist()]
        self._sizes: IndexArray = counts.astype(np.int64)
        self._embeddings: FloatArray = matrix[self._ids]
        self._centroids = centroids
        self._scores: FloatArray = np.empty(n, dtype=np.float32)
        self._keys: IndexArray = np.empty(n, dtype=np.int64)
        self._slots: IndexArray = np.empty(n, dtype=np.int64)
        self._counting: IndexArray = np.arange(max(counts.max(initial=0), 1), dtype=np.int64)
        self.facet_columns: dict[str, int] = {}
        self._cell_start: IndexArray = np.zeros(1, dtype=np.int64)  # (columns * n_lists + 1,)
        self._cell_sizes: IndexArray = _EMPTY_INDEX  # (columns * n_lists,) items per cell
        self._cell_mean: FloatArray = np.empty(0, dtype=np.float32)  # (columns, n_lists) mean value
        self._cell_items = 1.0
        self._cell_slots: npt.NDArray[np.int32] = np.empty(0, dtype=np.int32)  # cells' items, in list order
        if facets is not None:
            self._index_facets(facets)

    def __len__(self) -> int:
        return len(self._ids)

    def route(self, query: npt.ArrayLike) -> FloatArray:
        """Each list's centroid score for the query: which lists to probe, and an estimate of the score
        of any item in a list that is not probed."""
        q = _as_query(query, self._d)
        return score_into(self._centroids, q, np.empty(self.n_lists, np.float32))

    def probe(self, query: npt.ArrayLike, lists: npt.ArrayLike) -> tuple[IndexArray, FloatArray, IndexArray]:
        """Every item of the given lists with its exact score: (item positions, scores, their indexes in
        list order), views into buffers the next call overwrites. The caller ranks, filters and merges
        them; per-item data kept in list order (`in_list_order`) is read sequentially at those indexes."""
        q = _as_query(query, self._d)
        total = self._scan(q, np.sort(np.asarray(lists, dtype=np.int64)).tolist())
        return self._keys[:total], self._scores[:total], self._slots[:total]

    def list_slots(self, positions: npt.NDArray[np.integer[Any]]) -> IndexArray:
        """Each item's index in list order (where `in_list_order` data and the index's vectors hold it)."""
        slots: IndexArray = self._slot_of[positions].astype(np.int64)
        return slots

    def items_at(self, slots: npt.NDArray[np.integer[Any]]) -> IndexArray:
        """The item positions at the given indexes in list order (the inverse of `list_slots`)."""
        positions: IndexArray = self._ids[slots]
        return positions

    def list_vectors(self, slots: npt.NDArray[np.integer[Any]]) -> FloatArray:
        """The embeddings at the given indexes in list order, from the index's own row-major copy (a
        caller's column-major matrix would cost one cache miss per element of a gathered row). np.take,
        not fancy indexing: it copies whole rows at once."""
        rows: FloatArray = np.take(self._embeddings, slots, axis=0)
        return rows

    def in_list_order[T: np.generic](self, values: npt.NDArray[T]) -> npt.NDArray[T]:
        """Per-item data (indexed by item position) reordered the way the lists store the items."""
        reordered: npt.NDArray[T] = values[self._ids]
        return reordered

    def cells(
        self,
        routing: FloatArray,
        skip: BoolArray,
        columns: npt.NDArray[np.integer[Any]],
        weights: FloatArray,
        budget: int,
    ) -> tuple[IndexArray, IndexArray]:
        """Slots (indexes in list order) of the items of the best (column, list) cells, and each one's
        list: about `budget` items (the cell that reaches it is taken whole). A cell's estimate is its
        list's routing score plus weight · the cell's mean value, for the given facet columns (positive
        weights only) and the lists not `skip`ped. An item with several of the columns comes back once per
        column. The estimate ranks cells by what their items add to their list's own estimate, which is
        all routing knows when side features and lists are unrelated."""
        n_lists = self.n_lists
        keep = np.asarray(weights) > 0
        rows = np.asarray(columns, dtype=np.int64)[keep]
        if len(rows) == 0 or budget <= 0 or n_lists == 0 or len(self._cell_slots) == 0:
            return _EMPTY_INDEX, _EMPTY_INDEX
        routed = np.where(skip, np.float32(-np.inf), routing)
        estimate = np.take(self._cell_mean, rows, axis=0)  # empty cells hold -inf: never chosen
        estimate *= np.asarray(weights, dtype=np.float32)[keep, None]
        estimate += routed
        flat = estimate.ravel()
        # Sort only the cells that can fit the budget: twice as many as cells of average size would.
        top = min(len(flat), 2 * ceil(budget / self._cell_items) + 16)
        best = np.argpartition(-flat, top - 1)[:top] if top < len(flat) else np.arange(len(flat))
        best = best[np.argsort(-flat[best], kind="stable")]
        best = best[flat[best] > -np.inf]
        column, lst = np.divmod(best, n_lists)
        first = rows[column] * n_lists + lst
        ends = np.cumsum(np.take(self._cell_sizes, first))
        taken = int(np.searchsorted(ends, budget)) + 1  # the cell that reaches the budget too
        ends = ends[:taken]
        lengths = np.diff(ends, prepend=0)
        offsets = np.repeat(np.take(self._cell_start, first[:taken]) - (ends - lengths), lengths)
        offsets += np.arange(len(offsets))
        slots: IndexArray = np.take(self._cell_slots, offsets).astype(np.int64)
        lists: IndexArray = np.repeat(lst[:taken], lengths)
        return slots, lists

    def _index_facets(self, facets: Facets) -> None:
        """Each (column, list) cell's item slots, contiguous and in list order, and their mean value.
        Built in 32-bit keys where they fit, and freeing as it goes, so the build's peak memory stays
        close to the index's own size."""
        values = np.asarray(facets.values, dtype=np.float32)
        columns, items = np.asarray(facets.columns), np.asarray(facets.items)
        if not (keep := values > 0).all():
            columns, items, values = columns[keep], items[keep], values[keep]
        n, width, cells = len(self), facets.n_columns, facets.n_columns * self.n_lists
        # column · n + slot: slots are in list order, so sorted keys are grouped by (column, list)
        key: npt.NDArray[np.signedinteger[Any]] = columns.astype(
            np.int64 if width * max(n, 1) >= 2**31 else np.int32
        )
        np.multiply(key, n, out=key)
        np.add(key, self._slot_of[items], out=key)
        order = np.argsort(key, kind="stable")
        key, values = key[order], values[order]
        del order
        distinct = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if len(key) else _EMPTY_INDEX
        summed = np.add.reduceat(values, distinct) if len(distinct) else values[:0]  # repeated pairs
        del values
        column, slot = np.divmod(key[distinct], max(n, 1))
        del key, distinct
        list_at = np.repeat(np.arange(self.n_lists, dtype=np.int64), self._sizes)  # the list of each slot
        cell = column * self.n_lists + list_at[slot]
        del column, list_at
        counts = np.bincount(cell, minlength=cells)
        self._cell_start = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self._cell_sizes = counts.astype(np.int64)
        mean = np.bincount(cell, weights=summed, minlength=cells) / np.maximum(counts, 1)
        mean[counts == 0] = -np.inf  # an empty cell is never chosen
        self._cell_mean = mean.astype(np.float32).reshape(width, self.n_lists)
        self._cell_items = max(1.0, len(slot) / max(int(np.count_nonzero(counts)), 1))  # mean items per cell
        self._cell_slots = slot.astype(np.int32)
        self.facet_columns = {name: c for c, name in enumerate(facets.names)}

    def _scan(self, q: FloatArray, lists: list[int]) -> int:
        """Score the given lists into the front of the buffers; returns how many items were scored."""
        filled = 0
        bounds = self._bounds
        for lst in lists:
            start, stop = bounds[lst], bounds[lst + 1]
            end = filled + stop - start
            np.matmul(self._embeddings[start:stop], q, out=self._scores[filled:end])
            self._keys[filled:end] = self._ids[start:stop]
            np.add(self._counting[: stop - start], start, out=self._slots[filled:end])
            filled = end
        return filled


def _nearest(points: FloatArray, centroids: FloatArray, half_norms: FloatArray) -> IndexArray:
    """Nearest centroid (L2) of each point: argmax of p·c - |c|²/2."""
    sims = points @ centroids.T
    sims -= half_norms
    nearest: IndexArray = np.argmax(sims, axis=1).astype(np.int64)
    return nearest


def _kmeans(points: FloatArray, n_lists: int, rng: "np.random.Generator") -> FloatArray:
    """A few Lloyd iterations from random points; an emptied list restarts at a random point."""
    centroids = points[rng.choice(len(points), size=n_lists, replace=False)].copy()
    for _ in range(ITERATIONS):
        labels = _nearest(points, centroids, 0.5 * np.einsum("ij,ij->i", centroids, centroids))
        counts = np.bincount(labels, minlength=n_lists)
        order = np.argsort(labels, kind="stable")
        used = np.flatnonzero(counts)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))[used]
        centroids[used] = np.add.reduceat(points[order], starts, axis=0) / counts[used, None]
        empty = np.flatnonzero(counts == 0)
        centroids[empty] = points[rng.choice(len(points), size=len(empty), replace=False)]
    return centroids


def _assign(matrix: FloatArray, centroids: FloatArray) -> IndexArray:
    """Nearest centroid of every item, in chunks so the similarity block stays ~32 MB."""
    half_norms = 0.5 * np.einsum("ij,ij->i", centroids, centroids)
    chunk = max(1, (8 << 20) // len(centroids))
    labels = np.empty(len(matrix), dtype=np.int64)
    for start in range(0, len(matrix), chunk):
        labels[start : start + chunk] = _nearest(matrix[start : start + chunk], centroids, half_norms)
    return labels


def _as_matrix(embeddings: FloatArray) -> FloatArray:
    matrix = np.asarray(embeddings, dtype=np.float32)  # any layout: the callers copy or scan it
    if matrix.ndim != 2:
        raise ValueError(f"embeddings must be (n, d), got shape {matrix.shape}")
    return matrix


def _as_query(query: npt.ArrayLike, d: int) -> FloatArray:
    q = np.ascontiguousarray(query, dtype=np.float32)  # a float64 query would upcast the whole catalog
    if q.shape != (d,):
        raise ValueError(f"query must have shape ({d},), got {q.shape}")
    return q
