"""The export files as DynamoDB writes them (local.export) and as the Spark job reads them (spark.export):
no Spark needed. The reader is checked against the storage adapter's own items (the events log's, and a
profile's binary attributes), not against the writer; its weights against hand-computed ones."""

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from local.export import write_export
from mixtape.config import ProfileSettings, TrainSettings
from mixtape.learning.history import interactions as interactions_of_log
from mixtape.models.artifact import confidence
from mixtape.models.event_type import EventType
from mixtape.models.events import EventContext, StoredEvent
from mixtape.models.profile import Profile
from mixtape.profiles.erasure import erase_user
from mixtape.storage.dynamo.events import event_to_item, item_to_logged
from mixtape.storage.dynamo.profiles import profile_to_item
from mixtape.storage.memory import MemoryEventStore, MemoryProfileStore, MemoryQueue
from spark.erasure import LogKeys, learned
from spark.export import data_path, folded, interactions, item_from_line, items_of, merged
from spark.job import rated_rows

TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/events"
DAY_MS = 86_400_000
NOW_MS = 1_795_000_000_000
FOLD = TrainSettings(events_table="-", models_bucket="-", half_life_days=10.0)


def _event(
    event_id: str, user: str, item: str, kind: EventType, days_ago: float, **extra: Any
) -> StoredEvent:
    ts = NOW_MS - int(days_ago * DAY_MS)
    ms_played = 200_000 if kind in (EventType.PLAY, EventType.SKIP) else None
    fields = {"ms_played": ms_played, "ingested_at": ts, **extra}
    return StoredEvent(event_id=event_id, user_id=user, item_id=item, type=kind, timestamp=ts, **fields)


def _log_items() -> list[dict[str, Any]]:
    """Logged events as the storage adapter writes them: alice plays a (twice, 10 days ago) and likes c
    (10 days ago, from a surface), plays and then dislikes b; bob plays a 20 days ago; carol's entry
    has expired."""
    live, expired = NOW_MS // 1000 + DAY_MS // 1000, NOW_MS // 1000 - 1
    events = [
        (_event("e1", "alice", "a", EventType.PLAY, 10, count=2), live),
        (_event("e2", "alice", "c", EventType.LIKE, 10, context=EventContext(source="home")), live),
        (_event("e3", "alice", "b", EventType.PLAY, 1), live),
        (_event("e4", "alice", "b", EventType.DISLIKE, 1), live),
        (_event("e5", "bob", "a", EventType.PLAY, 20), live),
        (_event("e6", "carol", "a", EventType.PLAY, 1), expired),
    ]
    return [event_to_item(event, expires) for event, expires in events]


def _profile_item() -> dict[str, Any]:
    """A profile item: binary attributes, which the reader decodes too."""
    alice = Profile(user_id="alice", ref_ms=10 * DAY_MS, items={"a": 4.0}, counts={"x": 1})
    alice.user_vector = np.arange(4, dtype=np.float32)
    return profile_to_item(alice)


def _lines(directory: Path) -> list[str]:
    return [
        line
        for path in sorted((directory / "data").glob("*.json.gz"))
        for line in gzip.decompress(path.read_bytes()).decode().splitlines()
    ]


def test_export_layout_matches_dynamodb(tmp_path: Path) -> None:
    directory = write_export([*_log_items(), _profile_item()], tmp_path, TABLE_ARN)
    summary = json.loads((directory / "manifest-summary.json").read_text())
    files = [json.loads(line) for line in (directory / "manifest-files.json").read_text().splitlines()]
    assert directory.parent.name == "AWSDynamoDB"
    assert summary["outputFormat"] == "DYNAMODB_JSON"
    assert summary["itemCount"] == 7 == sum(f["itemCount"] for f in files)
    assert summary["exportArn"] == f"{TABLE_ARN}/export/{directory.name}"
    for entry in files:  # every data file the manifest names exists under the export's prefix
        assert (tmp_path / entry["dataFileS3Key"].removeprefix("exports/")).is_file()
    records = [json.loads(line) for line in _lines(directory)]
    assert all(set(record) == {"Item"} for record in records)
    assert isinstance(records[-1]["Item"]["doc"]["B"], str)  # binary as base64 text, as DynamoDB writes it


def test_reader_gives_back_the_stored_items(tmp_path: Path) -> None:
    items = [*_log_items(), _profile_item()]
    directory = write_export(items, tmp_path, TABLE_ARN)
    assert [item_from_line(line) for line in _lines(directory)] == items
    assert item_from_line("  \n") is None
    assert list(items_of(["", *_lines(directory), " "])) == items


def test_interactions_are_the_logs_weights(tmp_path: Path) -> None:
    """Decayed positive weights per (listener, item), computed by hand: plays x weight, halved every 10
    days; b's dislike outweighs its play; carol's expired entry counts for nothing."""
    directory = write_export(_log_items(), tmp_path, TABLE_ARN)
    found = {(user, item): w for user, item, w in interactions(items_of(_lines(directory)), FOLD, NOW_MS)}
    like = FOLD.event_weights.like
    assert found == pytest.approx({("alice", "a"): 2 * 0.5, ("alice", "c"): like * 0.5, ("bob", "a"): 0.25})


@pytest.mark.parametrize("epsilon", [0.0, 2.0])
def test_ratings_give_the_layers_confidence(tmp_path: Path, epsilon: float) -> None:
    """Spark's implicit ALS uses confidence 1 + alpha * rating: the ratings must reproduce the layer's."""
    directory = write_export(_log_items(), tmp_path, TABLE_ARN)
    rows = list(rated_rows(interactions(items_of(_lines(directory)), FOLD, NOW_MS), 5.0, epsilon))
    assert len(rows) == 3
    weights = np.array([w for _, _, w, _ in rows])
    ratings = np.array([r for _, _, _, r in rows])
    np.testing.assert_allclose(1.0 + 5.0 * ratings, confidence(weights, 5.0, epsilon))


def _merged_folds(parts: list[list[dict[str, Any]]], live: LogKeys | None) -> dict[tuple[str, str], float]:
    """The job's read on partitions of log items: folded per partition, merged per listener, learned."""
    merged_by_user: dict[str, Any] = {}
    for part in parts:
        for user_id, fold in folded(part, FOLD, NOW_MS):
            found = merged_by_user.get(user_id)
            merged_by_user[user_id] = fold if found is None else merged(found, fold)
    rows = learned(merged_by_user.items(), live, NOW_MS // 1000)
    return {(user, item): w for user, item, w in rows}


def test_map_side_sums_merge_to_the_whole_fold() -> None:
    """Sums per (listener, item) within each partition, then per listener, give the rows of one fold over
    all events, whichever partitions the events lie in: b's dislike, in another partition than its play,
    still cancels it (partial sums keep their sign)."""
    items = _log_items()
    whole = {(u, i): w for u, i, w in interactions(items, FOLD, NOW_MS)}
    for parts in ([items], [items[:3], items[3:]], [[item] for item in items], [items[::2], items[1::2]]):
        assert _merged_folds(parts, None) == pytest.approx(whole)
    assert ("alice", "b") not in whole


def test_probe_is_the_latest_expiring_entry() -> None:
    first, second = folded(_log_items()[:2], FOLD, NOW_MS), folded(_log_items()[2:5], FOLD, NOW_MS)
    (_, (_, probe_a)), (_, (_, probe_b)) = next(first), next(second)
    assert merged(({}, probe_a), ({}, probe_b))[1] == max(probe_a, probe_b)
    assert [user for user, _ in folded(_log_items()[5:], FOLD, NOW_MS)] == []  # carol: all expired


def test_listeners_erased_since_the_export_are_not_learned() -> None:
    """An erasure after the export deleted all of alice's events from the live log (the export still
    holds them): none of her rows count, as a trainer reading the live log would not see them. bob's
    events are still there; carol's only entry expired, so TTL may have taken it: no erasure is read."""
    items = _log_items()
    all_keys = {(item["user_id"]["S"], item["event_id"]["S"]) for item in items}
    after_erasure = LogKeys(frozenset(k for k in all_keys if k[0] not in ("alice", "carol")))
    rows = _merged_folds([items[:3], items[3:]], after_erasure)
    assert rows == pytest.approx({("bob", "a"): 0.25})
    assert _merged_folds([items], LogKeys(frozenset(all_keys))) == _merged_folds([items], None)


def test_erasure_since_the_export_agrees_with_the_numpy_trainers_input() -> None:
    """The export is taken, then alice is erased (mixtape.profiles.erasure, on the in-memory stores): the
    job's rows from the old export, asked against the live log, are the rows the numpy trainer reads from
    that live log (mixtape.learning.history over `logged_events`)."""
    events = MemoryEventStore()
    for item in _log_items():
        entry = item_to_logged(item)
        events.put_applied([entry.event], entry.expires_at_s)
    exported = [event_to_item(e.event, e.expires_at_s) for e in events.logged_events()]
    settings = ProfileSettings(
        events_table="-", profiles_table="-", catalog_table="-", profile_update_queue_url="-"
    )
    erase_user("alice", events, MemoryProfileStore(), MemoryQueue(), settings, NOW_MS + 1)
    live = LogKeys(frozenset((e.event.user_id, e.event.event_id) for e in events.logged_events()))
    numpy_rows = {(u, i): w for u, i, w in interactions_of_log(events.logged_events(), FOLD, NOW_MS)}
    assert _merged_folds([exported[:2], exported[2:]], live) == pytest.approx(numpy_rows)
    assert {user for user, _ in numpy_rows} == {"bob"}


def test_data_path_from_directory_or_manifest() -> None:
    root = "s3://bucket/exports/AWSDynamoDB/0123-abc"
    assert data_path(root) == f"{root}/data/"
    assert data_path(f"{root}/") == f"{root}/data/"
    assert data_path(f"{root}/manifest-summary.json") == f"{root}/data/"
