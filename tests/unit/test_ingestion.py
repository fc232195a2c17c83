"""Ingestion logic: dedup, enqueue; catalog upserts; popularity buckets; erasure."""

import json

import pytest
from pydantic import ValidationError

from mixtape.catalog import popularity
from mixtape.errors import InvalidInputError, NotFoundError
from mixtape.ingestion import (
    MAX_EVENTS_PER_MESSAGE,
    ingest_events,
    profile_update_messages,
    queue_message_events,
    upsert_items,
)
from mixtape.models.event_type import EventType
from mixtape.models.events import ErasureFollowUp, ListeningEvent, ProfileUpdateMessage
from mixtape.models.profile import Profile
from mixtape.profiles.erasure import erase_user, finish_erasure
from mixtape.profiles.queue import apply_queue_batch
from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore, MemoryQueue
from tests.unit.conftest import DAY_MS, NOW_MS, make_item, stored


def event(event_id: str, user_id: str = "u-1", item_id: str = "r1") -> ListeningEvent:
    return ListeningEvent(
        event_id=event_id,
        user_id=user_id,
        item_id=item_id,
        type=EventType.PLAY,
        timestamp=NOW_MS - 1000,
        ms_played=1000,
    )


def queued_events(queue: MemoryQueue) -> list[str]:
    return [
        e.event_id for body in queue.messages for e in ProfileUpdateMessage.model_validate_json(body).events
    ]


def test_new_events_are_enqueued_once_and_ingestion_writes_nothing(ingest_settings):
    store, queue = MemoryEventStore(), MemoryQueue()
    result = ingest_events([event("a"), event("b"), event("a")], store, queue, NOW_MS)
    assert (result.accepted, result.duplicates) == (2, 1)
    assert sorted(queued_events(queue)) == ["a", "b"]
    assert {
        e.ingested_at
        for body in queue.messages
        for e in ProfileUpdateMessage.model_validate_json(body).events
    } == {NOW_MS}
    assert (store.rows, store.writes) == ({}, 0)  # the profile updater logs events once applied


def test_a_retried_batch_enqueues_again_only_what_is_not_logged_as_applied(ingest_settings):
    store, queue = MemoryEventStore(), MemoryQueue()
    ingest_events([event("a"), event("b")], store, queue, NOW_MS)
    applied = [e for body in queue.messages for e in ProfileUpdateMessage.model_validate_json(body).events]
    store.put_applied(
        [e for e in applied if e.event_id == "a"], 0
    )  # "a" has reached the profile, "b" not yet
    queue.messages.clear()
    retry = ingest_events([event("a"), event("b")], store, queue, NOW_MS + 5)
    assert (retry.accepted, retry.duplicates) == (1, 1)
    assert queued_events(queue) == ["b"]  # may still be in flight: the profile updater deduplicates


def test_same_event_id_for_different_users_are_different_events(ingest_settings):
    store, queue = MemoryEventStore(), MemoryQueue()
    result = ingest_events([event("x", "u-1"), event("x", "u-2")], store, queue, NOW_MS)
    assert result.accepted == 2


def test_an_ingest_queue_message_is_a_batch_or_a_single_event_and_nothing_else():
    one = event("a").model_dump_json()
    assert [e.event_id for e in queue_message_events(one)] == ["a"]
    batch = json.dumps({"events": [json.loads(one), json.loads(event("b").model_dump_json())]})
    assert [e.event_id for e in queue_message_events(batch)] == ["a", "b"]
    for poison in ("not json", "[]", '{"events": []}', '{"events": [{"event_id": "x", "type": "teleport"}]}'):
        with pytest.raises(ValidationError):  # a ValueError: the ingest handler fails the record on it
            queue_message_events(poison)


def test_messages_group_by_user_and_fit_one_profile_commit():
    events = [stored(f"e{i}", "r1", user_id="u-big") for i in range(MAX_EVENTS_PER_MESSAGE + 5)]
    events.append(stored("solo", "r1", user_id="u-small"))
    bodies = [json.loads(m) for m in profile_update_messages(events)]
    sizes = sorted((b["user_id"], len(b["events"])) for b in bodies)
    assert sizes == [("u-big", 5), ("u-big", MAX_EVENTS_PER_MESSAGE), ("u-small", 1)]


def test_upsert_rejects_wrong_embedding_size_and_duplicate_ids_naming_the_index(ingest_settings):
    store = MemoryCatalogStore()
    items = [
        make_item("t1", "a", [], [1.0, 0, 0, 0]),
        make_item("t2", "a", [], [1.0, 0]),
        make_item("t1", "a", [], None),
    ]
    with pytest.raises(InvalidInputError) as excinfo:
        upsert_items(items, store, ingest_settings, NOW_MS)
    fields = {(e.field, e.index) for e in excinfo.value.errors}
    assert fields == {("items[1].embedding", 1), ("items[2].item_id", 2)}
    assert store.records == {}  # nothing of the batch was written


def test_upsert_keeps_popularity_and_bumps_the_version(ingest_settings):
    store = MemoryCatalogStore()
    assert upsert_items([make_item("t1", "a", ["x"], None)], store, ingest_settings, NOW_MS) == 1
    store.add_popularity({"t1": {5: 2.0}}, 0)
    assert upsert_items([make_item("t1", "a", ["y"], None)], store, ingest_settings, NOW_MS) == 2
    assert store.records["t1"].genres == ("y",)
    assert store.records["t1"].popularity == {5: 2.0}


def test_popularity_buckets_count_each_crediting_event_once_decay_and_ignore_negative_or_stale_events():
    half_life = 7 * DAY_MS
    now = NOW_MS
    events = [
        stored("p1", "hit", ts=now, count=3),
        stored("p2", "hit", ts=now - half_life),
        stored("s1", "hit", EventType.SKIP, ts=now, ms_played=1000),
        stored("old", "hit", ts=now - 100 * DAY_MS),
        stored("x", "other", EventType.DISLIKE, ts=now),
    ]
    deltas = popularity.contributions(events, now, half_life)
    assert set(deltas) == {"hit"}
    # a listener, not plays: the count of 3 adds 1 like any other crediting event
    assert popularity.score(deltas["hit"], now, half_life) == pytest.approx(1.5)
    assert popularity.score(deltas["hit"], now + half_life, half_life) == pytest.approx(0.75)
    bucket_values = deltas["hit"].values()
    assert max(bucket_values) < 2 ** (popularity.EPOCH_MS / half_life) * 2  # bounded: ADD never overflows


def test_a_million_plays_ingested_in_many_batches_make_one_listener_of_popularity(
    catalog: MemoryCatalogStore, profile_settings
):
    """The attack of issue 15: one listener's `count: 1000000` (and more events for the same item, in
    several posts) made the item #1 for everyone. Through ingestion and the profile-update queue it now
    adds one listener; a second listener adds one more."""
    events_store, profiles, queue = MemoryEventStore(), MemoryProfileStore(), MemoryQueue()
    big = event("big").model_copy(update={"count": 1_000_000, "timestamp": NOW_MS})
    ingest_events([big], events_store, queue, NOW_MS)
    for n in range(3):
        ingest_events([event(f"more-{n}-{i}") for i in range(20)], events_store, queue, NOW_MS)
    ingest_events(
        [event("other", user_id="u-2").model_copy(update={"timestamp": NOW_MS})], events_store, queue, NOW_MS
    )
    records = [{"messageId": f"m{i}", "body": b} for i, b in enumerate(queue.messages)]
    for start in range(0, len(records), 2):  # several deliveries
        outcome = apply_queue_batch(
            records[start : start + 2], profiles, events_store, catalog, profile_settings, NOW_MS
        )
        assert outcome.failed_message_ids == []
    score = popularity.score(
        catalog.records["r1"].popularity, NOW_MS, profile_settings.popularity_half_life_ms
    )
    assert score == pytest.approx(2.0, rel=1e-6)


def test_erasure_leaves_a_tombstone_removes_the_events_and_schedules_a_second_purge(
    profiles_store: MemoryProfileStore, events_store: MemoryEventStore, profile_settings
):
    events_store.put_applied(
        [stored("e1", "r1"), stored("e2", "r2"), stored("o", "r1", user_id="u-other")], 0
    )
    profiles_store.profiles["u-1"] = Profile(user_id="u-1", version=3, counts={"play": 2})
    queue = MemoryQueue()
    result = erase_user("u-1", events_store, profiles_store, queue, profile_settings, NOW_MS)
    assert (result.deleted_events, result.profile_deleted) == (2, True)
    tombstone = profiles_store.get("u-1")
    assert tombstone is not None
    assert (tombstone.version, tombstone.erased_at, tombstone.has_history()) == (4, NOW_MS, False)
    assert list(events_store.rows) == [("u-other", "o")]
    assert queue.messages == []
    assert queue.delayed == [
        (
            profile_settings.erasure_follow_up_seconds,
            ErasureFollowUp(user_id="u-1", erased_at=NOW_MS).model_dump_json(),
        )
    ]
    # Erased: nothing is held any more, so erasing again is 404 and writes nothing.
    with pytest.raises(NotFoundError):
        erase_user("u-1", events_store, profiles_store, queue, profile_settings, NOW_MS + 1)
    assert profiles_store.get("u-1") == tombstone
    assert len(queue.delayed) == 1


def test_the_follow_up_purges_what_was_logged_late_and_keeps_newer_events(events_store: MemoryEventStore):
    """An update that committed before the tombstone logs its events after the first purge."""
    late = stored("late", "r1")  # ingested at NOW_MS
    newer = stored("new", "r1").model_copy(update={"ingested_at": NOW_MS + 10})
    events_store.put_applied([late, newer], 0)
    assert finish_erasure(ErasureFollowUp(user_id="u-1", erased_at=NOW_MS + 5), events_store) == 1
    assert list(events_store.rows) == [("u-1", "new")]
