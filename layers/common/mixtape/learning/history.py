"""The trainer's input from the applied-events log: one fold from logged events to (listener, item,
weight), for every source (the DynamoDB scan, the in-memory log, the Spark job's table export).

An event weighs exactly what it weighs in its listener's profile (`event_weight`, `decayed`: the profile
fold in mixtape.profiles.apply uses the same two functions and settings), summed per (listener, item) and
decayed to `now_ms`, without the profile's size caps: a listener with more items than a profile keeps
reaches the trainer whole. Only positive sums are kept (dislikes and skips can cancel plays). Entries
whose retention has ended count no more (TTL deletes lazily). An erased listener's events are gone: the
erasure deletes them from the log, and its follow-up purge deletes those an update logged late; given
erasure times (`erased_at`), the fold also drops events ingested up to them. The trainer's sources read
no profile, so they pass none: a run between an erasure and its follow-up can still read late-logged
events, as a run started before the erasure would.
"""

import math
from collections.abc import Iterable, Iterator, Mapping

from mixtape.config import EventFoldSettings, EventWeights
from mixtape.models.events import MAX_COUNTED_PLAYS, StoredEvent
from mixtape.storage.ports import LoggedEvent

Interaction = tuple[str, str, float]  # (user_id, item_id, positive weight)
PairWeights = dict[tuple[str, str], float]


def event_weight(event: StoredEvent, weights: EventWeights, quick_skip_ms: int) -> float:
    """What one event adds to its item's weight before decay: its type's weight times its plays, up to
    MAX_COUNTED_PLAYS (one event cannot outweigh everything else the listener did)."""
    plays = min(event.count, MAX_COUNTED_PLAYS)
    return float(weights.weight(event.type, event.ms_played, quick_skip_ms) * plays)


def decayed(weight: float, timestamp_ms: int, ref_ms: int, half_life_ms: float) -> float:
    """`weight` observed at `timestamp_ms`, relative to `ref_ms`: halved every `half_life_ms` before it."""
    return weight * float(2.0 ** ((timestamp_ms - ref_ms) / half_life_ms))


def add_events(
    totals: PairWeights,
    logged: Iterable[LoggedEvent],
    settings: EventFoldSettings,
    now_ms: int,
    erased_at: Mapping[str, int] | None = None,
) -> PairWeights:
    """Add the events' decayed weights to `totals` per (listener, item) and return it: memory grows with
    the distinct pairs, not the events, so a source can be folded page by page."""
    now_s = now_ms // 1000
    erasures = erased_at or {}
    weights, quick_skip_ms = settings.event_weights, settings.quick_skip_ms
    half_life_ms = settings.half_life_ms
    for event, expires_at_s in logged:
        if expires_at_s <= now_s or event.ingested_at <= erasures.get(event.user_id, -1):
            continue
        value = decayed(event_weight(event, weights, quick_skip_ms), event.timestamp, now_ms, half_life_ms)
        if value == 0.0 or not math.isfinite(value):  # impressions weigh nothing; never learn a non-finite
            continue
        key = (event.user_id, event.item_id)
        totals[key] = totals.get(key, 0.0) + value
    return totals


def positive(totals: PairWeights) -> Iterator[Interaction]:
    """The (listener, item, weight) rows of the folded sums that are positive."""
    return ((user_id, item_id, value) for (user_id, item_id), value in totals.items() if value > 0)


def interactions(
    logged: Iterable[LoggedEvent],
    settings: EventFoldSettings,
    now_ms: int,
    erased_at: Mapping[str, int] | None = None,
) -> Iterator[Interaction]:
    """The trainer's input: every (listener, item, weight > 0) of the logged events, as of `now_ms`."""
    return positive(add_events({}, logged, settings, now_ms, erased_at))
