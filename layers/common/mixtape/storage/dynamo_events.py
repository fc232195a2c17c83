"""Raw events in DynamoDB: (user_id, event_id) keys, conditional inserts for deduplication, TTL expiry."""

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from mixtape.errors import StorageUnavailableError
from mixtape.models.events import StoredEvent
from mixtape.storage import clients
from mixtape.storage.base import PutOutcome
from mixtape.storage.dynamo_util import batch_delete


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


class DynamoEventStore:
    def __init__(self, table: str, concurrency: int = 16, client: Any = None) -> None:
        self._table = table
        self._client = client
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="events")

    @property
    def client(self) -> Any:
        return self._client or clients.dynamodb()

    def _put_one(self, event: StoredEvent, expires_at_s: int) -> PutOutcome:
        try:
            self.client.put_item(
                TableName=self._table,
                Item=event_to_item(event, expires_at_s),
                ConditionExpression="attribute_not_exists(event_id)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise StorageUnavailableError(
                    f"storing event failed: {error.response['Error']['Code']}"
                ) from error
            old = error.response.get("Item") or {}
            stored = item_to_event(old) if old else event
            return PutOutcome(event=stored, is_new=False, applied="applied_at" in old)
        return PutOutcome(event=event, is_new=True, applied=False)

    def put_new(self, events: Sequence[StoredEvent], expires_at_s: int) -> list[PutOutcome]:
        """Insert each event unless its (user_id, event_id) exists; concurrent single-item writes,
        because BatchWriteItem cannot be conditional and a transaction fails whole on one duplicate."""
        return list(self._pool.map(lambda e: self._put_one(e, expires_at_s), events))

    def delete_user_events(self, user_id: str) -> int:
        keys: list[dict[str, Any]] = []
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="user_id = :u",
            ExpressionAttributeValues={":u": {"S": user_id}},
            ProjectionExpression="user_id, event_id",
            ConsistentRead=True,
        ):
            keys.extend(page["Items"])
        batch_delete(self.client, self._table, keys)
        return len(keys)
