"""DynamoDB storage under the faults that really happen: racing writers, unprocessed batch items,
redelivery, and conditional-write details, against moto with the template's tables."""

import contextlib
import json
import threading
from types import SimpleNamespace
from typing import Any

from mixtape.config import ProfileSettings
from mixtape.models.events import EventType, StoredEvent
from mixtape.models.profile import Profile
from mixtape.profiles import apply_user_events
from mixtape.storage import clients
from mixtape.storage.dynamo_catalog import DynamoCatalogStore
from mixtape.storage.dynamo_events import DynamoEventStore
from mixtape.storage.dynamo_profiles import DynamoProfileStore
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
        DynamoProfileStore(aws.table("ProfilesTable"), aws.table("EventsTable")),
        DynamoCatalogStore(aws.table("CatalogTable")),
    )


def settings(aws: Aws) -> ProfileSettings:
    return ProfileSettings(
        events_table=aws.table("EventsTable"),
        profiles_table=aws.table("ProfilesTable"),
        catalog_table=aws.table("CatalogTable"),
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
    profiles = RacingProfileStore(threading.Barrier(6), aws.table("ProfilesTable"), aws.table("EventsTable"))
    events = [event(i) for i in range(60)]
    events_store.put_new(events, 2_000_000_000)
    config = settings(aws)
    errors: list[BaseException] = []

    def writer(part: list[StoredEvent]) -> None:
        try:
            # every writer also re-delivers a neighbour's events: those must count once
            apply_user_events("u-race", part, {}, profiles, config, NOW)
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
    marked = [r for r in aws.scan("EventsTable") if "applied_at" in r]
    assert len(marked) == 60


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
    events_store.put_new([played], 2_000_000_000)
    features = catalog.features(["trk-9001", "unknown"])
    assert set(features) == {"trk-9001"}
    apply_user_events("u-rt", [played], features, profiles, settings(aws), NOW)
    stored = profiles.get("u-rt")
    assert stored is not None
    assert stored.version == 1
    assert stored.taste_vector() is not None
    assert stored.artists == {"art-90": 1.0}


def test_erasure_retries_unprocessed_deletes(aws: Aws):
    events_store, _, _ = stores(aws)
    events_store.put_new([event(i, "u-erase") for i in range(30)], 2_000_000_000)
    client = clients.dynamodb()
    calls = {"n": 0}

    def throttle_first(params: dict[str, Any], **kwargs: Any) -> tuple[Any, dict[str, Any]] | None:
        """The first BatchWriteItem is answered without reaching DynamoDB: everything unprocessed."""
        calls["n"] += 1
        if calls["n"] > 1:
            return None
        requests = json.loads(params["body"])["RequestItems"]
        return SimpleNamespace(status_code=200), {"UnprocessedItems": requests, "ResponseMetadata": {}}

    client.meta.events.register("before-call.dynamodb.BatchWriteItem", throttle_first, unique_id="throttle")
    try:
        deleted = DynamoEventStore(aws.table("EventsTable"), client=client).delete_user_events("u-erase")
    finally:
        client.meta.events.unregister("before-call.dynamodb.BatchWriteItem", unique_id="throttle")
    assert deleted == 30
    assert calls["n"] >= 3  # the throttled chunk was sent again
    assert aws.scan("EventsTable") == []


def test_a_duplicate_reports_whether_its_stored_copy_was_applied(aws: Aws):
    events_store, profiles, _ = stores(aws)
    first = event(1, "u-dup")
    assert [o.is_new for o in events_store.put_new([first], 2_000_000_000)] == [True]
    again = events_store.put_new([first.model_copy(update={"ingested_at": NOW + 99})], 2_000_000_000)
    assert (again[0].is_new, again[0].applied, again[0].event.ingested_at) == (False, False, NOW)
    apply_user_events("u-dup", [first], {}, profiles, settings(aws), NOW)
    assert events_store.put_new([first], 2_000_000_000)[0].applied is True
