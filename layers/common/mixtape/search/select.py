"""Fast exact top-k over catalog scores.

Selection never partitions the whole catalog: a small sample of the scores gives a threshold that, with
high probability, at least k items pass; only those candidates are partitioned and sorted. When too few
pass (bad luck, adversarial inputs) it falls back to a full pass, so the result is always exactly
`np.argsort(-scores, kind="stable")` restricted to finite scores, cut at k: score descending, ties by the
lower index. Excluded items are encoded as -inf and are never returned; neither are +inf and NaN.

`TopK` preallocates its buffers per catalog size so a request allocates only arrays of candidate size. It
is safe to reuse from one thread at a time, not concurrently.
"""

from dataclasses import dataclass
from math import ceil, sqrt
from typing import Any, Self

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IndexArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SAMPLE_SIZE = 16_384  # scores sampled for the threshold: small enough to gather and partition cheaply
FULL_PASS_BELOW = 8_192  # below this, one partition of everything is as cheap as sampling
SAMPLE_FRACTION = 8  # never sample more than 1/8 of the scores
FOLD = 16  # rows of the folded view that finds the candidates (see _at_least)
FOLD_FROM = 65_536  # below this the fold's fixed cost outweighs what it saves
_EMPTY_INDEX: IndexArray = np.empty(0, dtype=np.int64)
_GOLDEN_FRACTION = (5**0.5 - 1) / 2


def _threshold(sample: FloatArray, k: int, n: int) -> np.floating[Any] | None:
    """A score that, with high probability, at least k of the n scores reach; None when sampling cannot
    tell (sample too small for k, or too few finite values in it).

    The number of sampled items among the true top k is ~Poisson(λ = k·s/n), so the r-th best sample
    with r = λ + 4√λ + 4 lies below the k-th best score except with probability < 1e-5, and about
    r·n/s items pass it. Sampled +inf and NaN (not scores, but they sort on top) are skipped.
    """
    s = len(sample)
    expected = k * s / n
    rank = ceil(expected + 4.0 * sqrt(expected) + 4.0) + int(np.count_nonzero(~(sample < np.inf)))
    if rank >= s:
        return None
    t: np.floating[Any] = np.partition(sample, s - rank)[s - rank]
    return t if -np.inf < t < np.inf else None


def _order(cand: IndexArray, vals: FloatArray, keys: IndexArray | None, k: int) -> IndexArray:
    """The k best of the candidates, by value descending then key (default: the position) ascending.

    Only the k-th value's ties need the key, so at most k elements are ever sorted, however many tie."""
    m = len(cand)
    tie_keys = cand if keys is None else keys[cand]
    if m > k:
        kth = np.partition(vals, m - k)[m - k]
        above = vals > kth
        tied = np.flatnonzero(vals == kth)
        need = k - int(np.count_nonzero(above))
        if len(tied) > need:  # keep the ties with the lowest keys
            tied = tied[np.argpartition(tie_keys[tied], need - 1)[:need]] if need > 0 else tied[:0]
        keep = np.concatenate((np.flatnonzero(above), tied))
        cand, vals, tie_keys = cand[keep], vals[keep], tie_keys[keep]
    order: IndexArray = np.lexsort((tie_keys, -vals))
    return cand[order]


@dataclass(frozen=True, slots=True)
class _Scratch:
    flags: BoolArray  # >= n booleans
    column_max: FloatArray  # >= n // FOLD floats

    @classmethod
    def of_size(cls, n: int) -> Self:
        return cls(np.empty(n, dtype=np.bool_), np.empty(n // FOLD, dtype=np.float32))


def _select(
    values: FloatArray,
    k: int,
    sample: FloatArray | None,
    *,
    keys: IndexArray | None = None,
    scratch: _Scratch | None = None,
) -> IndexArray:
    """Positions of the k best finite values (ordered as `_order`); `scratch` holds preallocated buffers
    so nothing catalog-sized is allocated."""
    n = len(values)
    if k <= 0 or n == 0:
        return _EMPTY_INDEX
    t = None if sample is None else _threshold(sample, k, n)
    if t is not None:
        cand = _at_least(values, t, scratch)
        vals = values[cand]
        finite = np.isfinite(vals)  # +inf is not a score either
        if not finite.all():
            cand, vals = cand[finite], vals[finite]
        if len(cand) >= k:  # then the k-th best finite score is >= t: every winner and tie is here
            return _order(cand, vals, keys, k)
    cand = _full_candidates(values, None if scratch is None else scratch.flags[:n])
    return _order(cand, values[cand], keys, k)


def _at_least(values: FloatArray, t: np.floating[Any], scratch: _Scratch | None) -> IndexArray:
    """Positions (in no particular order) of the values >= t.

    Comparing all n scores and np.flatnonzero over the n flags are two full passes; folding the scores
    into FOLD rows and taking the column-wise max (a streaming SIMD reduction) leaves n / FOLD columns to
    scan, and only the few columns whose max reaches t are looked at in full. fmax, not maximum: a NaN
    must not hide a column.
    """
    n = len(values)
    if n < FOLD_FROM:
        flags = None if scratch is None else scratch.flags[:n]
        return np.flatnonzero(np.greater_equal(values, t, out=flags)).astype(np.int64, copy=False)
    cols_n = n // FOLD
    head = values[: cols_n * FOLD].reshape(FOLD, cols_n)
    if scratch is None:
        column_max = np.fmax.reduce(head, axis=0)
        cols = np.flatnonzero(column_max >= t)
    else:
        column_max = np.fmax.reduce(head, axis=0, out=scratch.column_max[:cols_n])
        cols = np.flatnonzero(np.greater_equal(column_max, t, out=scratch.flags[:cols_n]))
    # flatnonzero + divmod, not np.nonzero of the 2-D mask (numpy's n-D nonzero is markedly slower);
    # the same row-major order.
    rows, at = np.divmod(np.flatnonzero(np.take(head, cols, axis=1) >= t), len(cols))
    tail = np.flatnonzero(values[cols_n * FOLD :] >= t)
    found: IndexArray = np.concatenate((rows * cols_n + cols[at], tail + cols_n * FOLD)).astype(np.int64)
    return found


def _full_candidates(values: FloatArray, flags: BoolArray | None) -> IndexArray:
    """Every finite position: the fallback when the sampled threshold let fewer than k through."""
    return np.flatnonzero(np.isfinite(values, out=flags)).astype(np.int64, copy=False)


def _sample_size(n: int) -> int:
    return 0 if n < FULL_PASS_BELOW else min(SAMPLE_SIZE, n // SAMPLE_FRACTION)


def top_k(scores: FloatArray, k: int) -> IndexArray:
    """Indexes of the k best finite scores, best first, ties by lower index (exact). Stateless, so it
    allocates temporaries of catalog size; `TopK` reuses buffers across calls for a fixed catalog size."""
    values = _as_vector(scores)
    s = _sample_size(len(values))
    sample = values[:: len(values) // s] if s else None  # strided: no random state, no copy
    return _select(values, k, sample)


def top_k_keyed(values: FloatArray, k: int, keys: IndexArray) -> IndexArray:
    """Indexes into `values` of its k best finite values, best first, ties by the lower key: `top_k` for
    candidates that are not a whole catalog (keys are their catalog positions)."""
    values = _as_vector(values)
    s = _sample_size(len(values))
    sample = values[:: len(values) // s] if s else None
    return _select(values, k, sample, keys=keys)


def spread_positions(n: int, s: int, seed: int = 0) -> IndexArray:
    """About s distinct positions in [0, n), ascending, spread over it without any period: the points
    (seed + i)·φ mod 1 (φ the golden ratio), which fill [0, 1) evenly in every prefix and never line up
    with a period of the catalog's order. A stand-in for a random sample that needs no numpy.random
    (importing it weighs on every cold start). Fewer than s only when two points share a position (s
    close to n)."""
    points = np.modf((np.arange(s, dtype=np.float64) + seed) * _GOLDEN_FRACTION)[0]
    positions = np.sort((points * n).astype(np.int64))
    # Not np.unique: its first call imports numpy.ma, which would weigh on every cold start.
    distinct: IndexArray = positions[np.concatenate(([True], positions[1:] != positions[:-1]))]
    return distinct


class TopK:
    """`top_k` for score vectors of one fixed length, with preallocated buffers and a sample spread
    over the catalog (`spread_positions`), which no periodic pattern in the catalog order can defeat.
    One thread at a time."""

    def __init__(self, n: int, *, seed: int = 0) -> None:
        self.n = n
        self._scratch = _Scratch.of_size(n)
        s = _sample_size(n)
        # ascending: the gather is a forward memory walk
        self._sample_at: IndexArray = spread_positions(n, s, seed) if s else _EMPTY_INDEX
        self._sample: FloatArray = np.empty(len(self._sample_at), dtype=np.float32)

    def __call__(self, scores: FloatArray, k: int, keys: IndexArray | None = None) -> IndexArray:
        """As `top_k`; with `keys`, ties are broken by keys[position] instead of position."""
        values = _as_vector(scores)
        if len(values) != self.n:
            raise ValueError(f"expected {self.n} scores, got {len(values)}")
        sample = None
        if len(self._sample):  # gathered into the preallocated buffer when the dtypes agree
            out = self._sample if values.dtype == np.float32 else None
            sample = np.take(values, self._sample_at, out=out)
        return _select(values, k, sample, keys=keys, scratch=self._scratch)


def score_into(
    embeddings: FloatArray, query: FloatArray, out: FloatArray, bias: FloatArray | None = None
) -> FloatArray:
    """out = embeddings @ query (+ bias), float32, written in place (no catalog-sized allocation)."""
    np.matmul(embeddings, query, out=out)
    if bias is not None:
        np.add(out, bias, out=out)
    return out


def _as_vector(scores: FloatArray) -> FloatArray:
    values = np.asarray(scores)
    if values.ndim != 1:
        raise ValueError(f"scores must be one-dimensional, got shape {values.shape}")
    return values
