"""How much work the local stack's queues still hold: what `make train`, the importer and `make load` wait
for before they trust the tables (a profile is only complete once its queue has drained)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from local.template import Template

_COUNTS = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


@dataclass(frozen=True)
class Backlog:
    """Messages per queue (logical id): waiting, being handled (in flight) and delayed, summed."""

    by_queue: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_queue.values())

    def describe(self) -> str:
        busy = {name: count for name, count in self.by_queue.items() if count}
        return ", ".join(f"{name} {count:,}" for name, count in busy.items()) or "empty"


def work_queues(template: Template) -> list[str]:
    """The queues a function consumes (not the dead-letter queues, which nothing polls)."""
    return sorted({source.queue_id for source in template.sqs_sources})


def backlog(sqs: Any, queue_urls: Mapping[str, str]) -> Backlog:
    counts = {}
    for name, url in queue_urls.items():
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(_COUNTS))["Attributes"]
        counts[name] = sum(int(attributes.get(key, 0)) for key in _COUNTS)
    return Backlog(counts)


def wait_drained(
    probe: Callable[[], Backlog],
    timeout: float,
    *,
    settle: int = 2,
    interval: float = 0.5,
    on_poll: Callable[[Backlog], None] = lambda _: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Backlog:
    """Poll until `settle` probes in a row find every queue empty; the last backlog seen (non-empty on
    timeout). One empty probe is not enough: a poller may hold a received batch it has not yet deleted or
    whose handler is about to enqueue follow-ups, between two probes."""
    deadline = clock() + timeout
    empty_in_a_row = 0
    while True:
        seen = probe()
        on_poll(seen)
        empty_in_a_row = empty_in_a_row + 1 if seen.total == 0 else 0
        if empty_in_a_row >= settle or clock() >= deadline:
            return seen
        sleep(interval)
