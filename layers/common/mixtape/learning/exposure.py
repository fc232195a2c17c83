"""Exposure: how often the model alone would put each item in a listener's top list, counted at training
time over a bounded sample of the training listeners.

The ranker subtracts a popularity debias (log of the item's listeners). Popularity is only a proxy for
what crowds the lists: some items are over-recommended for their popularity (hubs of the co-occurrence
graph) and some popular ones rarely make a list. A debias on exposure (`RankingWeights.debias_exposure`)
pushes down exactly the items that fill most lists, which widens the catalog's coverage at less cost
in accuracy than a stronger popularity debias.

The score per listener mirrors the served model terms: the ALS score and the EASE sums (plus the EASE
remainder's, at its trained scale, on the sums' scale), each divided by its largest magnitude for the
listener, minus `exposure_debias` times log1p(listeners) / max; the listener's own items are excluded.
"""

import numpy as np
import numpy.typing as npt

from mixtape.learning.remainder import Remainder
from mixtape.models.artifact import CsrRows
from mixtape.models.training_params import TrainingParams

Float64Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# Bounds at any catalog size: a block of listeners is scored at once within BLOCK_SCORES scores (a few
# (block, items) float64 matrices in memory), and the sample holds at most MAX_SCORES / items listeners.
BLOCK_SCORES = 4_000_000
MAX_SCORES = 300_000_000


def _per_row_max(scores: Float64Array) -> Float64Array:
    top = np.abs(scores).max(axis=1, keepdims=True)
    return np.where(top > 0, top, 1.0)


def exposure(
    user_index: IntArray,
    item_index: IntArray,
    user_factors: Float64Array,
    item_factors: Float64Array,
    ease: CsrRows,
    params: TrainingParams,
    remainder: Remainder | None = None,
) -> npt.NDArray[np.float32]:
    """Per item, the number of sampled listeners whose top `exposure_k` (by the model) holds it."""
    n_users, n_items = len(user_factors), len(item_factors)
    counts = np.zeros(n_items, dtype=np.float64)
    if not params.exposure_users or not n_users or n_items <= params.exposure_k:
        return counts.astype(np.float32)
    rng = np.random.default_rng(params.seed)
    size = min(n_users, params.exposure_users, max(1, MAX_SCORES // n_items))
    sample = np.sort(rng.choice(n_users, size=size, replace=False))
    block_size = max(1, BLOCK_SCORES // n_items)
    order = np.argsort(user_index, kind="stable")
    users, items = user_index[order], item_index[order]
    starts = np.searchsorted(users, np.arange(n_users + 1))
    listeners = np.log1p(np.bincount(item_index, minlength=n_items).astype(np.float64))
    popularity = listeners / listeners.max() if listeners.max() > 0 else listeners
    indptr, indices, values = ease
    for first in range(0, len(sample), block_size):
        block = sample[first : first + block_size]
        scores = user_factors[block] @ item_factors.T
        scores /= _per_row_max(scores)
        # The block's own items (to exclude) and their EASE rows, summed per listener in one bincount.
        lengths = starts[block + 1] - starts[block]
        owner = np.repeat(np.arange(len(block)), lengths)
        own = items[np.concatenate([np.arange(starts[u], starts[u + 1]) for u in block])]
        if len(indices):
            row_lengths = indptr[own + 1] - indptr[own]
            entry = np.repeat(indptr[own] - (np.cumsum(row_lengths) - row_lengths), row_lengths)
            entry += np.arange(int(row_lengths.sum()))
            key = np.repeat(owner, row_lengths) * n_items + indices[entry]
            summed = np.bincount(key, weights=values[entry], minlength=len(block) * n_items)
            sums = np.asarray(summed, dtype=np.float64).reshape(len(block), n_items)
            scale = _per_row_max(sums)
            if remainder is not None:  # each listener's sum of left rows, times the right factors
                left, right = remainder
                own_start = np.cumsum(lengths) - lengths
                sums += np.add.reduceat(left[own].astype(np.float64), own_start, axis=0) @ right.T
            scores += sums / scale
        scores -= params.exposure_debias * popularity
        scores[owner, own] = -np.inf
        top = np.argpartition(-scores, params.exposure_k - 1, axis=1)[:, : params.exposure_k]
        counts += np.bincount(top.ravel(), minlength=n_items)
    return counts.astype(np.float32)
