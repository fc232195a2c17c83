"""Trending: distinct-listener counts per item in hour and day buckets, and each window's velocity.

Writing. The profile fold credits an item with a listener's first positive event for it in an hour (and,
separately, in a day), judged from the listener's remembered items as "popular now" is (so once per
listener, item and bucket, exactly once, with no extra read: mixtape.profiles.apply). A profile-update
batch adds its credits to `th<hour>` and `td<day>` counters with its popularity, summed per item, in a
few writes per counter (the catalog's counter shards: storage.dynamo.counters); a counter that has left
every window is no longer stored (a shard expires then), so an item has at most HOURS_KEPT + DAYS_KEPT.

Reading. The recommend container holds each window's counts in memory (`TrendingIndex`, built with the
catalog index and again at each popularity reload), so a request scans nothing. A window is rolling: its
oldest bucket counts for the part of it inside the window. `listeners` is the window's count (a listener
counts once per bucket: per hour for 1h and 24h, per day for 7d), `previous` the window before it,
`velocity` = (listeners - previous) / (previous + smoothing): how fast the item is rising, whatever its
size; `rising` when velocity reaches `rising_velocity`. Items are ordered by listeners x (1 + velocity+),
so a rising item passes a merely popular one of the same size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from mixtape.config import TrendingSettings
from mixtape.models.trend import (
    DAY_MS,
    DAY_PREFIX,
    HOUR_MS,
    HOUR_PREFIX,
    TrendEntries,
    is_kept,
    parse_counter,
)

if TYPE_CHECKING:
    from mixtape.models.events import StoredEvent

Window = Literal["1h", "24h", "7d"]
# Each window: its bucket size, its length in buckets.
WINDOWS: dict[Window, tuple[int, int]] = {"1h": (HOUR_MS, 1), "24h": (HOUR_MS, 24), "7d": (DAY_MS, 7)}


class Credit(NamedTuple):
    """One listener's credit to an item's counter (`th<hour>` or `td<day>`)."""

    item_id: str
    counter: str


def credits(event: StoredEvent, previous: int | None, forgotten_until: int) -> list[Credit]:
    """The counters a positive event credits: its hour's and its day's, each when it is the listener's
    first positive event for the item there (`previous`: the item's latest positive interaction
    remembered before it; `forgotten_until`: interactions up to then may be missing from the profile)."""
    found = []
    for prefix, size in ((HOUR_PREFIX, HOUR_MS), (DAY_PREFIX, DAY_MS)):
        bucket = event.timestamp // size
        seen = previous if previous is not None else (forgotten_until or None)
        if seen is None or seen // size < bucket:
            found.append(Credit(event.item_id, f"{prefix}{bucket}"))
    return found


def counter_deltas(found: Iterable[Credit], now_ms: int) -> dict[str, dict[str, float]]:
    """Per item, what a batch adds to each counter still kept (older credits are dropped)."""
    deltas: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for credit in found:
        if is_kept(credit.counter, now_ms):
            deltas[credit.item_id][credit.counter] += 1.0
    return {item: dict(counters) for item, counters in deltas.items()}


def entries(counters: Sequence[Mapping[str, float]]) -> tuple[TrendEntries, TrendEntries]:
    """Hour and day entries (catalog position, bucket, count) of each position's counters."""
    hours: list[tuple[int, int, float]] = []
    days: list[tuple[int, int, float]] = []
    for position, named in enumerate(counters):
        for name, value in named.items():
            parsed = parse_counter(name)
            if parsed is not None:
                (hours if parsed[0] else days).append((position, parsed[1], value))
    return _entries(hours), _entries(days)


def _entries(rows: list[tuple[int, int, float]]) -> TrendEntries:
    return TrendEntries(
        np.asarray([r[0] for r in rows], dtype=np.int64),
        np.asarray([r[1] for r in rows], dtype=np.int64),
        np.asarray([r[2] for r in rows], dtype=np.float64),
    )


@dataclass(frozen=True, slots=True)
class TrendWindow:
    """One window's trending items, best first: catalog positions and their figures."""

    positions: npt.NDArray[np.int64]
    listeners: npt.NDArray[np.float32]
    previous: npt.NDArray[np.float32]
    velocity: npt.NDArray[np.float32]
    score: npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class TrendingIndex:
    """Every window's trending items as of `as_of_ms`, from the catalog's counters (kept as entries, so
    a reload that brings no new counters still moves the windows on)."""

    as_of_ms: int
    windows: Mapping[Window, TrendWindow]
    hours: TrendEntries
    days: TrendEntries

    @classmethod
    def build(
        cls, hours: TrendEntries, days: TrendEntries, n: int, now_ms: int, settings: TrendingSettings
    ) -> TrendingIndex:
        smoothing, keep = settings.smoothing, settings.max_items
        windows = {}
        for name, (size, length) in WINDOWS.items():
            found = hours if size == HOUR_MS else days
            now = _window_counts(found, n, now_ms, size, length, 0)
            before = _window_counts(found, n, now_ms, size, length, 1)
            positions = np.flatnonzero(now > 0)
            listeners, previous = now[positions], before[positions]
            velocity = (listeners - previous) / (previous + smoothing)
            score = listeners * (1.0 + np.maximum(velocity, 0.0))
            best = np.lexsort((positions, -score))[:keep]  # ties: catalog order
            windows[name] = TrendWindow(
                positions[best].astype(np.int64),
                listeners[best].astype(np.float32),
                previous[best].astype(np.float32),
                velocity[best].astype(np.float32),
                score[best].astype(np.float32),
            )
        return cls(now_ms, windows, hours, days)

    @classmethod
    def of_records(
        cls, counters: Sequence[Mapping[str, float]], now_ms: int, settings: TrendingSettings
    ) -> TrendingIndex:
        """From each catalog position's counters (`CatalogRecord.trend`)."""
        hours, days = entries(counters)
        return cls.build(hours, days, len(counters), now_ms, settings)


def _window_counts(
    found: TrendEntries, n: int, now_ms: int, size: int, length: int, back: int
) -> npt.NDArray[np.float64]:
    """Each item's count in the window of `length` buckets ending `back` windows before `now_ms`: every
    bucket's count times the share of the bucket inside the window (the buckets at either end partly)."""
    end = now_ms - back * length * size
    start = end - length * size
    lower = np.maximum(found.buckets * size, start)
    upper = np.minimum((found.buckets + 1) * size, end)
    share = np.clip((upper - lower) / size, 0.0, 1.0)
    # The current bucket counts whole: its listeners are all inside the window, only its end is ahead.
    share = np.where(found.buckets == (end - 1) // size, 1.0, share) if back == 0 else share
    return np.bincount(found.items, weights=found.values * share, minlength=n).astype(np.float64, copy=False)
