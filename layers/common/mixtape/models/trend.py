"""Trend counters as stored in the catalog table: `th<hour>` and `td<day>` distinct-listener counts (epoch
hours and days), and which of them any trending window still reads (mixtape.catalog.trending); the length
of a popularity epoch (`pop_<epoch>` buckets: mixtape.catalog.popularity), so storage can tell when a bucket
stops counting."""

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
HOUR_PREFIX, DAY_PREFIX = "th", "td"
HOURS_KEPT = 50  # the 24h window, the 24h before it, the partial hours at both ends
DAYS_KEPT = 16  # the 7d window, the 7 days before it, the partial days
POPULARITY_EPOCH_MS = 28 * DAY_MS
POPULARITY_EPOCHS_KEPT = 2  # a reader sums the current epoch's bucket and the one before


class TrendEntries(NamedTuple):
    """Counters as entries: item `items[j]` (its catalog position) has `values[j]` in bucket `buckets[j]`
    (an epoch hour or day)."""

    items: npt.NDArray[np.int64]
    buckets: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]


NO_ENTRIES = TrendEntries(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))


def parse_counter(name: str) -> tuple[bool, int] | None:
    """(is an hour counter, bucket) of a `th<hour>` or `td<day>` name; None for any other name."""
    for prefix, hourly in ((HOUR_PREFIX, True), (DAY_PREFIX, False)):
        digits = name.removeprefix(prefix)
        if digits != name and digits.isdigit():
            return hourly, int(digits)
    return None


def is_kept(name: str, now_ms: int) -> bool:
    """Whether a counter may still count in some window as of `now_ms` (writers remove the others)."""
    parsed = parse_counter(name)
    if parsed is None:
        return False
    hourly, bucket = parsed
    return bucket > now_ms // HOUR_MS - HOURS_KEPT if hourly else bucket > now_ms // DAY_MS - DAYS_KEPT


def kept_until_ms(name: str) -> int | None:
    """When a counter stops counting in any window (`is_kept` turns false): its storage may expire then.
    None for a name that is not a counter."""
    parsed = parse_counter(name)
    if parsed is None:
        return None
    hourly, bucket = parsed
    return (bucket + HOURS_KEPT) * HOUR_MS if hourly else (bucket + DAYS_KEPT) * DAY_MS
