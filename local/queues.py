"""How much work the local stack's queues still hold: what `make train`, the importer and `make load` wait
for before they trust the tables (a profile is only complete once its queue has drained)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

import boto3
from tqdm import tqdm

from local.stack import aws_endpoint
from local.template import REGION, Template, lookup_resources

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
    busy_interval: float = 5.0,
    busy_above: int = 100,
    on_poll: Callable[[Backlog], None] = lambda _: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Backlog:
    """Poll until `settle` probes in a row find every queue empty; the last backlog seen (non-empty on
    timeout). One empty probe is not enough: a poller may hold a received batch it has not yet deleted or
    whose handler is about to enqueue follow-ups, between two probes. Above `busy_above` messages it
    probes every `busy_interval` s instead: counting a long queue is work for the queue's server too
    (moto counts message by message), taken from the handlers that are draining it."""
    deadline = clock() + timeout
    empty_in_a_row = 0
    while True:
        seen = probe()
        on_poll(seen)
        empty_in_a_row = empty_in_a_row + 1 if seen.total == 0 else 0
        if empty_in_a_row >= settle or clock() >= deadline:
            return seen
        sleep(busy_interval if seen.total > busy_above else interval)


def sqs_client(aws_port: int) -> Any:
    """An SQS client of the running stack's moto (its dummy credentials, never real AWS)."""
    return boto3.client(
        "sqs",
        endpoint_url=aws_endpoint(aws_port),
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106  # nosec B106
    )


def stack_probe(aws_port: int, template: Template, *, dead_letters: bool = False) -> Callable[[], Backlog]:
    """A probe of the running stack's work queues (or, with `dead_letters`, of its dead-letter queues)."""
    sqs = sqs_client(aws_port)
    urls = lookup_resources(sqs, template).queue_urls
    names = work_queues(template)
    if dead_letters:
        names = sorted(set(urls) - set(names))
    return lambda: backlog(sqs, {name: urls[name] for name in names})


def wait_reporting(
    probe: Callable[[], Backlog], timeout: float, stream: TextIO, label: str = "queues"
) -> tuple[Backlog, float]:
    """`wait_drained` behind a progress bar of the messages handled so far (on a terminal only: tqdm's
    `disable=None`); returns the last backlog and the seconds waited."""
    started = time.monotonic()
    with tqdm(desc=label, unit="msg", file=stream, disable=None) as bar:

        def show(seen: Backlog) -> None:
            bar.total = max(bar.total or 0, bar.n + seen.total)  # the backlog can grow (follow-ups)
            bar.update(bar.total - seen.total - bar.n)
            bar.set_postfix_str(seen.describe(), refresh=True)

        left = wait_drained(probe, timeout, on_poll=show)
    return left, time.monotonic() - started


def require_drained(aws_port: int, template: Template, timeout: float, what: str) -> None:
    """Wait up to `timeout` s for the stack's queues to drain, or refuse `what` (a trainer must never learn
    from profiles that queued events have not reached yet)."""
    left, waited = wait_reporting(stack_probe(aws_port, template), timeout, sys.stderr)
    if left.total:
        raise SystemExit(
            f"not running {what}: after {waited:.0f} s the queues still hold {left.describe()} "
            "messages, so profiles are incomplete; wait, or raise DRAIN_TIMEOUT"
        )
