"""Live item popularity as decayed listener counts, kept in per-epoch buckets that writers can ADD to.

"Popular now" counts listeners, not plays: the profile fold credits an item only with a listener's first
positive event for it in a bucket, at weight 1 whatever its `count` (mixtape.profiles.apply.fold), so no
one caller can make an item popular for everyone, and the fold's exactly-once makes it count once. (The
profile remembers its newest items only, so a listener whose remembered items are all from this bucket
credits no further item until the next: a listener adds to a bounded number of items per bucket.)

A contribution w at time t goes to bucket e = t // EPOCH as w * 2**((t - e*EPOCH) / half_life), which
stays below 2**(EPOCH / half_life), so atomic ADDs never overflow and need no read. A reader sums the
current and previous bucket decayed to now. Older buckets are dropped by the writers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from mixtape.models.event_type import EventType
from mixtape.models.trend import POPULARITY_EPOCH_MS

if TYPE_CHECKING:  # the recommend function reads popularity but never imports the event models
    from mixtape.models.events import StoredEvent

EPOCH_MS = POPULARITY_EPOCH_MS
POPULAR_TYPES = frozenset({EventType.PLAY, EventType.LIKE, EventType.SAVE, EventType.PLAYLIST_ADD})


def epoch_of(ts_ms: int) -> int:
    return ts_ms // EPOCH_MS


def contributions(
    events: Iterable[StoredEvent], now_ms: int, half_life_ms: float
) -> dict[str, dict[int, float]]:
    """Per item and epoch bucket, what a batch of crediting events adds: 1 each, decayed (never `count`:
    the caller passes only each listener's first positive event for an item in its bucket)."""
    oldest = epoch_of(now_ms) - 1
    deltas: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for event in events:
        if event.type not in POPULAR_TYPES:
            continue
        bucket = epoch_of(event.timestamp)
        if bucket < oldest:
            continue  # too old to matter for "popular now"
        offset = event.timestamp - bucket * EPOCH_MS
        deltas[event.item_id][bucket] += 2.0 ** (offset / half_life_ms)
    return {item: dict(buckets) for item, buckets in deltas.items()}


def scores(
    all_buckets: Sequence[Mapping[int, float]], now_ms: int, half_life_ms: float
) -> npt.NDArray[np.float64]:
    """`score` of many items at once (the catalog index build): two dict reads per item, no loop over
    buckets (older ones are dropped by the writers and never count)."""
    current, weight_now, weight_before = _bucket_weights(now_ms, half_life_ms)
    return np.fromiter(
        (
            b.get(current, 0.0) * weight_now + b.get(current - 1, 0.0) * weight_before if b else 0.0
            for b in all_buckets
        ),
        dtype=np.float64,
        count=len(all_buckets),
    )


def scores_of_entries(
    items: npt.NDArray[np.int64],
    epochs: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    n: int,
    now_ms: int,
    half_life_ms: float,
) -> npt.NDArray[np.float64]:
    """`scores` of items 0..n-1 from their buckets as entries (item, epoch, value), vectorised: a catalog
    snapshot's popularity read without making a dict per item."""
    current, weight_now, weight_before = _bucket_weights(now_ms, half_life_ms)
    weights = np.where(epochs == current, weight_now, np.where(epochs == current - 1, weight_before, 0.0))
    # float64 already (weighted counts): the cast only tells the type checker, copying nothing
    return np.bincount(items, weights=values * weights, minlength=n).astype(np.float64, copy=False)


def _bucket_weights(now_ms: int, half_life_ms: float) -> tuple[int, float, float]:
    """The buckets that count as of `now_ms` (the current epoch and the one before) and the factors that
    decay each to now: (current epoch, its factor, the previous epoch's factor)."""
    current = epoch_of(now_ms)
    weight_now = 2.0 ** ((current * EPOCH_MS - now_ms) / half_life_ms)
    weight_before = 2.0 ** (((current - 1) * EPOCH_MS - now_ms) / half_life_ms)
    return current, weight_now, weight_before


def score(buckets: Mapping[int, float], now_ms: int, half_life_ms: float) -> float:
    """Decayed listener count as of `now_ms`: the current and the previous bucket, decayed to now."""
    return float(scores([buckets], now_ms, half_life_ms)[0])
