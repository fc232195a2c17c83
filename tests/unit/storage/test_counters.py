"""Counter shards (mixtape.storage.dynamo.counters): keys, writes, expiry and the readers' merge, checked
against plain sums of the deltas."""

import random
from collections import defaultdict

import numpy as np

from mixtape.models.catalog import CatalogRecord
from mixtape.models.trend import DAY_MS, DAYS_KEPT, HOUR_MS, HOURS_KEPT, is_kept
from mixtape.storage.dynamo import counters

NOW = 1_796_000_000_000
HOUR, DAY = NOW // HOUR_MS, NOW // DAY_MS
EPOCH_MS = 28 * DAY_MS


def record(item_id: str, popularity: dict[int, float] | None = None, **trend: float) -> CatalogRecord:
    return CatalogRecord(
        item_id=item_id,
        title=item_id,
        artist_id="a",
        artist_name="A",
        genres=(),
        explicit=False,
        release_date=None,
        duration_ms=None,
        embedding=None,
        popularity=popularity or {},
        trend=trend,
    )


def test_a_shard_is_stable_and_within_range():
    assert counters.shard_of("trk-1", 64) == counters.shard_of("trk-1", 64)  # crc32, not a salted hash
    assert {counters.shard_of(f"trk-{n}", 8) for n in range(200)} == set(range(8))


def test_shard_keys_name_their_counter_and_no_track():
    assert counters.counter_of(counters.shard_key(f"th{HOUR}", 3)) == f"th{HOUR}"
    assert counters.counter_of(counters.shard_key("pop_7", 0)) == "pop_7"
    assert counters.counter_of("trk-1") is None  # a track
    assert counters.counter_of("#meta") is None
    assert counters.counter_of("#counts#th1#x") is None


def test_a_shard_expires_exactly_when_its_counter_stops_counting():
    for name in (f"th{HOUR}", f"td{DAY}"):
        until_s = counters.expires_at_s(name)
        assert until_s is not None
        until_ms = until_s * 1000
        assert is_kept(name, until_ms - 1)
        assert not is_kept(name, until_ms)
    assert counters.expires_at_s(f"th{HOUR}") == (HOUR + HOURS_KEPT) * HOUR_MS // 1000
    assert counters.expires_at_s(f"td{DAY}") == (DAY + DAYS_KEPT) * DAY_MS // 1000
    # A popularity bucket counts while it is the current epoch or the one before (mixtape.catalog.popularity).
    assert counters.expires_at_s("pop_10") == 12 * EPOCH_MS // 1000
    assert counters.expires_at_s("item_id") is None


def test_updates_add_every_delta_once_and_stay_within_an_expression():
    rng = random.Random(7)
    deltas = {f"trk-{n}": {100: rng.random(), 99: rng.random()} for n in range(500)}
    trend = {f"trk-{n}": {f"th{HOUR}": 1.0, f"td{DAY}": 2.0} for n in range(0, 500, 2)}
    shards = counters.shard_updates(deltas, trend, shards=4)
    added: dict[tuple[str, str], float] = defaultdict(float)
    requests = [r for key, items in shards.items() for r in counters.update_requests(key, items)]
    for request in requests:
        names, values = request["ExpressionAttributeNames"], request["ExpressionAttributeValues"]
        assert len(request["UpdateExpression"]) < 4096
        assert sum(n.startswith("#n") for n in names) <= counters.MAX_ADDS_PER_UPDATE
        counter = counters.counter_of(request["Key"]["item_id"]["S"])
        assert counter is not None
        assert values[":x"]["N"] == str(counters.expires_at_s(counter))
        for placeholder, name in names.items():
            if placeholder.startswith("#n"):
                item = name.removeprefix(counters.ITEM_PREFIX)
                assert counters.shard_of(item, 4) == int(request["Key"]["item_id"]["S"].rpartition("#")[2])
                added[item, counter] += float(values[placeholder.replace("#n", ":v")]["N"])
    expected = {(i, f"pop_{e}"): v for i, b in deltas.items() for e, v in b.items()}
    expected |= {(i, c): v for i, t in trend.items() for c, v in t.items()}
    assert added.keys() == expected.keys()
    assert all(np.isclose(added[k], v) for k, v in expected.items())
    # 500 items per popularity bucket over 4 shards: 2 writes a shard (100 items each at most).
    assert len([r for r in requests if "pop_100" in r["Key"]["item_id"]["S"]]) == 8


def test_readers_sum_every_shard_and_the_counters_items_held_themselves():
    found = counters.ShardCounters()
    rows = [
        {"item_id": {"S": "#counts#pop_7#0"}, "i_a": {"N": "1.5"}, "expires_at": {"N": "1"}},
        {"item_id": {"S": "#counts#pop_7#1"}, "i_a": {"N": "0.5"}},  # another shard count: summed too
        {"item_id": {"S": f"#counts#th{HOUR}#0"}, "i_a": {"N": "2"}, "i_gone": {"N": "9"}},
    ]
    assert all(found.add_row(row) for row in rows)
    assert not found.add_row({"item_id": {"S": "a"}, "i_x": {"N": "1"}})  # a track named like nothing
    merged = found.merge_into([record("a", {6: 1.0, 7: 1.0}, **{f"th{HOUR}": 1.0}), record("b")])
    assert merged[0].popularity == {6: 1.0, 7: 3.0}
    assert merged[0].trend == {f"th{HOUR}": 3.0}
    assert merged[1] == record("b")  # no counters: the same record
    assert [r.item_id for r in merged] == ["a", "b"]  # `gone` is not in the catalog: left out
