"""SQS event-source mappings: one thread per template `Type: SQS` event, polling like Lambda's pollers do."""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import boto3

from local.stack import Invocable, Stack
from local.template import REGION, SqsEventSource

logger = logging.getLogger(__name__)

_SQS_MAX_BATCH = 10  # ReceiveMessage, DeleteMessageBatch and ChangeMessageVisibilityBatch limit
# Lambda's limit on an invocation's payload: a batch ends before the record that would pass it.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of the SQS event Lambda builds from a ReceiveMessage result."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute


def _chunks(items: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), _SQS_MAX_BATCH):
        yield items[start : start + _SQS_MAX_BATCH]


class PayloadBatch:
    """Messages gathered for one invocation: at most `size`, and at most MAX_PAYLOAD_BYTES of records
    (at least one, as Lambda sends a lone oversized record to fail on its own)."""

    def __init__(self, size: int, queue_arn: str) -> None:
        self.size, self.queue_arn = size, queue_arn
        self.messages: list[dict[str, Any]] = []
        self.overflow: list[dict[str, Any]] = []
        self.payload_bytes = len(json.dumps({"Records": []}))  # the event's size as JSON

    @property
    def full(self) -> bool:
        return len(self.messages) >= self.size or bool(self.overflow)

    def add(self, received: list[dict[str, Any]]) -> None:
        for message in received:
            record = len(json.dumps(sqs_record(message, self.queue_arn))) + (2 if self.messages else 0)
            if self.full or (self.messages and self.payload_bytes + record > MAX_PAYLOAD_BYTES):
                self.overflow.append(message)
                continue
            self.messages.append(message)
            self.payload_bytes += record


class SqsPoller:
    """Lambda's poller for one event source, on its own thread (which `stop` ends within ~1 s)."""

    def __init__(
        self,
        source: SqsEventSource,
        function: Invocable,
        queue_url: str,
        queue_arn: str,
        stop: threading.Event,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.thread = threading.Thread(target=self._run, name=f"sqs-{source.queue_id}", daemon=True)
        self._source = source
        self._function = function
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._stop = stop
        self._clock = clock
        self._sqs = boto3.client("sqs")
        self._carried: list[dict[str, Any]] = []  # received, but past the last batch's payload limit
        # Deliberate local speed-up: a failed record becomes visible again after this delay instead of the
        # queue's VisibilityTimeout (180-360 s), so retries and the redrive to the DLQ after maxReceiveCount
        # receives (moto applies the RedrivePolicy on receive, as SQS does) happen within seconds.
        self._retry_delay = int(os.environ.get("MIXTAPE_LOCAL_RETRY_DELAY_SECONDS", "1"))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._collect()
                if messages:
                    self._deliver(messages)
            except Exception:
                if self._stop.is_set():
                    break  # moto is shutting down under us
                logger.exception("SQS poller for %s failed; retrying", self._source.queue_id)
                self._stop.wait(1)

    def _collect(self) -> list[dict[str, Any]]:
        """Receive until BatchSize messages, the batching window (counted from the first message) or the
        payload limit ends the batch; a message past the limit starts the next batch.

        A receive that comes back full says a backlog is waiting. SQS answers it in milliseconds, so
        Lambda fills the batch from a backlog within the window; moto takes tens of milliseconds per
        receive under load, so such a receive's own time does not count against the window here (else a
        backlog would be handed over in a few dozen messages, and each batch costs one popularity write
        per item it touches)."""
        batch = PayloadBatch(self._source.batch_size, self._queue_arn)
        batch.add(self._carried)
        self._carried = batch.overflow
        messages = batch.messages
        window = self._source.maximum_batching_window_seconds
        window_end = self._clock() + window if messages else None
        while not batch.full and not self._stop.is_set():
            remaining = None if window_end is None else window_end - self._clock()
            if remaining is not None and remaining <= 0:
                break
            wait = 1 if remaining is None or remaining >= 1 else 0
            asked = min(_SQS_MAX_BATCH, self._source.batch_size - len(messages))
            started = self._clock()
            received = self._sqs.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=asked,
                WaitTimeSeconds=wait,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if received:
                batch.add(received)
                self._carried = batch.overflow
                if window_end is None:
                    window_end = self._clock() + window
                elif len(received) == asked:  # a backlog: this receive's time is moto's, not the window's
                    window_end += self._clock() - started
            elif wait == 0 and remaining is not None:
                self._stop.wait(min(0.05, remaining))
        return messages

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [sqs_record(m, self._queue_arn) for m in messages]}
        try:
            result = self._function.invoke(event)
        except Exception:
            logger.exception(
                "%s failed on %d records from %s; the whole batch will be retried",
                self._source.function_id,
                len(messages),
                self._source.queue_id,
            )
            failed = {m["MessageId"] for m in messages}
        else:
            failed = self._failed_ids(result, messages)
        self._delete_messages([m for m in messages if m["MessageId"] not in failed])
        self._retry_soon([m for m in messages if m["MessageId"] in failed])
        logger.info(
            "%s <- %s: %d records, %d failed",
            self._source.function_id,
            self._source.queue_id,
            len(messages),
            len(failed),
        )

    def _failed_ids(self, result: Any, messages: list[dict[str, Any]]) -> set[str]:
        if not self._source.report_batch_item_failures or not isinstance(result, dict):
            return set()
        ids = {m["MessageId"] for m in messages}
        failures = result.get("batchItemFailures") or []
        reported = {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}
        if len(reported) != len(failures) or not reported <= ids:
            # Lambda treats a malformed or unknown itemIdentifier as a failure of the whole batch.
            logger.error("%s returned invalid batchItemFailures %r", self._source.function_id, failures)
            return ids
        return {str(i) for i in reported}

    def _delete_messages(self, messages: list[dict[str, Any]]) -> None:
        for chunk in _chunks(messages):
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )

    def _retry_soon(self, messages: list[dict[str, Any]]) -> None:
        for chunk in _chunks(messages):
            self._sqs.change_message_visibility_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {
                        "Id": str(i),
                        "ReceiptHandle": m["ReceiptHandle"],
                        "VisibilityTimeout": self._retry_delay,
                    }
                    for i, m in enumerate(chunk)
                ],
            )


def start_pollers(stack: Stack, functions: Mapping[str, Invocable], stop: threading.Event) -> list[SqsPoller]:
    pollers = [
        SqsPoller(
            source,
            functions[source.function_id],
            stack.resources.queue_urls[source.queue_id],
            stack.resources.queue_arns[source.queue_id],
            stop,
        )
        for source in stack.template.sqs_sources
    ]
    for poller in pollers:
        poller.thread.start()
    return pollers
