"""Popularity and trend counters in the catalog table's counter shards, against moto: what readers load is
what the in-memory catalog (plain per-record sums) holds after the same batches, whatever the shard count,
in a few writes per batch; a feature cache costs one version read per batch."""

import random
from typing import Any

import pytest

from mixtape.models.catalog import CatalogItem, ItemFeatures
from mixtape.models.trend import HOUR_MS
from mixtape.storage import clients
from mixtape.storage.dynamo.catalog import DynamoCatalogStore
from mixtape.storage.memory import MemoryCatalogStore
from tests.integration.conftest import Aws

NOW = 1_796_000_000_000
HOUR, DAY = NOW // HOUR_MS, NOW // 86_400_000


def items(n: int) -> list[CatalogItem]:
    return [
        CatalogItem(item_id=f"trk-{i}", title=f"T{i}", artist_id=f"art-{i % 7}", artist_name="A")
        for i in range(n)
    ]


def count_calls(client: Any) -> dict[str, int]:
    calls: dict[str, int] = {}
    client.meta.events.register(
        "before-call.dynamodb.*",
        lambda model, **_: calls.__setitem__(model.name, calls.get(model.name, 0) + 1),
    )
    return calls


@pytest.mark.parametrize("shards", [1, 5])
def test_loaded_counters_are_the_sums_of_every_batch_in_a_few_writes(aws: Aws, shards: int):
    client = clients.dynamodb()
    catalog = DynamoCatalogStore(aws.table("CatalogTable"), client=client, counter_shards=shards)
    reference = MemoryCatalogStore()
    catalog.upsert(items(260), NOW)
    reference.upsert(items(260), NOW)
    rng = random.Random(shards)
    calls = count_calls(client)
    for _ in range(3):
        touched = rng.sample(range(260), 230)
        deltas = {f"trk-{i}": {100: rng.random()} for i in touched}
        trend = {f"trk-{i}": {f"th{HOUR}": 1.0, f"td{DAY}": float(rng.randint(1, 3))} for i in touched[::2]}
        for store in (catalog, reference):
            store.add_popularity(deltas, drop_before_epoch=99, trend=trend, now_ms=NOW)
    # Per batch, 230 popularity buckets and 115 of each trend counter: one shard takes 3 + 2 + 2 writes
    # (100 items a write), five take 5 + 5 + 5 (under 100 items each); never one write per item.
    assert calls == {"UpdateItem": 3 * {1: 7, 5: 15}[shards]}
    _, loaded = catalog.load_all()
    _, expected = reference.load_all()
    assert len(loaded) == 260  # shard items are not tracks
    by_id = {r.item_id: r for r in loaded}
    for want in expected:
        got = by_id[want.item_id]
        assert got.popularity.keys() == want.popularity.keys()
        assert all(got.popularity[e] == pytest.approx(v) for e, v in want.popularity.items())
        assert got.trend == want.trend


def test_a_metadata_upsert_keeps_the_counters(aws: Aws):
    catalog = DynamoCatalogStore(aws.table("CatalogTable"), counter_shards=3)
    catalog.upsert(items(3), NOW)
    catalog.add_popularity({"trk-1": {100: 2.0}}, drop_before_epoch=99, trend={"trk-1": {f"th{HOUR}": 1.0}})
    catalog.upsert([CatalogItem(item_id="trk-1", title="New", artist_id="art-1", artist_name="A")], NOW + 1)
    _, loaded = catalog.load_all()
    one = next(r for r in loaded if r.item_id == "trk-1")
    assert (one.title, one.popularity, one.trend) == ("New", {100: 2.0}, {f"th{HOUR}": 1.0})


def test_cached_features_cost_one_version_read_until_the_catalog_moves(aws: Aws):
    client = clients.dynamodb()
    catalog = DynamoCatalogStore(aws.table("CatalogTable"), client=client, feature_cache_items=1000)
    catalog.upsert(items(5), NOW)
    first = catalog.features(["trk-1", "trk-2", "nope"])
    calls = count_calls(client)
    assert catalog.features(["trk-1", "trk-2", "nope"]) == first
    assert calls == {"GetItem": 1}
    catalog.upsert([CatalogItem(item_id="trk-1", title="T", artist_id="art-new", artist_name="A")], NOW + 1)
    calls.clear()
    assert catalog.features(["trk-1"]) == {
        "trk-1": ItemFeatures(item_id="trk-1", artist_id="art-new", genres=(), embedding=None)
    }
    assert calls == {"GetItem": 1, "BatchGetItem": 1}
