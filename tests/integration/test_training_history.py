"""Training from the complete history: the applied-events log as the trainer reads it (the DynamoDB table's
parallel Scan under moto, the in-memory log), and through the handlers, a listener with more items than a
profile keeps reaching the trained model whole."""

import gzip
from pathlib import Path
from typing import Any

import pytest

from local.export import scan_items, write_export
from mixtape import clock
from mixtape.config import TrainSettings
from mixtape.errors import StorageUnavailableError
from mixtape.learning.history import interactions
from mixtape.models.event_type import EventType
from mixtape.models.events import StoredEvent
from mixtape.storage.dynamo.events import DynamoEventStore
from mixtape.storage.dynamo.profiles import DynamoProfileStore
from mixtape.storage.memory import MemoryEventStore
from mixtape.storage.s3.models import S3ModelStore
from spark import export as spark_export
from tests.helpers import http_event, listener_claims
from tests.integration.conftest import Aws

INGEST, PROFILE, TRAIN = "IngestFunction", "ProfileUpdateFunction", "TrainFunction"
HOUR_MS = 3_600_000


def _events(users: int, per_user: int) -> list[StoredEvent]:
    now = clock.now_ms()
    return [
        StoredEvent(
            event_id=f"e{n:05d}",
            user_id=f"u-{u}",
            item_id=f"it-{n % 97}",
            type=EventType.SKIP if n % 7 == 0 else EventType.PLAY,
            timestamp=now - n * 1_000,
            ms_played=1_000 * n,
            count=1,
            ingested_at=now,
        )
        for u in range(users)
        for n in range(per_user)
    ]


@pytest.mark.parametrize("kind", ["dynamo", "memory"])
def test_the_log_is_read_whole_with_each_entrys_expiry(aws: Aws, kind: str):
    log = (
        DynamoEventStore(aws.table("EventsTable"), scan_segments=3)
        if kind == "dynamo"
        else MemoryEventStore()
    )
    events = _events(users=7, per_user=150)  # more than one segment and one listener per segment
    expires = clock.now_ms() // 1000 + 3_600
    assert log.put_applied(events[:500], expires) == []
    assert log.put_applied(events[500:], expires + 1) == []
    read = list(log.logged_events())
    assert len(read) == len(events)
    assert {(e.event_id, e.user_id): e for e, _ in read} == {(e.event_id, e.user_id): e for e in events}
    assert sorted({s for _, s in read}) == [expires, expires + 1]


def test_a_scan_stopped_early_ends_its_segments_and_a_failed_one_raises(aws: Aws):
    log = DynamoEventStore(aws.table("EventsTable"), scan_segments=4)
    log.put_applied(_events(users=4, per_user=100), clock.now_ms() // 1000 + 3_600)
    reader = log.logged_events()
    assert next(iter(reader)) is not None
    reader.close()  # the caller stopped reading: the segments' threads end instead of blocking
    with pytest.raises(StorageUnavailableError, match="ResourceNotFoundException"):
        list(DynamoEventStore("no-such-table", scan_segments=2).logged_events())


def test_the_table_scan_and_the_spark_jobs_export_give_the_same_input(aws: Aws, tmp_path: Path):
    """The numpy trainer's source (the parallel Scan) and the Spark job's (the table's export, read as the
    job reads it) yield the same (listener, item, weight) rows for the same log."""
    table = aws.table("EventsTable")
    log = DynamoEventStore(table, scan_segments=3)
    log.put_applied(_events(users=5, per_user=120), clock.now_ms() // 1000 + 3_600)
    fold, now = TrainSettings(events_table=table, models_bucket="-"), clock.now_ms()
    scanned = sorted(interactions(log.logged_events(), fold, now))
    export = write_export(scan_items(aws.dynamodb, table), tmp_path, "arn:aws:dynamodb:::table/events")
    lines = [
        line
        for path in (export / "data").glob("*.json.gz")
        for line in gzip.decompress(path.read_bytes()).decode().splitlines()
    ]
    exported = sorted(spark_export.interactions(spark_export.items_of(lines), fold, now))
    assert {user for user, _, _ in scanned} == {f"u-{u}" for u in range(5)}
    assert len(scanned) > 5 * 80  # most of each listener's 97 items (skipped ones drop out)
    assert {(u, i): w for u, i, w in exported} == pytest.approx({(u, i): w for u, i, w in scanned})


def _post(invoke: Any, events: list[dict[str, Any]]) -> None:
    for start in range(0, len(events), 500):
        response = invoke(
            INGEST, http_event("POST", "/v1/events", body={"events": events[start : start + 500]})
        )
        assert response["statusCode"] == 202, response


def _plays(user: str, items: list[str]) -> list[dict[str, Any]]:
    now = clock.now_ms()
    return [
        {
            "event_id": f"{user}-{n}",
            "user_id": user,
            "item_id": item,
            "type": "play",
            "timestamp": now - HOUR_MS - n * 1_000,
            "ms_played": 200_000,
        }
        for n, item in enumerate(items)
    ]


def test_a_listener_over_the_profile_caps_reaches_the_model_whole(aws: Aws, invoke: Any):
    """heavy plays 400 items (a profile keeps 300); light plays 10 of them; erased plays 5 items of their
    own and is erased before training: the model learns 400 items, 410 interactions, none of erased's."""
    items = [f"it-{n:03d}" for n in range(400)]
    own = [f"gone-{n}" for n in range(5)]
    _post(invoke, _plays("heavy", items) + _plays("light", items[:10]) + _plays("erased", own))
    records = aws.drain("ProfileUpdateQueue")
    assert invoke(PROFILE, {"Records": records})["batchItemFailures"] == []
    erase = http_event("DELETE", "/v1/users/erased", claims=listener_claims("erased"))
    assert invoke(PROFILE, erase)["statusCode"] == 200
    profile = DynamoProfileStore(aws.table("ProfilesTable")).get("heavy")
    assert profile is not None
    assert len(profile.items) == 300  # the profile's cap: a profile-based trainer would miss 100 items

    trained = invoke(TRAIN, {})
    assert trained["published"], trained
    store = S3ModelStore(aws.resources.bucket_names["ModelBucket"])
    version = store.current_version()
    assert version is not None
    artifact = store.load(version)
    assert artifact.interactions == 410  # the trainer's input: 400 rows for heavy, 10 for light
    assert artifact.users == 2
    assert set(items) <= set(artifact.item_ids)
    assert not set(own) & set(artifact.item_ids)
    listeners = dict(zip(artifact.item_ids, artifact.listeners.tolist(), strict=True))
    assert [listeners[i] for i in items[:10]] == [2.0] * 10
    assert listeners[items[-1]] == 1.0
