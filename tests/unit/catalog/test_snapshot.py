"""Catalog snapshots: the encoding round trip, when readers trust a snapshot, when the writer republishes."""

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import boto3
import numpy as np
import pytest
from moto import mock_aws

from mixtape.catalog import cache as catalog_cache
from mixtape.catalog.cache import CatalogCache
from mixtape.catalog.index import CatalogIndex
from mixtape.catalog.snapshot import refresh_snapshot
from mixtape.config import RecommendSettings
from mixtape.models.catalog import CatalogRecord, genre_grouped, items_digest
from mixtape.storage.memory import MemoryCatalogStore
from mixtape.storage.s3 import catalog as s3_catalog
from mixtape.storage.s3.catalog import (
    POINTER_KEY,
    S3CatalogSnapshots,
    SnapshotCatalogReader,
    decode_popularity,
    decode_snapshot,
    encode_snapshot,
)

BUCKET = "artifacts"
MINUTE_MS = 60_000


def record(i: int, **extra: Any) -> CatalogRecord:
    values: dict[str, Any] = {
        "item_id": f"i{i}",
        "title": f"Song {i}",
        "artist_id": f"a{i % 3}",
        "artist_name": f"Artist {i % 3}",
        "genres": ("rock", "indie") if i % 2 else (),
        "explicit": i % 4 == 0,
        "release_date": "2024-05-01" if i % 3 else None,
        "duration_ms": 200_000 + i if i % 5 else None,
        "embedding": np.arange(4, dtype=np.float32) / (i + 1) if i % 2 == 0 else None,
        "popularity": {20_000 + i: 1.5 * i, 20_001: 0.25} if i % 3 else {},
        "trend": {f"th{490_000 + i}": 2.0 + i, "td20400": 1.0} if i % 4 == 1 else {},
    }
    return CatalogRecord(**(values | extra))


def assert_same_records(got: list[CatalogRecord], expected: list[CatalogRecord]) -> None:
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        for name in (f for f in CatalogRecord._fields if f not in {"embedding", "popularity"}):
            assert getattr(a, name) == getattr(b, name), name
        assert dict(a.popularity) == dict(b.popularity)
        assert (a.embedding is None) == (b.embedding is None)
        if a.embedding is not None and b.embedding is not None:
            assert a.embedding.dtype == np.float32
            np.testing.assert_array_equal(a.embedding, b.embedding)


def test_a_snapshot_decodes_to_the_records_it_was_made_of_in_catalog_index_order() -> None:
    records = [record(i) for i in range(12)] + [record(99, title='Ünïcode ♫ "quoted"\nline', genres=("a",))]
    version, written_at, decoded = decode_snapshot(encode_snapshot(7, 123_456, records))
    assert (version, written_at) == (7, 123_456)
    assert_same_records(decoded, genre_grouped(records))
    # Grouped by genre list as the index orders its positions: the index keeps the decoded order.
    assert [r.item_id for r in decoded] != [r.item_id for r in records]
    index = CatalogIndex.build(7, decoded, 4, 0, 1.0)
    assert [r.item_id for r in index.records] == [r.item_id for r in decoded]
    assert decoded[0].popularity is decoded[3].popularity  # i0 and i6, never played: one empty mapping


def test_trend_counters_round_trip_and_come_with_the_popularity_alone() -> None:
    records = genre_grouped([record(i) for i in range(12)])
    data = encode_snapshot(7, 123_456, records)
    _, _, decoded = decode_snapshot(data)
    assert [dict(r.trend) for r in decoded] == [dict(r.trend) for r in records]
    entries = decode_popularity(data, items_digest([r.item_id for r in records]))
    assert entries is not None
    assert entries.hours is not None
    assert entries.days is not None
    hours = {(records[i].item_id, b): v for i, b, v in zip(*(a.tolist() for a in entries.hours), strict=True)}
    assert hours == {(r.item_id, int(n[2:])): v for r in records for n, v in r.trend.items() if n[1] == "h"}
    assert sorted(entries.days.items.tolist()) == sorted(i for i, r in enumerate(records) if r.trend)


def test_an_empty_catalog_round_trips() -> None:
    assert decode_snapshot(encode_snapshot(0, 1, [])) == (0, 1, [])


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "empty"])
def test_a_damaged_snapshot_is_refused_as_not_a_snapshot(damage: str) -> None:
    data = encode_snapshot(1, 1, [record(i) for i in range(50)])
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped byte":
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0xFF
        data = bytes(flipped)
    else:
        data = b""
    with pytest.raises(ValueError, match="not a catalog snapshot"):
        decode_snapshot(data)


def test_an_object_of_another_format_is_refused() -> None:
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.frombuffer(b'{"format": 9}', dtype=np.uint8))
    with pytest.raises(ValueError, match="format 9"):
        decode_snapshot(buffer.getvalue())


@dataclass
class CountingTable:
    """The catalog table: counts full loads (Scans in production)."""

    store: MemoryCatalogStore
    scans: int = 0
    versions: list[int] = field(default_factory=list)

    def version(self) -> int:
        self.versions.append(self.store.version())
        return self.store.version()

    def load_all(self) -> tuple[int, list[CatalogRecord]]:
        self.scans += 1
        return self.store.load_all()


@pytest.fixture
def snapshots() -> Iterator[S3CatalogSnapshots]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield S3CatalogSnapshots(BUCKET, client=client)


@pytest.fixture
def table() -> CountingTable:
    return CountingTable(MemoryCatalogStore({f"i{i}": record(i) for i in range(5)}, catalog_version=3))


def reader(table: CountingTable, snapshots: S3CatalogSnapshots, now_ms: int) -> SnapshotCatalogReader:
    return SnapshotCatalogReader(table, snapshots, max_age_ms=10 * MINUTE_MS, wall_clock_ms=lambda: now_ms)


def test_a_current_snapshot_is_loaded_without_scanning_the_table(table, snapshots) -> None:
    snapshots.publish(3, 1_000, table.store.load_all()[1])
    version, records = reader(table, snapshots, now_ms=1_000 + MINUTE_MS).load_all()
    assert table.scans == 0
    assert version == 3
    assert_same_records(records, genre_grouped(table.store.load_all()[1]))


def test_a_snapshot_of_an_older_version_is_not_used(table, snapshots) -> None:
    snapshots.publish(2, 1_000, [record(0)])  # the table moved on to version 3 since
    version, records = reader(table, snapshots, now_ms=2_000).load_all()
    assert table.scans == 1
    assert (version, len(records)) == (3, 5)


def test_a_snapshot_older_than_the_age_limit_is_not_used(table, snapshots) -> None:
    snapshots.publish(3, 1_000, [record(0)])
    _, records = reader(table, snapshots, now_ms=1_000 + 11 * MINUTE_MS).load_all()
    assert table.scans == 1
    assert len(records) == 5


def test_without_a_snapshot_or_with_a_broken_one_the_table_is_scanned(table, snapshots) -> None:
    assert len(reader(table, snapshots, now_ms=0).load_all()[1]) == 5  # no pointer yet
    snapshots.publish(3, 0, [record(0)])
    snapshots.client.delete_object(Bucket=BUCKET, Key=snapshots.pointer().key)  # pointer to nothing
    assert len(reader(table, snapshots, now_ms=0).load_all()[1]) == 5
    snapshots.client.put_object(Bucket=BUCKET, Key=snapshots.pointer().key, Body=b"not a snapshot")
    assert len(reader(table, snapshots, now_ms=0).load_all()[1]) == 5
    whole = encode_snapshot(3, 0, [record(0)])
    snapshots.client.put_object(Bucket=BUCKET, Key=snapshots.pointer().key, Body=whole[: len(whole) // 2])
    assert len(reader(table, snapshots, now_ms=0).load_all()[1]) == 5  # a truncated object
    assert table.scans == 4


def test_the_writer_publishes_a_missing_new_or_stale_snapshot_and_nothing_else(table, snapshots) -> None:
    refresh = 4 * MINUTE_MS
    first = refresh_snapshot(table, snapshots, now_ms=0, refresh_ms=refresh)
    assert (first.published, first.reason, first.version, first.items) == (True, "missing", 3, 5)
    quiet = refresh_snapshot(table, snapshots, now_ms=MINUTE_MS, refresh_ms=refresh)
    assert (quiet.published, quiet.reason) == (False, "current")
    assert table.scans == 1  # a quiet run reads the version and the pointer, nothing more

    table.store.upsert([], now_ms=0)  # version 4
    changed = refresh_snapshot(table, snapshots, now_ms=2 * MINUTE_MS, refresh_ms=refresh)
    assert (changed.published, changed.reason, changed.version) == (True, "new version", 4)
    stale = refresh_snapshot(table, snapshots, now_ms=2 * MINUTE_MS + refresh, refresh_ms=refresh)
    assert (stale.published, stale.reason) == (True, "stale")
    pointer = snapshots.pointer()
    assert pointer is not None
    assert (pointer.version, pointer.written_at_ms, pointer.items) == (4, 2 * MINUTE_MS + refresh, 5)
    assert decode_snapshot(snapshots.client.get_object(Bucket=BUCKET, Key=pointer.key)["Body"].read())[0] == 4
    assert snapshots.client.head_object(Bucket=BUCKET, Key=POINTER_KEY)["ContentType"] == "application/json"


def test_the_popularity_alone_is_read_from_a_current_snapshot_of_the_same_items(table, snapshots) -> None:
    snapshots.publish(3, 0, table.store.load_all()[1])
    index = CatalogIndex.build(3, reader(table, snapshots, now_ms=0).load_all()[1], 4, 0, 1e9)
    table.store.add_popularity({"i2": {0: 40.0}}, drop_before_epoch=0)  # plays since, then a republish
    snapshots.publish(3, MINUTE_MS, table.store.load_all()[1])

    entries = reader(table, snapshots, now_ms=2 * MINUTE_MS).load_popularity(3, index.items_digest)

    assert entries is not None
    fresh = index.with_popularity(entries, 2 * MINUTE_MS, 1e9)
    rebuilt = CatalogIndex.build(3, table.store.load_all()[1], 4, 2 * MINUTE_MS, 1e9)
    assert [r.item_id for r in rebuilt.records] == [r.item_id for r in index.records]
    np.testing.assert_array_equal(fresh.popularity, rebuilt.popularity)
    assert fresh.popularity[index.position["i2"]] == 1.0  # the most played now
    assert table.scans == 0
    # Anything but the same items of the same version, in a usable snapshot, is for a full reload.
    assert reader(table, snapshots, now_ms=2 * MINUTE_MS).load_popularity(3, "other items") is None
    assert reader(table, snapshots, now_ms=2 * MINUTE_MS).load_popularity(2, index.items_digest) is None
    assert reader(table, snapshots, now_ms=12 * MINUTE_MS).load_popularity(3, index.items_digest) is None
    pointer = snapshots.pointer()
    assert pointer is not None
    snapshots.client.put_object(Bucket=BUCKET, Key=pointer.key, Body=b"not a snapshot")
    assert reader(table, snapshots, now_ms=2 * MINUTE_MS).load_popularity(3, index.items_digest) is None


def test_a_snapshot_written_before_digests_has_no_popularity_to_offer() -> None:
    buffer = io.BytesIO()
    np.savez(buffer, pop_item=np.zeros(1, np.int64), pop_epoch=np.zeros(1, np.int64), pop_value=np.ones(1))
    assert decode_popularity(buffer.getvalue(), items_digest([])) is None


def test_a_container_refreshes_popularity_without_decoding_the_catalog_again(
    table, snapshots, monkeypatch
) -> None:
    logged: list[str] = []  # the `reload` kind of each "catalog reloaded" line
    monkeypatch.setattr(
        catalog_cache, "logger", SimpleNamespace(info=lambda message, extra: logged.append(extra["reload"]))
    )
    full_decodes: list[int] = []
    decode = s3_catalog.decode_snapshot

    def counted(data: bytes) -> tuple[int, int, list[CatalogRecord]]:
        full_decodes.append(1)
        return decode(data)

    monkeypatch.setattr(s3_catalog, "decode_snapshot", counted)
    snapshots.publish(3, 0, table.store.load_all()[1])
    now = [0.0]
    settings = RecommendSettings(
        profiles_table="-", catalog_table="-", catalog_check_seconds=0, catalog_max_age_seconds=60
    )
    cache = CatalogCache(
        reader(table, snapshots, now_ms=0), settings, lambda: int(now[0] * 1000), monotonic=lambda: now[0]
    )
    first = cache.get()
    assert full_decodes == [1]
    table.store.add_popularity({"i2": {0: 40.0}}, drop_before_epoch=0)
    snapshots.publish(3, 1_000, table.store.load_all()[1])

    now[0] = 61.0  # past the popularity's max age
    cache.get()
    cache.wait()
    second = cache.get()
    cache.wait()  # that get started another check (catalog_check_seconds=0): let it finish first

    assert second is not first
    assert second.records is first.records  # the same items, not decoded again
    assert full_decodes == [1]
    assert table.scans == 0
    assert second.popularity[second.position["i2"]] > first.popularity[first.position["i2"]]
    assert logged == ["popularity"]
    table.store.upsert([], now_ms=0)  # a new catalog version is a full load
    snapshots.publish(4, 2_000, table.store.load_all()[1])
    now[0] = 62.0
    cache.get()
    cache.wait()
    assert cache.get().version == 4
    assert full_decodes == [1, 1]
    assert logged == ["popularity", "catalog"]
