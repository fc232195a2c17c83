"""DynamoDB storage under the faults that really happen: racing writers, unprocessed batch items,
redelivery, and conditional-write details, against moto with the template's tables."""

import contextlib
import json
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from mixtape.config import ProfileSettings
from mixtape.models.catalog import CatalogItem
from mixtape.models.event_type import EventType
from mixtape.models.events import StoredEvent
from mixtape.models.profile import Profile
from mixtape.profiles.apply import apply_user_events
from mixtape.storage import clients
from mixtape.storage.dynamo.catalog import DynamoCatalogStore
from mixtape.storage.dynamo.events import DynamoEventStore
from mixtape.storage.dynamo.profiles import DynamoProfileStore
from mixtape.storage.ports import VersionConflictError
from tests.helpers import load_event
from tests.integration.conftest import Aws

NOW = 1_795_000_000_000


def event(i: int, user: str = "u-race") -> StoredEvent:
    return StoredEvent(
        event_id=f"e{i}",
        user_id=user,
        item_id=f"trk-{i % 3}",
        type=EventType.PLAY,
        timestamp=NOW - i * 1000,
        ms_played=100_000,
        ingested_at=NOW,
    )


def stores(aws: Aws) -> tuple[DynamoEventStore, DynamoProfileStore, DynamoCatalogStore]:
    return (
        DynamoEventStore(aws.table("EventsTable")),
        DynamoProfileStore(aws.table("ProfilesTable")),
        DynamoCatalogStore(aws.table("CatalogTable")),
    )


def settings(aws: Aws) -> ProfileSettings:
    return ProfileSettings(
        events_table=aws.table("EventsTable"),
        profiles_table=aws.table("ProfilesTable"),
        catalog_table=aws.table("CatalogTable"),
        profile_update_queue_url=aws.queue("ProfileUpdateQueue"),
        max_update_attempts=100,
    )


class RacingProfileStore(DynamoProfileStore):
    """Readers wait for each other, so their commits really collide on the version condition."""

    def __init__(self, barrier: threading.Barrier, *args: Any) -> None:
        super().__init__(*args)
        self._barrier = barrier

    def get(self, user_id: str, *, consistent: bool = False) -> Profile | None:
        profile = super().get(user_id, consistent=consistent)
        with contextlib.suppress(threading.BrokenBarrierError):
            self._barrier.wait(timeout=0.5)
        return profile


def test_concurrent_writers_of_one_profile_lose_nothing_and_count_nothing_twice(aws: Aws):
    events_store, _, _ = stores(aws)
    profiles = RacingProfileStore(threading.Barrier(6), aws.table("ProfilesTable"))
    events = [event(i) for i in range(60)]
    config = settings(aws)
    errors: list[BaseException] = []

    def writer(part: list[StoredEvent]) -> None:
        try:
            # every writer also re-delivers a neighbour's events: those must count once
            apply_user_events("u-race", part, {}, profiles, events_store, config, NOW)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [
        threading.Thread(target=writer, args=(events[i::6] + events[(i + 1) % 6 :: 6],)) for i in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    profile = DynamoProfileStore(aws.table("ProfilesTable")).get("u-race", consistent=True)
    assert profile is not None
    assert profile.counts == {"play": 60}
    assert len(aws.scan("EventsTable")) == 60  # every applied event logged, once


def test_profile_round_trips_through_dynamodb_with_its_taste_vector(aws: Aws, invoke):
    invoke("IngestFunction", load_event("put_items.json"))
    events_store, profiles, catalog = stores(aws)
    played = StoredEvent(
        event_id="p1",
        user_id="u-rt",
        item_id="trk-9001",
        type=EventType.PLAY,
        timestamp=NOW,
        ms_played=1000,
        ingested_at=NOW,
    )
    features = catalog.features(["trk-9001", "unknown"])
    assert set(features) == {"trk-9001"}
    apply_user_events("u-rt", [played], features, profiles, events_store, settings(aws), NOW)
    stored = profiles.get("u-rt")
    assert stored is not None
    assert stored.version == 1
    assert stored.taste_vector() is not None
    assert stored.artists == {"art-90": 1.0}


@contextlib.contextmanager
def first_batch_write_unprocessed(client: Any) -> Iterator[dict[str, int]]:
    """The first BatchWriteItem is answered without reaching DynamoDB: everything unprocessed (a
    throttled partition); yields the count of BatchWriteItem calls."""
    calls = {"n": 0}

    def answer(params: dict[str, Any], **kwargs: Any) -> tuple[Any, dict[str, Any]] | None:
        calls["n"] += 1
        if calls["n"] > 1:
            return None
        requests = json.loads(params["body"])["RequestItems"]
        return SimpleNamespace(status_code=200), {"UnprocessedItems": requests, "ResponseMetadata": {}}

    client.meta.events.register("before-call.dynamodb.BatchWriteItem", answer, unique_id="throttle")
    try:
        yield calls
    finally:
        client.meta.events.unregister("before-call.dynamodb.BatchWriteItem", unique_id="throttle")


def test_erasure_retries_unprocessed_deletes(aws: Aws):
    events_store, _, _ = stores(aws)
    assert events_store.put_applied([event(i, "u-erase") for i in range(30)], 2_000_000_000) == []
    client = clients.dynamodb()
    with first_batch_write_unprocessed(client) as calls:
        deleted = DynamoEventStore(aws.table("EventsTable"), client=client).delete_user_events("u-erase")
    assert deleted == 30
    assert calls["n"] >= 3  # the throttled chunk was sent again
    assert aws.scan("EventsTable") == []


def test_the_log_answers_which_events_are_stored_and_retries_unprocessed_writes(aws: Aws):
    client = clients.dynamodb()
    log = DynamoEventStore(aws.table("EventsTable"), client=client)
    with first_batch_write_unprocessed(client) as calls:
        assert log.put_applied([event(i, "u-log") for i in range(3)], 2_000_000_000) == []
    assert calls["n"] == 2
    keys = [("u-log", "e0"), ("u-log", "e2"), ("u-log", "e7"), ("u-other", "e0")]
    assert log.stored(keys, consistent=True) == {("u-log", "e0"), ("u-log", "e2")}
    stored = next(r for r in aws.scan("EventsTable") if r["event_id"]["S"] == "e1")
    assert (stored["expires_at"]["N"], stored["ingested_at"]["N"]) == ("2000000000", str(NOW))


def test_a_tombstone_blocks_commits_of_updates_that_read_the_erased_profile(aws: Aws):
    events_store, profiles, _ = stores(aws)
    apply_user_events("u-gone", [event(1, "u-gone")], {}, profiles, events_store, settings(aws), NOW)
    read_before = profiles.get("u-gone", consistent=True)
    assert read_before is not None
    assert profiles.erase("u-gone", erased_at=NOW + 5, expires_at_s=2_000_000_000) is True
    with pytest.raises(VersionConflictError):
        profiles.commit(
            read_before.model_copy(update={"version": read_before.version + 1}), read_before.version
        )
    tombstone = profiles.get("u-gone", consistent=True)
    assert tombstone is not None
    assert (tombstone.has_history(), tombstone.erased_at, tombstone.user_vector) == (False, NOW + 5, None)
    raw = next(r for r in aws.scan("ProfilesTable") if r["user_id"]["S"] == "u-gone")
    assert raw["expires_at"]["N"] == "2000000000"
    # An event ingested before the erasure, delivered late, is dropped; nothing new is logged.
    late = apply_user_events(
        "u-gone", [event(2, "u-gone")], {}, profiles, events_store, settings(aws), NOW + 9
    )
    assert (late.applied, late.erased) == ([], 1)
    assert profiles.erase("u-never", erased_at=NOW, expires_at_s=2_000_000_000) is False


def test_profile_documents_are_compressed_and_old_plain_ones_still_read(aws: Aws):
    events_store, profiles, _ = stores(aws)
    apply_user_events(
        "u-z", [event(i, "u-z") for i in range(20)], {}, profiles, events_store, settings(aws), NOW
    )
    raw = next(r for r in aws.scan("ProfilesTable") if r["user_id"]["S"] == "u-z")
    assert not raw["doc"]["B"].startswith(b"{")
    plain = Profile(user_id="u-plain", counts={"play": 1}).doc()
    clients.dynamodb().put_item(
        TableName=aws.table("ProfilesTable"),
        Item={"user_id": {"S": "u-plain"}, "version": {"N": "1"}, "doc": {"B": json.dumps(plain).encode()}},
    )
    old = profiles.get("u-plain")
    assert old is not None
    assert old.counts == {"play": 1}


def test_catalog_upsert_puts_new_items_in_batches_and_updates_known_ones_keeping_popularity(aws: Aws):
    client = clients.dynamodb()
    catalog = DynamoCatalogStore(aws.table("CatalogTable"), client=client)

    def item(n: int, title: str, **extra: Any) -> CatalogItem:
        return CatalogItem(item_id=f"trk-{n}", title=title, artist_id="art-1", artist_name="A", **extra)

    catalog.upsert([item(1, "One", duration_ms=200_000), item(2, "Two")], NOW)
    catalog.add_popularity({"trk-1": {7: 2.0}}, drop_before_epoch=0)
    calls: dict[str, int] = {}
    client.meta.events.register(
        "before-call.dynamodb.*",
        lambda model, **_: calls.__setitem__(model.name, calls.get(model.name, 0) + 1),
    )
    # 60 new items and a known one whose duration goes away: the new ones cost 3 BatchWriteItem requests.
    version = catalog.upsert([item(1, "One again"), *(item(n, f"New {n}") for n in range(100, 160))], NOW + 1)
    assert calls == {"BatchGetItem": 1, "BatchWriteItem": 3, "UpdateItem": 2}  # one item, then the version
    assert version == 2
    _, records = catalog.load_all()
    by_id = {record.item_id: record for record in records}
    assert len(by_id) == 62
    assert by_id["trk-1"].title == "One again"
    assert by_id["trk-1"].duration_ms is None  # an update removes what the new metadata lacks
    assert by_id["trk-1"].popularity == {7: 2.0}  # and keeps the popularity buckets
    assert by_id["trk-130"].title == "New 130"
