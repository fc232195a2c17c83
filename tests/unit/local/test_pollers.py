"""The local SQS poller's batches: BatchSize and Lambda's 6 MB payload limit, as the event source applies."""

import json
import threading
from typing import Any
from unittest.mock import Mock

import pytest

from local.pollers import MAX_PAYLOAD_BYTES, PayloadBatch, SqsPoller, sqs_record
from local.template import SqsEventSource

ARN = "arn:aws:sqs:us-east-1:123456789012:q"


def message(index: int, body_bytes: int) -> dict[str, Any]:
    body = "x" * body_bytes
    return {"MessageId": f"m{index}", "ReceiptHandle": f"r{index}", "Body": body, "MD5OfBody": "0" * 32}


def payload_bytes(messages: list[dict[str, Any]]) -> int:
    return len(json.dumps({"Records": [sqs_record(m, ARN) for m in messages]}))


def test_a_batch_ends_at_batch_size_and_keeps_the_rest_for_the_next():
    batch = PayloadBatch(3, ARN)
    batch.add([message(i, 10) for i in range(5)])
    assert [m["MessageId"] for m in batch.messages] == ["m0", "m1", "m2"]
    assert [m["MessageId"] for m in batch.overflow] == ["m3", "m4"]
    assert batch.full


def test_a_batch_stays_within_the_payload_limit_and_the_next_starts_with_what_did_not_fit():
    body = MAX_PAYLOAD_BYTES // 4  # four of these fill the limit with the records' other fields
    batch = PayloadBatch(1000, ARN)
    batch.add([message(i, body) for i in range(3)])
    assert not batch.full
    batch.add([message(3, body), message(4, 10)])
    assert [m["MessageId"] for m in batch.messages] == ["m0", "m1", "m2"]
    assert payload_bytes(batch.messages) <= MAX_PAYLOAD_BYTES
    assert payload_bytes([*batch.messages, message(3, body)]) > MAX_PAYLOAD_BYTES
    # order is kept: the small message after the one that did not fit waits too
    assert [m["MessageId"] for m in batch.overflow] == ["m3", "m4"]

    following = PayloadBatch(1000, ARN)
    following.add(batch.overflow)
    assert [m["MessageId"] for m in following.messages] == ["m3", "m4"]
    assert not following.overflow


def test_the_size_estimate_is_the_event_lambda_would_send():
    batch = PayloadBatch(1000, ARN)
    messages = [message(i, 1000 + i) for i in range(20)]
    batch.add(messages)
    assert batch.messages == messages
    assert batch.payload_bytes == payload_bytes(messages)


def test_a_lone_record_over_the_limit_is_still_delivered_to_fail_on_its_own():
    batch = PayloadBatch(10, ARN)
    batch.add([message(0, MAX_PAYLOAD_BYTES + 1), message(1, 10)])
    assert [m["MessageId"] for m in batch.messages] == ["m0"]
    assert [m["MessageId"] for m in batch.overflow] == ["m1"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


class SlowSqs:
    """ReceiveMessage from a queue of `waiting` messages, each call taking `seconds` of the fake clock."""

    def __init__(self, clock: FakeClock, waiting: int, per_call: int, seconds: float) -> None:
        self.clock, self.waiting, self.per_call, self.seconds = clock, waiting, per_call, seconds
        self.sent = 0

    def receive_message(self, MaxNumberOfMessages: int, **_: Any) -> dict[str, Any]:  # noqa: N803
        self.clock.now += self.seconds
        count = min(MaxNumberOfMessages, self.per_call, self.waiting - self.sent)
        messages = [message(self.sent + i, 100) for i in range(count)]
        self.sent += count
        return {"Messages": messages}


def poller(sqs: SlowSqs, batch_size: int, window: int) -> SqsPoller:
    source = SqsEventSource("F", "Q", batch_size, window, ("ReportBatchItemFailures",))
    polling = SqsPoller(source, Mock(), "url", ARN, threading.Event(), clock=sqs.clock.monotonic)
    polling._sqs = sqs  # the fake queue instead of moto
    return polling


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the poller makes its (unused) client
    return fake


def test_a_backlog_fills_the_batch_however_slow_each_receive_is(clock: FakeClock):
    sqs = SlowSqs(clock, waiting=120, per_call=10, seconds=0.4)  # full receives: a backlog
    batch = poller(sqs, batch_size=100, window=1)._collect()
    assert len(batch) == 100  # 10 receives, 4 s of the clock: the window counted none of them


def test_a_trickle_is_handed_over_when_the_window_ends(clock: FakeClock):
    sqs = SlowSqs(clock, waiting=120, per_call=1, seconds=0.4)  # one message a receive: no backlog
    batch = poller(sqs, batch_size=100, window=1)._collect()
    assert len(batch) == 4  # the first starts the window; three more receives fit in its 1 s
