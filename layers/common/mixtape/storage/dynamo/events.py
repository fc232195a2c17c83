"""The applied-events log in DynamoDB: (user_id, event_id) keys, written by the profile updater after the
commit that applied them, read in batches to recognise duplicates, expired by TTL; scanned whole by the
trainer (its input, mixtape.learning.history)."""

import json
import queue
import threading
from collections.abc import Generator, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from mixtape.errors import StorageUnavailableError
from mixtape.models.events import StoredEvent
from mixtape.storage import clients
from mixtape.storage.dynamo.batch import batch_delete, batch_get, batch_write
from mixtape.storage.ports import EventKey, EventPage, LoggedEvent


def event_to_item(event: StoredEvent, expires_at_s: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "user_id": {"S": event.user_id},
        "event_id": {"S": event.event_id},
        "item_id": {"S": event.item_id},
        "type": {"S": event.type.value},
        "ts": {"N": str(event.timestamp)},
        "count": {"N": str(event.count)},
        "ingested_at": {"N": str(event.ingested_at)},
        "expires_at": {"N": str(expires_at_s)},
    }
    if event.ms_played is not None:
        item["ms_played"] = {"N": str(event.ms_played)}
    if event.context is not None:
        item["ctx"] = {"S": event.context.model_dump_json(exclude_none=True)}
    return item


def item_to_event(item: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        event_id=item["event_id"]["S"],
        user_id=item["user_id"]["S"],
        item_id=item["item_id"]["S"],
        type=item["type"]["S"],
        timestamp=int(item["ts"]["N"]),
        ms_played=int(item["ms_played"]["N"]) if "ms_played" in item else None,
        count=int(item["count"]["N"]),
        context=json.loads(item["ctx"]["S"]) if "ctx" in item else None,
        ingested_at=int(item["ingested_at"]["N"]),
    )


def item_to_logged(item: dict[str, Any]) -> LoggedEvent:
    """A log item as the trainer reads it: the event and its expiry (the table scan and the Spark job's
    table export both decode through this)."""
    return LoggedEvent(item_to_event(item), int(item["expires_at"]["N"]))


# What the trainer reads of an item: everything but the context, which weighs nothing.
TRAINING_ATTRIBUTES = (
    "user_id",
    "event_id",
    "item_id",
    "type",
    "ts",
    "count",
    "ms_played",
    "ingested_at",
    "expires_at",
)
# Pages a scan's segments may read ahead of the fold: memory holds a few pages, never the table.
PAGES_AHEAD_PER_SEGMENT = 2
_DONE = object()


class DynamoEventStore:
    def __init__(self, table: str, client: Any = None, scan_segments: int = 4) -> None:
        self._table = table
        self._client = client
        self._segments = scan_segments  # the trainer's parallel Scan of the whole log

    @property
    def client(self) -> Any:
        return self._client or clients.dynamodb()

    def stored(self, keys: Iterable[EventKey], *, consistent: bool = False) -> set[EventKey]:
        """Which of these events are in the log: batched reads (100 keys a call), keys only."""
        wanted = [{"user_id": {"S": u}, "event_id": {"S": e}} for u, e in dict.fromkeys(keys)]
        if not wanted:
            return set()
        try:
            found = batch_get(
                self.client, self._table, wanted, projection="user_id, event_id", consistent=consistent
            )
        except ClientError as error:
            raise StorageUnavailableError(
                f"reading events failed: {error.response['Error']['Code']}"
            ) from error
        return {(item["user_id"]["S"], item["event_id"]["S"]) for item in found}

    def put_applied(self, events: Sequence[StoredEvent], expires_at_s: int) -> list[StoredEvent]:
        """Plain batched writes (25 a call): the events are already deduplicated by the profile commit,
        so no condition is needed and a rewrite of the same event is harmless."""
        by_key = {(e.user_id, e.event_id): e for e in events}
        requests = [{"PutRequest": {"Item": event_to_item(e, expires_at_s)}} for e in by_key.values()]
        try:
            left = batch_write(self.client, self._table, requests)
        except ClientError as error:
            raise StorageUnavailableError(
                f"storing events failed: {error.response['Error']['Code']}"
            ) from error
        return [
            by_key[(r["PutRequest"]["Item"]["user_id"]["S"], r["PutRequest"]["Item"]["event_id"]["S"])]
            for r in left
        ]

    def delete_user_events(self, user_id: str, ingested_before: int | None = None) -> int:
        keys: list[dict[str, Any]] = []
        paginator = self.client.get_paginator("query")
        # Throttling past the retries is StorageUnavailableError like every other read here: an erasure
        # follow-up then fails alone (mixtape.profiles.queue), not the whole batch it came in.
        try:
            for page in paginator.paginate(
                TableName=self._table,
                KeyConditionExpression="user_id = :u",
                ExpressionAttributeValues={":u": {"S": user_id}},
                ProjectionExpression="user_id, event_id, ingested_at",
                ConsistentRead=True,
            ):
                keys.extend(
                    {"user_id": item["user_id"], "event_id": item["event_id"]}
                    for item in page["Items"]
                    if ingested_before is None or int(item["ingested_at"]["N"]) <= ingested_before
                )
            batch_delete(self.client, self._table, keys)
        except ClientError as error:
            raise StorageUnavailableError(
                f"deleting events failed: {error.response['Error']['Code']}"
            ) from error
        return len(keys)

    def user_events(
        self,
        user_id: str,
        *,
        unexpired_at_s: int | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> EventPage:
        """Query pages of the listener's partition, in event-id order (the table's sort key), until
        `limit` events are found or the partition ends."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "user_id = :u",
            "ExpressionAttributeValues": {":u": {"S": user_id}},
            "ConsistentRead": True,
        }
        if unexpired_at_s is not None:
            query["FilterExpression"] = "expires_at > :now"
            query["ExpressionAttributeValues"][":now"] = {"N": str(unexpired_at_s)}
        if after is not None:
            query["ExclusiveStartKey"] = {"user_id": {"S": user_id}, "event_id": {"S": after}}
        found: list[LoggedEvent] = []
        while True:
            if limit is not None:
                query["Limit"] = limit - len(found)  # read at most what is still wanted
            try:
                page = self.client.query(**query)
            except ClientError as error:
                raise StorageUnavailableError(
                    f"reading events failed: {error.response['Error']['Code']}"
                ) from error
            found.extend(LoggedEvent(item_to_event(i), int(i["expires_at"]["N"])) for i in page["Items"])
            last = page.get("LastEvaluatedKey")
            if last is None:
                return EventPage(found, None)
            if limit is not None and len(found) >= limit:
                return EventPage(found, found[-1].event.event_id)
            query["ExclusiveStartKey"] = last

    def logged_events(self) -> Generator[LoggedEvent]:
        """The whole log: a parallel Scan in `scan_segments` segments (a batch job's read, never a request
        path), handed to the caller page by page through a bounded queue as the segments read them."""
        segments = self._segments
        pages: queue.Queue[Any] = queue.Queue(maxsize=PAGES_AHEAD_PER_SEGMENT * segments)
        stop = threading.Event()

        def hand_over(value: Any) -> None:
            while not stop.is_set():
                try:
                    pages.put(value, timeout=0.1)
                except queue.Full:
                    continue
                return

        def read(segment: int) -> None:
            names = {f"#{name}": name for name in TRAINING_ATTRIBUTES}
            try:
                for page in self.client.get_paginator("scan").paginate(
                    TableName=self._table,
                    Segment=segment,
                    TotalSegments=segments,
                    ProjectionExpression=", ".join(names),
                    ExpressionAttributeNames=names,
                ):
                    if stop.is_set():
                        return
                    hand_over(page.get("Items", []))
            except ClientError as error:
                code = error.response["Error"]["Code"]
                hand_over(StorageUnavailableError(f"scanning events failed: {code}"))
            except Exception as error:  # raised again in the caller's thread, below
                hand_over(error)
            finally:
                hand_over(_DONE)

        with ThreadPoolExecutor(max_workers=segments) as pool:
            for segment in range(segments):
                pool.submit(read, segment)
            try:
                finished = 0
                while finished < segments:
                    page = pages.get()
                    if page is _DONE:
                        finished += 1
                    elif isinstance(page, Exception):
                        raise page
                    else:
                        yield from (item_to_logged(item) for item in page)
            finally:  # the caller stopped or a segment failed: let the other segments end
                stop.set()
