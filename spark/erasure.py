"""Listeners erased since the export are not learned from, as the numpy trainer does not learn from them.

The numpy trainer reads the live log, from which an erasure deletes every event ingested up to it
(mixtape.profiles.erasure). An export taken before the erasure still holds those events, so the job asks
the live log about one exported entry per listener, its probe: the one that expires last. An erasure after
the export deletes every exported event of the listener (all were ingested before it), the probe with
them, while TTL deletes none of them before the probe expires. So a probe that has not expired and is gone
from the live log means the listener was erased since the export: none of their exported events count.
The cost is one key read per listener (`EventStore.stored`: BatchGetItem, 100 keys a call, keys only).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Protocol

from mixtape.storage.ports import EventKey
from spark.export import Folded

BATCH = 100  # keys per read: BatchGetItem's limit


class LiveLog(Protocol):
    """What the job reads of the live applied-events log (mixtape.storage.ports.EventStore has it); it is
    pickled to the executors, so an adapter must build its client lazily (DynamoEventStore does)."""

    def stored(self, keys: Iterable[EventKey], *, consistent: bool = False) -> set[EventKey]: ...


@dataclass(frozen=True)
class LogKeys:
    """A snapshot of a log's keys as a LiveLog (the eval harness and tests, whose log is in memory)."""

    keys: frozenset[EventKey]

    def stored(self, keys: Iterable[EventKey], *, consistent: bool = False) -> set[EventKey]:
        return {key for key in keys if key in self.keys}


def learned(
    listeners: Iterable[tuple[str, Folded]], live: LiveLog | None, now_s: int
) -> Iterator[tuple[str, str, float]]:
    """The (listener, item, weight > 0) rows of merged folds, without the listeners erased since the
    export (none dropped when `live` is None: the export is the live log)."""
    rows = iter(listeners)
    while batch := list(islice(rows, BATCH)):
        erased = _erased(batch, live, now_s) if live is not None else set()
        for user_id, (weights, _) in batch:
            if user_id not in erased:
                yield from ((user_id, item_id, w) for item_id, w in weights.items() if w > 0)


def _erased(batch: list[tuple[str, Folded]], live: LiveLog, now_s: int) -> set[str]:
    probes = {(user_id, probe[1]) for user_id, (_, probe) in batch if probe[0] > now_s}
    return {user_id for user_id, _ in probes - live.stored(probes)}
