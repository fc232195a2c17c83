"""EASE item -> item weights in the Spark job, computed as the numpy trainer computes them.

EASE's dense solve is over min(listeners, items kept) (mixtape.learning.training.train_ease): while there
are at most `max_ease_items` listeners and items kept it is bounded as in the numpy trainer, so the job
collects the positive (listener, item, weight) rows to the driver and runs the numpy trainer's own
`train_ease` on them: the same weights kept per item, not a second implementation. Above that the job keeps
the catalog-scale path (spark.neighbours: co-occurrence cosine), which needs no dense solve.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from mixtape.learning.exposure import exposure
from mixtape.learning.remainder import Remainder
from mixtape.learning.training import Interactions, train_ease
from mixtape.models.artifact import CsrRows
from mixtape.models.training_params import TrainingParams


def fits_driver(users: int, kept_items: int, params: TrainingParams) -> bool:
    """Whether EASE runs on the driver: at most `max_ease_items` listeners (their dense matrix over the
    items kept is then no larger than the numpy trainer's at its own bound) and items kept (`train_ease`
    skips EASE above that: the job then gives the co-occurrence rows rather than none)."""
    return params.neighbors > 0 and max(users, kept_items) <= params.max_ease_items


class DriverEase(NamedTuple):
    """The numpy trainer's EASE parts in the job's item order."""

    rows: CsrRows
    exposure: npt.NDArray[np.float32] | None  # with the ALS factors only
    remainder: Remainder | None  # with `ease_remainder_rank` > 0 only


def ease_rows(
    triples: Iterable[tuple[str, str, float]],
    item_ids: Sequence[str],
    params: TrainingParams,
    factors: tuple[Mapping[str, Sequence[float]], npt.NDArray[np.float32]] | None = None,
) -> DriverEase:
    """EASE rows of `train_ease` over the (listener, item, weight > 0) rows, as CSR over `item_ids`'
    positions (the job's item order), each row's entries in `train_ease`'s order, and its remainder's
    factors in that order; with `factors` (each listener's ALS vector, the item factors in `item_ids`'
    order) also the items' exposure counts as the numpy trainer computes them
    (mixtape.learning.exposure), in `item_ids`' order."""
    data = Interactions.from_triples(triples)
    ease = train_ease(data, params)
    moved = reindexed(ease.rows, data.item_ids, item_ids)
    position = {item_id: n for n, item_id in enumerate(item_ids)}
    order = np.fromiter((position[i] for i in data.item_ids), np.int64, len(data.item_ids))
    remainder = None
    if ease.remainder is not None:
        remainder = (_moved(ease.remainder[0], order), _moved(ease.remainder[1], order))
    if factors is None:
        return DriverEase(moved, None, remainder)
    user_vectors, item_factors = factors
    users = np.asarray([user_vectors[u] for u in data.user_ids], dtype=np.float64)
    shown = exposure(
        data.user_index,
        data.item_index,
        users,
        item_factors[order].astype(np.float64),
        ease.rows,
        params,
        ease.remainder,
    )
    counts = np.zeros(len(item_ids), dtype=np.float32)
    counts[order] = shown
    return DriverEase(moved, counts, remainder)


def _moved(rows: npt.NDArray[np.float32], order: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """Rows in the trainer's item order put at the job's positions `order`."""
    out = np.zeros_like(rows)
    out[order] = rows
    return out


def reindexed(rows: CsrRows, source_ids: Sequence[str], target_ids: Sequence[str]) -> CsrRows:
    """CSR rows over `source_ids` positions moved to `target_ids` positions (the same set of ids)."""
    indptr, indices, values = rows
    target = {item_id: n for n, item_id in enumerate(target_ids)}
    to_target = np.fromiter((target[i] for i in source_ids), np.int64, len(source_ids))
    lengths = np.diff(indptr)
    source_of = np.empty(len(target_ids), np.int64)  # target position -> source row
    source_of[to_target] = np.arange(len(source_ids))
    new_lengths = lengths[source_of]
    new_indptr = np.zeros(len(target_ids) + 1, np.int64)
    np.cumsum(new_lengths, out=new_indptr[1:])
    starts = indptr[source_of]
    take = (np.repeat(starts - new_indptr[:-1], new_lengths) + np.arange(new_indptr[-1])).astype(np.int64)
    return new_indptr, to_target[indices[take]].astype(np.int32), values[take].astype(np.float32)
