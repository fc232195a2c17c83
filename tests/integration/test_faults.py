"""Faults where they really happen, injected with botocore event hooks on the real clients of
mixtape.storage.clients (against moto): DynamoDB throttling and unprocessed batch items, partial
SendMessageBatch failures, a Lambda dying mid-batch, redelivered and reordered records, racing updaters.

Every test ends with the same proof: the stored profile equals a from-scratch fold (the pure
`fold_events` on a new profile, no storage involved) of the events that were accepted, each once, and
the events log holds each of them once."""

import contextlib
import json
import random
import threading
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from mixtape import config
from mixtape.learning.cache import ModelCache
from mixtape.models.event_type import EventType
from mixtape.models.events import ErasureFollowUp, ProfileUpdateMessage, StoredEvent
from mixtape.models.profile import Profile
from mixtape.profiles.apply import fold_events
from mixtape.profiles.queue import apply_queue_batch
from mixtape.storage import clients
from mixtape.storage.dynamo.profiles import DynamoProfileStore
from mixtape.storage.s3.models import S3ModelStore
from tests.helpers import body, http_event, load_event
from tests.integration.conftest import Aws
from tests.integration.test_storage_faults import NOW, RacingProfileStore, settings, stores
from tests.unit.learning.test_model import artifact

PROFILE = "ProfileUpdateFunction"
INGEST = "IngestFunction"


class LambdaTimeout(BaseException):
    """The runtime killing the invocation: no `except Exception` in the code under test can catch it."""


def stored_event(i: int, user: str) -> StoredEvent:
    kind = EventType.LIKE if i % 4 == 3 else EventType.PLAY
    return StoredEvent(
        event_id=f"{user}-e{i:03d}",
        user_id=user,
        item_id=f"trk-{i % 7}",
        type=kind,
        # spread over days, so a wrong decay or a second count shows in the values, not only the counts
        timestamp=NOW - i * 3_600_000,
        ms_played=60_000 + i if kind is EventType.PLAY else None,
        ingested_at=NOW,
    )


def record(message_id: str, user: str, events: Sequence[StoredEvent]) -> dict[str, Any]:
    message = ProfileUpdateMessage(user_id=user, events=list(events))
    return {"messageId": message_id, "body": message.model_dump_json(exclude_none=True)}


def records_for(user: str, events: Sequence[StoredEvent], per_message: int = 5) -> list[dict[str, Any]]:
    return [
        record(f"{user}-m{i // per_message}", user, events[i : i + per_message])
        for i in range(0, len(events), per_message)
    ]


def failures(result: dict[str, Any]) -> list[str]:
    return [f["itemIdentifier"] for f in result["batchItemFailures"]]


def assert_profile_is_fold(aws: Aws, user: str, accepted: Sequence[StoredEvent]) -> None:
    """The stored profile is the in-order fold of `accepted` on a new profile (values compared as of
    NOW, so the reference time each commit chose does not matter), and the log holds each event once."""
    cfg = config.profile_settings()
    profile = DynamoProfileStore(aws.table("ProfilesTable")).get(user, consistent=True)
    assert profile is not None
    expected = fold_events(Profile(user_id=user), sorted(accepted, key=lambda e: e.timestamp), {}, cfg)
    assert profile.counts == expected.counts
    got = {k: v * profile.decay_factor(NOW, cfg.half_life_ms) for k, v in profile.items.items()}
    want = {k: v * expected.decay_factor(NOW, cfg.half_life_ms) for k, v in expected.items.items()}
    assert got == pytest.approx(want, rel=1e-5)
    assert profile.recent == expected.recent
    assert profile.last_event_at == expected.last_event_at
    logged = sorted(r["event_id"]["S"] for r in aws.scan("EventsTable") if r["user_id"]["S"] == user)
    assert logged == sorted(e.event_id for e in accepted)
    assert set(profile.pending) <= set(logged)  # what the profile still lists as pending is logged


# --- hooks ------------------------------------------------------------------------------------------


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


def _throttle_response(code: str) -> AWSResponse:
    content = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "Rate exceeded"})
    headers = {"x-amzn-ErrorType": code, "content-type": "application/x-amz-json-1.0"}
    return AWSResponse("https://dynamodb.us-east-1.amazonaws.com/", 400, headers, _Body(content.encode()))


@contextlib.contextmanager
def throttled_once(
    client: Any, operations: Sequence[str], code: str = "ProvisionedThroughputExceededException"
) -> Iterator[dict[str, int]]:
    """The first HTTP attempt of each operation answered 400 `code` before it reaches moto: botocore's
    standard retries see a real throttling response. Yields the throttles sent per operation."""
    sent = dict.fromkeys(operations, 0)

    def answer(request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[1]
        if sent[operation]:
            return None
        sent[operation] += 1
        return _throttle_response(code)

    for operation in operations:
        # first: moto answers before-send too, and the first response wins
        client.meta.events.register_first(
            f"before-send.dynamodb.{operation}", answer, unique_id=f"throttle-{operation}"
        )
    try:
        yield sent
    finally:
        for operation in operations:
            client.meta.events.unregister(
                f"before-send.dynamodb.{operation}", unique_id=f"throttle-{operation}"
            )


@contextlib.contextmanager
def failing(client: Any, event: str, code: str, table: str | None = None) -> Iterator[dict[str, int]]:
    """Every call of `event` (`before-call.<service>.<Operation>`), on `table` if given, fails with
    `code`, as it does once botocore's retries are exhausted (so no test waits through their backoff)."""
    calls = {"n": 0}

    def answer(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        if table is not None:
            body = json.loads(params["body"])
            if table not in body.get("RequestItems", {}) and body.get("TableName") != table:
                return None
        calls["n"] += 1
        return SimpleNamespace(status_code=400, headers={}), {
            "Error": {"Code": code, "Message": "injected"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }

    client.meta.events.register(event, answer, unique_id="failing")
    try:
        yield calls
    finally:
        client.meta.events.unregister(event, unique_id="failing")


@contextlib.contextmanager
def partially_unprocessed(
    client: Any, operation: str, times: int | None = 1, table: str | None = None
) -> Iterator[dict[str, int]]:
    """BatchWriteItem / BatchGetItem: DynamoDB processes the first half of the request and returns the
    rest as UnprocessedItems / UnprocessedKeys, for the first `times` calls (None: every call)."""
    state: dict[str, Any] = {"partial": 0, "calls": 0, "held": None}
    unprocessed = "UnprocessedItems" if operation == "BatchWriteItem" else "UnprocessedKeys"

    def before(params: dict[str, Any], **_: Any) -> None:
        state["calls"] += 1
        if times is not None and state["partial"] >= times:
            return
        request = json.loads(params["body"])
        ((name, wanted),) = request["RequestItems"].items()
        if table is not None and name != table:
            return
        if operation == "BatchWriteItem":
            keep, held = wanted[: len(wanted) // 2], wanted[len(wanted) // 2 :]
            request["RequestItems"][name] = keep
            state["held"] = {name: held}
        else:
            keys = wanted["Keys"]
            keep, held = keys[: len(keys) // 2], keys[len(keys) // 2 :]
            request["RequestItems"][name] = {**wanted, "Keys": keep}
            state["held"] = {name: {**wanted, "Keys": held}}
        if not keep:  # one item: all of it unprocessed, and DynamoDB is not called with an empty batch
            request["RequestItems"] = {}
        params["body"] = json.dumps(request).encode()
        state["partial"] += 1

    def before_empty(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        if json.loads(params["body"])["RequestItems"]:
            return None
        return SimpleNamespace(status_code=200, headers={}), {"Responses": {}, "ResponseMetadata": {}}

    def after(parsed: dict[str, Any], **_: Any) -> None:
        held, state["held"] = state["held"], None
        if held:
            parsed[unprocessed] = held

    events = client.meta.events
    events.register(f"before-call.dynamodb.{operation}", before, unique_id=f"partial-before-{operation}")
    events.register(f"before-call.dynamodb.{operation}", before_empty, unique_id=f"partial-empty-{operation}")
    events.register(f"after-call.dynamodb.{operation}", after, unique_id=f"partial-after-{operation}")
    try:
        yield state
    finally:
        events.unregister(f"before-call.dynamodb.{operation}", unique_id=f"partial-before-{operation}")
        events.unregister(f"before-call.dynamodb.{operation}", unique_id=f"partial-empty-{operation}")
        events.unregister(f"after-call.dynamodb.{operation}", unique_id=f"partial-after-{operation}")


@contextlib.contextmanager
def dies_at(client: Any, event: str, on_call: int = 1) -> Iterator[None]:
    """The invocation is killed at the `on_call`-th `event` (e.g. `after-call.dynamodb.PutItem`: the
    write happened, its caller never learns it)."""
    calls = {"n": 0}

    def die(**_: Any) -> None:
        calls["n"] += 1
        if calls["n"] == on_call:
            raise LambdaTimeout(event)

    client.meta.events.register(event, die, unique_id="dies")
    try:
        yield
    finally:
        client.meta.events.unregister(event, unique_id="dies")


# --- 1. throttling ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_throttled_profile_update_calls_are_retried_by_botocore_and_applied_once(aws: Aws, invoke, code):
    events = [stored_event(i, "u-thr") for i in range(12)]
    operations = ["GetItem", "PutItem", "BatchGetItem", "BatchWriteItem"]
    with throttled_once(clients.dynamodb(), operations, code) as sent:
        result = invoke(PROFILE, {"Records": records_for("u-thr", events)})
    assert sent == dict.fromkeys(operations, 1)  # each really was throttled, then retried
    assert failures(result) == []
    assert_profile_is_fold(aws, "u-thr", events)


@pytest.mark.parametrize(
    ("event", "applied_before_redelivery"),
    [
        ("before-call.dynamodb.GetItem", False),  # the profile read
        ("before-call.dynamodb.BatchGetItem", False),  # the log read that recognises duplicates
        ("before-call.dynamodb.PutItem", False),  # the commit
        ("before-call.dynamodb.BatchWriteItem", True),  # the log write, after the commit
    ],
)
def test_throttling_past_the_retries_fails_the_records_and_their_redelivery_applies_once(
    aws: Aws, invoke, event, applied_before_redelivery
):
    events = [stored_event(i, "u-thx") for i in range(12)]
    batch = {"Records": records_for("u-thx", events) + records_for("u-ok", [stored_event(1, "u-ok")])}
    # The listener's own reads, not the catalog's (its features and the version they are cached for)
    own = {
        "before-call.dynamodb.BatchGetItem": "EventsTable",
        "before-call.dynamodb.GetItem": "ProfilesTable",
    }
    table = aws.table(own[event]) if event in own else None
    with failing(clients.dynamodb(), event, "ProvisionedThroughputExceededException", table) as calls:
        result = invoke(PROFILE, batch)
    assert calls["n"] >= 1
    # the other listener of the batch is hit by the same throttling: every record comes back
    assert set(failures(result)) == {r["messageId"] for r in batch["Records"]}
    profile = DynamoProfileStore(aws.table("ProfilesTable")).get("u-thx", consistent=True)
    assert (profile is not None) is applied_before_redelivery
    if profile is not None:
        assert profile.counts == {"play": 9, "like": 3}
        assert len(profile.pending) == len(events)  # applied, not yet confirmed in the log

    retried = {"Records": [r for r in batch["Records"] if r["messageId"] in failures(result)]}
    assert failures(invoke(PROFILE, retried)) == []
    again = invoke(PROFILE, batch)  # and a later duplicate delivery of everything changes nothing
    assert failures(again) == []
    assert_profile_is_fold(aws, "u-thx", events)
    assert_profile_is_fold(aws, "u-ok", [stored_event(1, "u-ok")])


def test_a_throttled_erasure_follow_up_fails_alone_and_the_updates_beside_it_commit(aws: Aws, invoke):
    log, _, _ = stores(aws)
    assert log.put_applied([stored_event(i, "u-gone") for i in range(4)], 2_000_000_000) == []
    follow_up = {
        "messageId": "follow-up",
        "body": ErasureFollowUp(user_id="u-gone", erased_at=NOW + 1).model_dump_json(),
    }
    live = [stored_event(i, "u-live") for i in range(6)]
    batch = {"Records": [follow_up, *records_for("u-live", live)]}
    with throttled_once(clients.dynamodb(), ["Query"]) as sent:  # retried by botocore: purged
        assert failures(invoke(PROFILE, {"Records": [follow_up]})) == []
    assert sent == {"Query": 1}
    assert [r for r in aws.scan("EventsTable") if r["user_id"]["S"] == "u-gone"] == []

    assert log.put_applied([stored_event(i, "u-gone") for i in range(4)], 2_000_000_000) == []
    with failing(clients.dynamodb(), "before-call.dynamodb.Query", "ProvisionedThroughputExceededException"):
        result = invoke(PROFILE, batch)
    assert failures(result) == ["follow-up"]  # only it comes back: the updates beside it committed
    assert_profile_is_fold(aws, "u-live", live)
    assert failures(invoke(PROFILE, {"Records": [follow_up]})) == []
    assert [r for r in aws.scan("EventsTable") if r["user_id"]["S"] == "u-gone"] == []


def _post(users: Sequence[str], prefix: str = "x") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sent = [
        {
            "event_id": f"{prefix}-{user}-{i}",
            "user_id": user,
            "item_id": f"trk-{i}",
            "type": "play",
            "ms_played": 90_000,
            "timestamp": "2026-11-20T10:00:00Z",
        }
        for user in users
        for i in range(3)
    ]
    return http_event("POST", "/v1/events", {"events": sent}), sent


def _apply_queue(aws: Aws, invoke: Any) -> list[StoredEvent]:
    """Deliver everything queued, each listener's profile updated; returns every queued event."""
    records = aws.drain("ProfileUpdateQueue")
    assert failures(invoke(PROFILE, {"Records": records})) == []
    return [e for r in records for e in ProfileUpdateMessage.model_validate_json(r["body"]).events]


def _accepted_once(queued: Sequence[StoredEvent]) -> dict[str, list[StoredEvent]]:
    by_user: dict[str, dict[str, StoredEvent]] = {}
    for e in queued:
        by_user.setdefault(e.user_id, {}).setdefault(e.event_id, e)
    return {user: list(events.values()) for user, events in by_user.items()}


def test_ingest_under_throttling_retries_then_503s_with_nothing_queued(aws: Aws, invoke):
    request, sent = _post(["u-in1", "u-in2"])
    with throttled_once(clients.dynamodb(), ["BatchGetItem"]) as throttles:
        response = invoke(INGEST, request)
    assert (response["statusCode"], throttles) == (202, {"BatchGetItem": 1})
    assert body(response) == {"accepted": len(sent), "duplicates": 0}

    second, _ = _post(["u-in3"], prefix="y")
    with failing(clients.dynamodb(), "before-call.dynamodb.BatchGetItem", "ThrottlingException"):
        refused = invoke(INGEST, second)
    assert refused["statusCode"] == 503
    queued = _apply_queue(aws, invoke)
    assert {e.user_id for e in queued} == {"u-in1", "u-in2"}  # nothing of the refused request
    for user, events in _accepted_once(queued).items():
        assert_profile_is_fold(aws, user, events)


def test_a_catalog_read_that_fails_fails_the_whole_batch_and_its_redelivery_applies_once(aws: Aws, invoke):
    """The catalog features are read once for the batch, outside any listener: the handler raises, so
    Lambda returns every record to the queue (nothing was committed)."""
    events = [stored_event(i, "u-cat") for i in range(5)]
    batch = {"Records": records_for("u-cat", events)}
    catalog = aws.table("CatalogTable")
    with (
        failing(clients.dynamodb(), "before-call.dynamodb.BatchGetItem", "ThrottlingException", catalog),
        pytest.raises(Exception, match="ThrottlingException"),
    ):
        invoke(PROFILE, batch)
    assert DynamoProfileStore(aws.table("ProfilesTable")).get("u-cat", consistent=True) is None
    assert failures(invoke(PROFILE, batch)) == []
    assert_profile_is_fold(aws, "u-cat", events)


# --- 2. unprocessed items and keys --------------------------------------------------------------


def test_partially_unprocessed_batches_are_retried_by_the_helpers(aws: Aws, invoke):
    events = [stored_event(i, "u-unp") for i in range(60)]  # 60 writes: three BatchWriteItem chunks
    client = clients.dynamodb()
    with (
        partially_unprocessed(client, "BatchWriteItem", times=3) as writes,
        partially_unprocessed(client, "BatchGetItem", times=2) as reads,
    ):
        result = invoke(PROFILE, {"Records": records_for("u-unp", events, per_message=10)})
    assert (writes["partial"], reads["partial"]) == (3, 2)
    assert writes["calls"] > 3  # the unprocessed parts were sent again
    assert reads["calls"] > 2
    assert failures(result) == []
    assert_profile_is_fold(aws, "u-unp", events)


def test_writes_left_unprocessed_fail_the_record_and_its_redelivery_applies_once(aws: Aws, invoke):
    events = [stored_event(i, "u-left") for i in range(8)]
    batch = {"Records": records_for("u-left", events, per_message=4)}
    with partially_unprocessed(clients.dynamodb(), "BatchWriteItem", times=None):
        result = invoke(PROFILE, batch)
    assert sorted(failures(result)) == sorted(r["messageId"] for r in batch["Records"])
    profile = DynamoProfileStore(aws.table("ProfilesTable")).get("u-left", consistent=True)
    assert profile is not None
    assert sum(profile.counts.values()) == len(events)  # applied once; half the log write is missing
    assert len(profile.pending) == len(events)
    assert failures(invoke(PROFILE, batch)) == []
    assert_profile_is_fold(aws, "u-left", events)


def test_keys_left_unprocessed_fail_the_record_before_anything_is_applied(aws: Aws, invoke):
    events = [stored_event(i, "u-keys") for i in range(6)]
    batch = {"Records": records_for("u-keys", events, per_message=3)}
    events_table = aws.table("EventsTable")  # the duplicate check; the catalog read is the test below
    with partially_unprocessed(clients.dynamodb(), "BatchGetItem", times=None, table=events_table):
        result = invoke(PROFILE, batch)
    assert sorted(failures(result)) == sorted(r["messageId"] for r in batch["Records"])
    assert DynamoProfileStore(aws.table("ProfilesTable")).get("u-keys", consistent=True) is None
    assert failures(invoke(PROFILE, batch)) == []
    assert_profile_is_fold(aws, "u-keys", events)


# --- 3. partial SendMessageBatch failures -------------------------------------------------------


@contextlib.contextmanager
def sqs_entries_fail(client: Any, ids: set[str], times: int | None) -> Iterator[dict[str, int]]:
    """SendMessageBatch: the entries with these Ids are not enqueued and come back in `Failed`, for the
    first `times` calls (None: every call)."""
    state: dict[str, Any] = {"calls": 0, "failed": []}

    def before(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        state["calls"] += 1
        state["failed"] = []
        if times is not None and state["calls"] > times:
            return None
        request = json.loads(params["body"])
        state["failed"] = [e["Id"] for e in request["Entries"] if e["Id"] in ids]
        request["Entries"] = [e for e in request["Entries"] if e["Id"] not in ids]
        if not request["Entries"]:
            return SimpleNamespace(status_code=200, headers={}), {"Successful": [], "ResponseMetadata": {}}
        params["body"] = json.dumps(request).encode()
        return None

    def after(parsed: dict[str, Any], **_: Any) -> None:
        failed = [
            {"Id": i, "SenderFault": False, "Code": "InternalError", "Message": "injected"}
            for i in state["failed"]
        ]
        if failed:
            parsed["Failed"] = failed

    client.meta.events.register("before-call.sqs.SendMessageBatch", before, unique_id="sqs-partial-before")
    client.meta.events.register("after-call.sqs.SendMessageBatch", after, unique_id="sqs-partial-after")
    try:
        yield state
    finally:
        client.meta.events.unregister("before-call.sqs.SendMessageBatch", unique_id="sqs-partial-before")
        client.meta.events.unregister("after-call.sqs.SendMessageBatch", unique_id="sqs-partial-after")


def test_failed_batch_entries_are_sent_again_and_each_message_is_queued_once(aws: Aws, invoke):
    request, sent = _post(["u-q0", "u-q1", "u-q2"])  # one message per listener: Ids 0, 1, 2
    with sqs_entries_fail(clients.sqs(), {"0", "2"}, times=1) as calls:
        response = invoke(INGEST, request)
    assert (response["statusCode"], calls["calls"]) == (202, 2)
    assert body(response) == {"accepted": len(sent), "duplicates": 0}
    records = aws.drain("ProfileUpdateQueue")
    assert sorted(ProfileUpdateMessage.model_validate_json(r["body"]).user_id for r in records) == [
        "u-q0",
        "u-q1",
        "u-q2",
    ]
    assert failures(invoke(PROFILE, {"Records": records})) == []
    for user, events in _accepted_once(
        [e for r in records for e in ProfileUpdateMessage.model_validate_json(r["body"]).events]
    ).items():
        assert_profile_is_fold(aws, user, events)


def test_an_entry_that_keeps_failing_is_a_503_and_the_retry_counts_nothing_twice(aws: Aws, invoke):
    request, sent = _post(["u-p0", "u-p1", "u-p2"])
    with sqs_entries_fail(clients.sqs(), {"1"}, times=None):
        refused = invoke(INGEST, request)
    assert refused["statusCode"] == 503  # not accepted: the client sends the whole request again
    assert body(refused)["error"]["code"] == "unavailable"
    assert body(invoke(INGEST, request)) == {"accepted": len(sent), "duplicates": 0}
    queued = _apply_queue(aws, invoke)
    # u-p0 and u-p2 were queued by both attempts: the profile updater recognises the second copy
    assert len(queued) == len(sent) + 6
    accepted = _accepted_once(queued)
    assert sorted(accepted) == ["u-p0", "u-p1", "u-p2"]
    for user, events in accepted.items():
        assert_profile_is_fold(aws, user, events)


# --- 4. S3 unavailable at a recommend container's cold start and during a refresh ---------------


def _put_items(invoke: Any, suffix: str = "") -> set[str]:
    request = load_event("put_items.json")
    items = json.loads(request["body"])["items"]
    for item in items:
        item["item_id"] += suffix
    response = invoke(INGEST, {**request, "body": json.dumps({"items": items})})
    assert response["statusCode"] == 200
    return {i["item_id"] for i in items}


def _recommend(invoke: Any) -> dict[str, Any]:
    response = invoke(
        "RecommendFunction", http_event("GET", "/v1/users/nobody/recommendations", query="limit=50")
    )
    assert response["statusCode"] == 200
    reply: dict[str, Any] = body(response)
    return reply


def test_s3_down_at_cold_start_is_answered_from_the_table_and_a_failed_refresh_keeps_the_index(
    aws: Aws, invoke, handler_module, monkeypatch
):
    first = _put_items(invoke)
    assert (
        invoke("CatalogSnapshotFunction", load_event("catalog_snapshot_scheduled.json"))["published"] is True
    )
    monkeypatch.setenv("CATALOG_CHECK_SECONDS", "0")  # every request looks for a new catalog
    config.recommend_settings.cache_clear()
    s3 = clients.s3()
    with failing(s3, "before-call.s3.GetObject", "ServiceUnavailable") as gets:
        cold = _recommend(invoke)  # the snapshot and the model pointer are unreadable: the table answers
    assert gets["n"] >= 1
    assert (cold["catalog_version"], {i["item_id"] for i in cold["items"]}) == (1, first)
    catalog = handler_module("RecommendFunction").dependencies().catalog
    catalog.wait()

    second = _put_items(invoke, suffix="-v2")  # catalog version 2: the next refresh must reload
    with (
        failing(s3, "before-call.s3.GetObject", "ServiceUnavailable"),
        failing(
            clients.dynamodb(), "before-call.dynamodb.Scan", "ProvisionedThroughputExceededException"
        ) as scans,
    ):
        during = _recommend(invoke)  # starts the refresh, answered from the loaded index
        catalog.wait()
        after_failure = _recommend(invoke)
        catalog.wait()
    assert scans["n"] >= 1  # the refresh really ran, and failed
    assert during["catalog_version"] == after_failure["catalog_version"] == 1
    assert {i["item_id"] for i in after_failure["items"]} == first

    _recommend(invoke)  # S3 and DynamoDB are back: this request's refresh loads version 2
    catalog.wait()
    recovered = _recommend(invoke)
    catalog.wait()  # the refresh this request started ends before moto does
    assert recovered["catalog_version"] == 2
    assert {i["item_id"] for i in recovered["items"]} == first | second


def test_s3_down_for_the_model_leaves_profile_updates_and_the_loaded_model_intact(aws: Aws, invoke):
    bucket = config.profile_settings().models_bucket
    assert bucket is not None
    models = S3ModelStore(bucket)
    models.publish(artifact("v1"))
    s3 = clients.s3()
    events = [stored_event(i, "u-s3") for i in range(5)]
    with failing(s3, "before-call.s3.GetObject", "ServiceUnavailable") as gets:
        # the profile updater's cold start cannot read the model: it folds without one
        assert failures(invoke(PROFILE, {"Records": records_for("u-s3", events)})) == []
        cache = ModelCache(models, check_seconds=0)
        assert cache.get() is None  # a recommend container's cold start: no model, no error
    assert gets["n"] >= 2
    assert_profile_is_fold(aws, "u-s3", events)

    loaded = cache.get()
    assert loaded is not None
    assert loaded.version == "v1"
    models.publish(artifact("v2"))
    with failing(s3, "before-call.s3.GetObject", "ServiceUnavailable"):
        assert cache.get() is loaded  # the probe runs in the background now, and fails
        cache.wait()
        assert cache.get() is loaded
        cache.wait()
    cache.get()
    cache.wait()
    refreshed = cache.get()  # (starts one more probe: waited for, so it ends before moto does)
    cache.wait()
    assert refreshed is not None
    assert refreshed.version == "v2"


# --- 5. a Lambda timeout in the middle of a batch -----------------------------------------------


@pytest.mark.parametrize(
    ("event", "on_call"),
    [
        ("after-call.dynamodb.PutItem", 1),  # listener 1 committed; its caller never heard back
        ("before-call.dynamodb.BatchWriteItem", 1),  # listener 1 committed, killed before its log write
        ("before-call.dynamodb.GetItem", 2),  # listener 1 done, killed before listener 2
        ("after-call.dynamodb.PutItem", 2),  # listener 2 committed too, neither logged listener 2's
    ],
)
def test_a_batch_killed_midway_and_delivered_again_applies_each_listener_once(
    aws: Aws, invoke, event, on_call
):
    first = [stored_event(i, "u-t1") for i in range(7)]
    second = [stored_event(i, "u-t2") for i in range(9)]
    batch = {"Records": records_for("u-t1", first) + records_for("u-t2", second)}
    with dies_at(clients.dynamodb(), event, on_call), pytest.raises(LambdaTimeout):
        invoke(PROFILE, batch)
    # SQS delivers the whole batch again once the visibility timeout passes
    assert failures(invoke(PROFILE, batch)) == []
    assert_profile_is_fold(aws, "u-t1", first)
    assert_profile_is_fold(aws, "u-t2", second)


# --- 6. redelivered and reordered records -------------------------------------------------------


def test_redelivered_and_reordered_records_apply_each_event_once(aws: Aws, invoke):
    events = {user: [stored_event(i, user) for i in range(15)] for user in ("u-r1", "u-r2")}
    records = [r for user, evs in events.items() for r in records_for(user, evs, per_message=3)]
    # one message re-sent by an ingest retry: the same events under another message id
    records.append(record("resent", "u-r1", events["u-r1"][2:6]))
    assert failures(invoke(PROFILE, {"Records": records})) == []
    assert failures(invoke(PROFILE, {"Records": records})) == []  # the same batch twice
    shuffled = records[:]
    random.Random(16).shuffle(shuffled)
    for part in (shuffled[:5], shuffled[5:]):  # and its records shuffled across two batches
        assert failures(invoke(PROFILE, {"Records": part})) == []
    for user, evs in events.items():
        assert_profile_is_fold(aws, user, evs)


def test_reordered_first_delivery_gives_the_in_order_profile(aws: Aws, invoke):
    events = [stored_event(i, "u-ro") for i in range(20)]
    records = records_for("u-ro", events, per_message=2)
    random.Random(7).shuffle(records)
    for part in (records[:4], records[4:7], records[7:]):
        assert failures(invoke(PROFILE, {"Records": part})) == []
    assert_profile_is_fold(aws, "u-ro", events)


# --- 7. concurrent updaters on one listener -----------------------------------------------------


def test_eight_concurrent_updaters_of_one_listener_apply_every_event_once(aws: Aws):
    events = [stored_event(i, "u-con") for i in range(64)]
    records = records_for("u-con", events, per_message=4)  # 16 messages
    workers = 8
    log, _, catalog = stores(aws)
    profiles = RacingProfileStore(threading.Barrier(workers), aws.table("ProfilesTable"))
    cfg = settings(aws)
    outcomes: list[list[str]] = []
    errors: list[BaseException] = []

    def updater(part: list[dict[str, Any]]) -> None:
        try:
            outcome = apply_queue_batch(part, profiles, log, catalog, cfg, NOW)
            outcomes.append(outcome.failed_message_ids)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    # each updater has two messages of its own and one of its neighbour's (delivered twice)
    parts = [[*records[2 * i : 2 * i + 2], records[(2 * i + 2) % len(records)]] for i in range(workers)]
    threads = [threading.Thread(target=updater, args=(part,)) for part in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert outcomes == [[]] * workers
    assert_profile_is_fold(aws, "u-con", events)
