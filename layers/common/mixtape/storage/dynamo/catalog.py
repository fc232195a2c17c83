"""The catalog in DynamoDB: one item per track, a `#meta` item whose version changes on every upsert,
and popularity buckets (`pop_<epoch>`) and trend counters (`th<hour>`, `td<day>`) that profile updates
ADD to, kept in counter shards (storage.dynamo.counters). Items written before the shards hold their
own counters as attributes; readers add both."""

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from botocore.exceptions import ClientError

from mixtape.errors import StorageUnavailableError
from mixtape.models.catalog import CatalogItem, CatalogRecord, ItemFeatures, unit_embedding
from mixtape.models.trend import parse_counter
from mixtape.storage import clients
from mixtape.storage.dynamo import counters
from mixtape.storage.dynamo.batch import batch_get, batch_write
from mixtape.storage.dynamo.features import FeatureCache

META_KEY = "#meta"  # not a valid ItemId, so it can never collide with a track
POP_PREFIX = counters.POP_PREFIX  # what the per-item layout named popularity buckets on the item too
SCAN_PAGE_ITEMS = 1000


def _embedding(item: Mapping[str, Any]) -> np.ndarray[Any, np.dtype[np.float32]] | None:
    if "embedding" not in item:
        return None
    return unit_embedding(np.frombuffer(item["embedding"]["B"], dtype=np.float32))


def record_from_item(item: Mapping[str, Any]) -> CatalogRecord:
    return CatalogRecord(
        item_id=item["item_id"]["S"],
        title=item["title"]["S"],
        artist_id=item["artist_id"]["S"],
        artist_name=item["artist_name"]["S"],
        genres=tuple(g["S"] for g in item.get("genres", {}).get("L", [])),
        explicit=item.get("explicit", {}).get("BOOL", False),
        release_date=item["release_date"]["S"] if "release_date" in item else None,
        duration_ms=int(item["duration_ms"]["N"]) if "duration_ms" in item else None,
        embedding=_embedding(item),
        popularity={
            int(name.removeprefix(POP_PREFIX)): float(value["N"])
            for name, value in item.items()
            if name.startswith(POP_PREFIX)
        },
        trend={name: float(value["N"]) for name, value in item.items() if parse_counter(name) is not None},
    )


class DynamoCatalogStore:
    """`counter_shards`: shards per counter (storage.dynamo.counters); `feature_cache_items`: item
    features kept per container between calls of `features` (0: none), dropped when the version moves."""

    def __init__(
        self,
        table: str,
        concurrency: int = 16,
        client: Any = None,
        *,
        counter_shards: int = 64,
        feature_cache_items: int = 0,
    ) -> None:
        self._table = table
        self._client = client
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="catalog")
        self._counter_shards = counter_shards
        self._feature_cache = FeatureCache(feature_cache_items) if feature_cache_items else None

    @property
    def client(self) -> Any:
        return self._client or clients.dynamodb()

    @staticmethod
    def _attributes(item: CatalogItem, now_ms: int) -> dict[str, dict[str, Any] | None]:
        """The stored attributes of an item; None for an optional one it lacks (removed on update)."""
        return {
            "title": {"S": item.title},
            "artist_id": {"S": item.artist_id},
            "artist_name": {"S": item.artist_name},
            "genres": {"L": [{"S": g} for g in item.genres]},
            "explicit": {"BOOL": item.explicit},
            "updated_at": {"N": str(now_ms)},
            "release_date": {"S": item.release_date.isoformat()} if item.release_date else None,
            "duration_ms": {"N": str(item.duration_ms)} if item.duration_ms is not None else None,
            "embedding": {"B": np.asarray(item.embedding, dtype=np.float32).tobytes()}
            if item.embedding is not None
            else None,
        }

    def _update_one(self, item: CatalogItem, now_ms: int) -> None:
        # UpdateItem, not PutItem: an upsert keeps the counters an item of the per-item layout still holds.
        attributes = self._attributes(item, now_ms)
        sets = [f"{name} = :{name}" for name, value in attributes.items() if value is not None]
        removes = [name for name, value in attributes.items() if value is None]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        self.client.update_item(
            TableName=self._table,
            Key={"item_id": {"S": item.item_id}},
            UpdateExpression=expression,
            ExpressionAttributeValues={f":{k}": v for k, v in attributes.items() if v is not None},
        )

    def _put_new(self, items: Sequence[CatalogItem], now_ms: int) -> None:
        """Items not stored yet, 25 per BatchWriteItem: a catalog load costs a request per 25 items, not
        per item. A put replaces the whole item, which is safe because a new item has nothing to keep: its
        counters live in the counter shards (storage.dynamo.counters), never on the item."""
        puts = [
            {
                "PutRequest": {
                    "Item": {
                        "item_id": {"S": item.item_id},
                        **{k: v for k, v in self._attributes(item, now_ms).items() if v is not None},
                    }
                }
            }
            for item in items
        ]
        if batch_write(self.client, self._table, puts):
            raise StorageUnavailableError("catalog upsert failed: DynamoDB kept returning unprocessed items")

    def upsert(self, items: Sequence[CatalogItem], now_ms: int) -> int:
        """Write the items (new ones in batches, known ones updated in place), then bump the catalog
        version so recommenders reload. Returns the version."""
        try:
            keys = [{"item_id": {"S": item.item_id}} for item in items]
            stored = {row["item_id"]["S"] for row in batch_get(self.client, self._table, keys, "item_id")}
            self._put_new([item for item in items if item.item_id not in stored], now_ms)
            known = [item for item in items if item.item_id in stored]
            list(self._pool.map(lambda i: self._update_one(i, now_ms), known))
            response = self.client.update_item(
                TableName=self._table,
                Key={"item_id": {"S": META_KEY}},
                UpdateExpression="ADD version :one SET updated_at = :now",
                ExpressionAttributeValues={":one": {"N": "1"}, ":now": {"N": str(now_ms)}},
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as error:
            raise StorageUnavailableError(
                f"catalog upsert failed: {error.response['Error']['Code']}"
            ) from error
        return int(response["Attributes"]["version"]["N"])

    def features(self, item_ids: Iterable[str]) -> dict[str, ItemFeatures]:
        """Features of the known items among `item_ids`. With a cache: one GetItem of the version, then
        reads of the items not cached yet only."""
        if self._feature_cache is None:
            return self._read_features(item_ids)
        return self._feature_cache.get(set(item_ids), self.version(), self._read_features)

    def _read_features(self, item_ids: Iterable[str]) -> dict[str, ItemFeatures]:
        keys = [{"item_id": {"S": item_id}} for item_id in sorted(set(item_ids))]
        found = batch_get(self.client, self._table, keys, projection="item_id, artist_id, genres, embedding")
        return {
            row["item_id"]["S"]: ItemFeatures(
                item_id=row["item_id"]["S"],
                artist_id=row["artist_id"]["S"],
                genres=tuple(g["S"] for g in row.get("genres", {}).get("L", [])),
                embedding=_embedding(row),
            )
            for row in found
            if "artist_id" in row
        }

    def add_popularity(
        self,
        deltas: Mapping[str, Mapping[int, float]],
        drop_before_epoch: int,
        trend: Mapping[str, Mapping[str, float]] | None = None,
        now_ms: int = 0,
    ) -> None:
        """ADD the batch's counters to their shards (storage.dynamo.counters), a few items per write and
        the writes side by side. Nothing is read or removed: a shard expires (TTL) when its counter stops
        counting, so `drop_before_epoch` and `now_ms` need no write here."""
        del drop_before_epoch, now_ms  # kept by the shards' expiry (see the docstring)
        shards = counters.shard_updates(deltas, trend or {}, self._counter_shards)
        requests = [r for key, added in shards.items() for r in counters.update_requests(key, added)]
        list(self._pool.map(lambda r: self.client.update_item(TableName=self._table, **r), requests))

    def version(self) -> int:
        response = self.client.get_item(
            TableName=self._table, Key={"item_id": {"S": META_KEY}}, ProjectionExpression="version"
        )
        return int(response.get("Item", {}).get("version", {}).get("N", 0))

    def load_all(self) -> tuple[int, list[CatalogRecord]]:
        """Whole catalog for the in-memory index: read once per container and on catalog change."""
        version = self.version()
        records: list[CatalogRecord] = []
        # Pages of SCAN_PAGE_ITEMS rather than DynamoDB's 1 MB: each request stays short (the client's read
        # timeout is per request) at the price of a few more round trips; billed read units are the same.
        pages = self.client.get_paginator("scan").paginate(TableName=self._table, Limit=SCAN_PAGE_ITEMS)
        shards = counters.ShardCounters()
        for page in pages:
            records.extend(
                record_from_item(row)
                for row in page["Items"]
                if row["item_id"]["S"] != META_KEY and not shards.add_row(row)
            )
        return version, shards.merge_into(records)
