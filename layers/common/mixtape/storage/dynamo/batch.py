"""Small DynamoDB helpers: batched writes, deletes and reads that retry what DynamoDB leaves unprocessed."""

import time
from collections.abc import Iterator, Sequence
from typing import Any

from mixtape.errors import StorageUnavailableError

MAX_UNPROCESSED_RETRIES = 8


def _backoff(attempt: int) -> None:
    time.sleep(min(0.05 * 2**attempt, 1.0))


def chunks[T](seq: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def batch_write(client: Any, table: str, requests: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """BatchWriteItem 25 requests at a time, retrying unprocessed ones with backoff; returns the requests
    DynamoDB still had not processed after the retries."""
    left: list[dict[str, Any]] = []
    for chunk in chunks(requests, 25):
        pending = list(chunk)
        for attempt in range(MAX_UNPROCESSED_RETRIES):
            response = client.batch_write_item(RequestItems={table: pending})
            pending = response.get("UnprocessedItems", {}).get(table, [])
            if not pending:
                break
            _backoff(attempt)
        left.extend(pending)
    return left


def batch_delete(client: Any, table: str, keys: Sequence[dict[str, Any]]) -> None:
    if batch_write(client, table, [{"DeleteRequest": {"Key": key}} for key in keys]):
        raise StorageUnavailableError("DynamoDB kept returning unprocessed deletes")


def batch_get(
    client: Any,
    table: str,
    keys: Sequence[dict[str, Any]],
    projection: str | None = None,
    *,
    consistent: bool = False,
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for chunk in chunks(keys, 100):
        request: dict[str, Any] = {"Keys": list(chunk), "ConsistentRead": consistent}
        if projection:
            request["ProjectionExpression"] = projection
        pending: dict[str, Any] = {table: request}
        for attempt in range(MAX_UNPROCESSED_RETRIES):
            response = client.batch_get_item(RequestItems=pending)
            found.extend(response["Responses"].get(table, []))
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                break
            _backoff(attempt)
        else:
            raise StorageUnavailableError("DynamoDB kept returning unprocessed keys")
    return found
