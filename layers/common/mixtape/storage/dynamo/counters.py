"""Popularity buckets and trend counters in counter shards of the catalog table.

Layout. A counter (`pop_<epoch>`, `th<hour>`, `td<day>`) of item i lives in the shard item
`#counts#<counter>#<k>`, k = crc32(i) % shards, as the attribute `i_<i>`: one UpdateItem ADDs a batch's
deltas of up to MAX_ADDS_PER_UPDATE items, so a profile-update batch costs about
(counters it touches) x (shards, or its items / MAX_ADDS_PER_UPDATE) writes instead of one per item, and
a hit track shares its shards' write rate with the rest instead of owning a key of its own. Each shard
item carries `expires_at` (the table's TTL attribute), the moment its counter stops counting in every
window, so no writer reads or removes stale counters: TTL deletes them, free of write units.

Cost. DynamoDB bills a write on the item's size, and a shard holds one counter of every item of the
shard that was credited in its bucket (about 30 bytes each): size `shards` so that the busiest bucket's
shard stays a few KB (popularity epochs hold the most items), far below the 400 KB item limit. The
shard count may change at any time: readers sum every shard of a counter, whatever its `k`.

Readers (`merge_into`) fold the shards back into each `CatalogRecord.popularity` / `.trend`, adding the
per-item counters that catalog items held before this layout (still read until they leave the windows).
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from mixtape.models.catalog import CatalogRecord
from mixtape.models.trend import POPULARITY_EPOCH_MS, POPULARITY_EPOCHS_KEPT, kept_until_ms

SHARD_PREFIX = "#counts#"  # `#` is never in an item id (mixtape.models.ids), so no track can collide
ITEM_PREFIX = "i_"  # attribute of an item in a shard: never `item_id` or `expires_at`
POP_PREFIX = "pop_"
EXPIRES_AT = "expires_at"
# An UpdateExpression may be 4 KB: 100 `#nX :vX` pairs stay well inside it.
MAX_ADDS_PER_UPDATE = 100


def shard_of(item_id: str, shards: int) -> int:
    """Stable across processes and releases (not Python's salted `hash`)."""
    return zlib.crc32(item_id.encode()) % shards


def shard_key(counter: str, shard: int) -> str:
    return f"{SHARD_PREFIX}{counter}#{shard}"


def counter_of(key: str) -> str | None:
    """The counter a shard key holds (`pop_<epoch>`, `th<hour>`, `td<day>`); None for any other key."""
    if not key.startswith(SHARD_PREFIX):
        return None
    counter, _, shard = key.removeprefix(SHARD_PREFIX).rpartition("#")
    return counter if counter and shard.isdigit() else None


def expires_at_s(counter: str) -> int | None:
    """When a counter stops counting (epoch seconds, the TTL attribute's unit)."""
    if counter.startswith(POP_PREFIX) and counter.removeprefix(POP_PREFIX).isdigit():
        return (int(counter.removeprefix(POP_PREFIX)) + POPULARITY_EPOCHS_KEPT) * POPULARITY_EPOCH_MS // 1000
    until = kept_until_ms(counter)
    return None if until is None else until // 1000


def shard_updates(
    deltas: Mapping[str, Mapping[int, float]],
    trend: Mapping[str, Mapping[str, float]],
    shards: int,
) -> dict[str, dict[str, float]]:
    """Per shard key, the value to ADD per item: popularity buckets and trend counters alike."""
    found: dict[str, dict[str, float]] = defaultdict(dict)
    for item_id, buckets in deltas.items():
        k = shard_of(item_id, shards)
        for epoch, value in buckets.items():
            found[shard_key(f"{POP_PREFIX}{epoch}", k)][item_id] = value
    for item_id, counters in trend.items():
        k = shard_of(item_id, shards)
        for counter, value in counters.items():
            added = found[shard_key(counter, k)]
            added[item_id] = added.get(item_id, 0.0) + value
    return dict(found)


def update_requests(key: str, added: Mapping[str, float]) -> list[dict[str, Any]]:
    """UpdateItem arguments (without the table) that ADD `added` to shard `key`, at most
    MAX_ADDS_PER_UPDATE items each, every one also setting the shard's expiry."""
    counter = counter_of(key)
    expires = expires_at_s(counter) if counter else None
    ids = sorted(added)
    requests = []
    for start in range(0, len(ids), MAX_ADDS_PER_UPDATE):
        chunk = ids[start : start + MAX_ADDS_PER_UPDATE]
        names = {f"#n{i}": f"{ITEM_PREFIX}{item_id}" for i, item_id in enumerate(chunk)}
        values = {f":v{i}": {"N": repr(float(added[item_id]))} for i, item_id in enumerate(chunk)}
        expression = "ADD " + ", ".join(f"#n{i} :v{i}" for i in range(len(chunk)))
        if expires is not None:
            names["#x"] = EXPIRES_AT
            values[":x"] = {"N": str(expires)}
            expression += " SET #x = :x"
        requests.append(
            {
                "Key": {"item_id": {"S": key}},
                "UpdateExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        )
    return requests


class ShardCounters:
    """Counters read from shard items (a Scan's rows), summed per item."""

    def __init__(self) -> None:
        self.popularity: dict[str, dict[int, float]] = defaultdict(dict)
        self.trend: dict[str, dict[str, float]] = defaultdict(dict)

    def add_row(self, row: Mapping[str, Any]) -> bool:
        """Take a shard item's counters; False (taking nothing) for any other row."""
        counter = counter_of(row["item_id"]["S"])
        if counter is None:
            return False
        epoch = counter.removeprefix(POP_PREFIX)
        for name, value in row.items():
            if not name.startswith(ITEM_PREFIX):
                continue
            item_id, amount = name.removeprefix(ITEM_PREFIX), float(value["N"])
            if counter.startswith(POP_PREFIX) and epoch.isdigit():
                buckets = self.popularity[item_id]
                buckets[int(epoch)] = buckets.get(int(epoch), 0.0) + amount
            else:
                counters = self.trend[item_id]
                counters[counter] = counters.get(counter, 0.0) + amount
        return True

    def merge_into(self, records: Iterable[CatalogRecord]) -> list[CatalogRecord]:
        """The records with their shard counters added to what they hold themselves (the per-item
        layout's counters); counters of items not in the catalog are left out."""
        merged = []
        for record in records:
            buckets, counters = self.popularity.get(record.item_id), self.trend.get(record.item_id)
            if buckets is None and counters is None:
                merged.append(record)
                continue
            merged.append(
                record._replace(
                    popularity=_summed(record.popularity, buckets or {}),
                    trend=_summed(record.trend, counters or {}),
                )
            )
        return merged


def _summed[K](old: Mapping[K, float], new: Mapping[K, float]) -> dict[K, float]:
    summed = dict(old)
    for name, value in new.items():
        summed[name] = summed.get(name, 0.0) + value
    return summed
