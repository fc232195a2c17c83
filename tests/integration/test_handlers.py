"""Each handler with the sample events of events/, under moto tables and queues built from the template."""

import json
from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mixtape import clock
from mixtape.api.dependencies import overridden
from mixtape.models.catalog import ItemBatch
from mixtape.models.event_type import EventType
from mixtape.models.events import ErasureFollowUp, ProfileUpdateMessage, StoredEvent
from mixtape.storage import clients
from mixtape.storage.dynamo.catalog import DynamoCatalogStore
from mixtape.storage.dynamo.events import DynamoEventStore
from mixtape.storage.dynamo.profiles import DynamoProfileStore
from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore, MemoryQueue
from tests.helpers import body, http_event, load_event
from tests.integration.conftest import Aws

INGEST, PROFILE, RECOMMEND = "IngestFunction", "ProfileUpdateFunction", "RecommendFunction"


def apply_profile_updates(aws: Aws, invoke: Any) -> dict[str, Any]:
    records = aws.drain("ProfileUpdateQueue")
    assert records, "nothing was enqueued for profile update"
    return invoke(PROFILE, {"Records": records})


def seed_catalog(invoke: Any) -> None:
    response = invoke(INGEST, load_event("put_items.json"))
    assert response["statusCode"] == 200


def test_post_events_enqueues_and_the_profile_update_logs_them_with_ttl(aws: Aws, invoke):
    seed_catalog(invoke)
    response = invoke(INGEST, load_event("post_events.json"))
    assert response["statusCode"] == 202
    sent = json.loads(load_event("post_events.json")["body"])["events"]
    assert body(response) == {"accepted": len(sent), "duplicates": 0}
    assert aws.scan("EventsTable") == []  # ingestion writes no table: the events are in the queue
    records = aws.drain("ProfileUpdateQueue")
    messages = [ProfileUpdateMessage.model_validate_json(r["body"]) for r in records]
    assert sorted(e.event_id for m in messages for e in m.events) == sorted(e["event_id"] for e in sent)
    assert invoke(PROFILE, {"Records": records})["batchItemFailures"] == []
    rows = aws.scan("EventsTable")
    assert {r["event_id"]["S"] for r in rows} == {e["event_id"] for e in sent}
    assert all(int(r["expires_at"]["N"]) > int(r["ingested_at"]["N"]) // 1000 for r in rows)


def test_a_retried_batch_is_counted_once_and_applied_once(aws: Aws, invoke):
    event = load_event("post_events.json")
    first = body(invoke(INGEST, event))
    assert first["duplicates"] == 0
    apply_profile_updates(aws, invoke)
    again = body(invoke(INGEST, event))
    assert again == {"accepted": 0, "duplicates": first["accepted"]}
    assert aws.drain("ProfileUpdateQueue") == []  # already folded in: nothing to re-send
    assert len(aws.scan("EventsTable")) == first["accepted"]


def test_a_batch_resent_while_in_flight_is_applied_once(aws: Aws, invoke):
    event = load_event("post_events.json")
    first, second = body(invoke(INGEST, event)), body(invoke(INGEST, event))
    assert first == second  # neither is applied yet: both are queued, the profile update deduplicates
    outcome = apply_profile_updates(aws, invoke)
    assert outcome["batchItemFailures"] == []
    profile = body(invoke(RECOMMEND, load_event("get_profile.json")))
    sent = json.loads(event["body"])["events"]
    assert sum(profile["counts"].values()) == sum(e.get("count", 1) for e in sent)
    assert profile["version"] == 1


def test_invalid_batch_names_each_bad_field_and_stores_nothing(aws: Aws, invoke):
    response = invoke(INGEST, load_event("post_events_invalid.json"))
    assert response["statusCode"] == 422
    error = body(response)["error"]
    assert error["code"] == "validation_error"
    assert {(f["field"].split(".")[1], f["index"]) for f in error["fields"]} >= {
        ("type", 1),
        ("timestamp", 2),
    }
    assert aws.drain("ProfileUpdateQueue") == []  # nothing of the batch was queued


def test_sqs_ingest_fails_only_the_poison_record(aws: Aws, invoke):
    event = load_event("sqs_ingest.json")
    poison = [r["messageId"] for r in event["Records"] if "poison" in r["messageId"]]
    result = invoke(INGEST, event)
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == poison
    good_events = [
        e
        for r in event["Records"]
        if r["messageId"] not in poison
        for e in (json.loads(r["body"]).get("events") or [json.loads(r["body"])])
    ]
    invoke(INGEST, event)  # redelivery of the good records (e.g. after a timeout)
    assert apply_profile_updates(aws, invoke)["batchItemFailures"] == []
    logged = [r["event_id"]["S"] for r in aws.scan("EventsTable")]
    assert sorted(logged) == sorted(e["event_id"] for e in good_events)  # each once


def test_profile_update_applies_good_records_once_and_fails_the_poison(aws: Aws, invoke):
    seed_catalog(invoke)
    event = load_event("sqs_profile_update.json")
    good = []
    poison = []
    for record in event["Records"]:
        try:
            good.append(ProfileUpdateMessage.model_validate_json(record["body"]))
        except ValueError:
            poison.append(record["messageId"])
    assert poison, "the sample must carry a poison record"
    result = invoke(PROFILE, event)
    assert result == {"batchItemFailures": [{"itemIdentifier": i} for i in poison]}
    profile_request = http_event("GET", f"/v1/users/{good[0].user_id}/profile")
    profile = body(invoke(RECOMMEND, profile_request))
    applied = sum(e.count for m in good for e in m.events if e.type == "play")
    assert applied
    assert profile["counts"].get("play", 0) == applied
    assert profile["version"] == 1  # one write for the user's whole batch
    logged = sorted(r["event_id"]["S"] for r in aws.scan("EventsTable"))
    assert logged == sorted(e.event_id for m in good for e in m.events)

    redelivered = invoke(PROFILE, event)  # e.g. after a timeout: nothing counted twice
    assert [f["itemIdentifier"] for f in redelivered["batchItemFailures"]] == poison
    again = body(invoke(RECOMMEND, profile_request))
    assert again["counts"] == profile["counts"]
    assert again["version"] == 1
    assert sorted(r["event_id"]["S"] for r in aws.scan("EventsTable")) == logged


def test_a_profile_update_batch_with_two_listeners_commits_each_listener_once(aws: Aws, invoke):
    seed_catalog(invoke)
    items = [i["item_id"] for i in json.loads(load_event("put_items.json")["body"])["items"]]
    users = ["u-ann", "u-cal"]
    for round_ in range(2):  # two requests: two queue messages per listener
        events = [
            {
                "event_id": f"{user}-{round_}-{n}",
                "user_id": user,
                "item_id": items[n % len(items)],
                "type": "play",
                "ms_played": 120_000,
                "timestamp": "2026-11-20T10:00:00Z",
            }
            for user in users
            for n in range(3)
        ]
        assert invoke(INGEST, http_event("POST", "/v1/events", {"events": events}))["statusCode"] == 202
    records = aws.drain("ProfileUpdateQueue")
    senders = sorted(ProfileUpdateMessage.model_validate_json(r["body"]).user_id for r in records)
    assert senders == ["u-ann", "u-ann", "u-cal", "u-cal"]
    assert invoke(PROFILE, {"Records": records}) == {"batchItemFailures": []}
    for user in users:
        seen = body(invoke(RECOMMEND, http_event("GET", f"/v1/users/{user}/profile")))
        assert (seen["version"], seen["counts"]) == (1, {"play": 6})  # one commit for both messages


def test_recommendations_cold_start_then_personalised(aws: Aws, invoke):
    seed_catalog(invoke)
    request = load_event("get_recommendations.json")
    cold = body(invoke(RECOMMEND, request))
    assert cold["cold_start"] is True
    assert {item["reason_code"] for item in cold["items"]} <= {"popular", "new_release", "exploring"}

    user_id = request["pathParameters"]["user_id"]
    item_ids = [i["item_id"] for i in json.loads(load_event("put_items.json")["body"])["items"]]
    events = [
        {
            "event_id": "int-1",
            "user_id": user_id,
            "item_id": item_ids[0],
            "type": "like",
            "timestamp": "2026-11-20T10:00:00Z",
        }
    ]
    assert invoke(INGEST, http_event("POST", "/v1/events", {"events": events}))["statusCode"] == 202
    apply_profile_updates(aws, invoke)
    warm = body(invoke(RECOMMEND, request))
    assert warm["cold_start"] is False
    assert item_ids[0] not in [i["item_id"] for i in warm["items"]]  # never recommend back what was liked


def test_profile_404_then_200_and_delete_erases(aws: Aws, invoke):
    seed_catalog(invoke)
    assert invoke(RECOMMEND, load_event("get_profile.json"))["statusCode"] == 404
    invoke(INGEST, load_event("post_events.json"))
    apply_profile_updates(aws, invoke)
    profile = invoke(RECOMMEND, load_event("get_profile.json"))
    assert profile["statusCode"] == 200
    assert body(profile)["counts"]

    erased = invoke(PROFILE, load_event("delete_user.json"))
    assert erased["statusCode"] == 200
    assert body(erased)["profile_deleted"] is True
    assert body(erased)["deleted_events"] == len(json.loads(load_event("post_events.json")["body"])["events"])
    assert invoke(RECOMMEND, load_event("get_profile.json"))["statusCode"] == 404
    assert aws.scan("EventsTable") == []
    assert body(invoke(RECOMMEND, load_event("get_recommendations.json")))["cold_start"] is True


def test_the_erasure_follow_up_is_delayed_and_purges_events_logged_after_the_first_purge(aws: Aws, invoke):
    invoke(INGEST, load_event("post_events.json"))
    apply_profile_updates(aws, invoke)  # a listener with data: an unknown one is 404
    erased = invoke(PROFILE, load_event("delete_user.json"))
    assert erased["statusCode"] == 200
    user_id = load_event("delete_user.json")["pathParameters"]["user_id"]
    attributes = aws.sqs.get_queue_attributes(
        QueueUrl=aws.queue("ProfileUpdateQueue"), AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"
    assert aws.drain("ProfileUpdateQueue") == []  # not before the delay
    tombstone = DynamoProfileStore(aws.table("ProfilesTable")).get(user_id, consistent=True)
    assert tombstone is not None
    # An update that committed before the tombstone logs its event now, after the first purge.
    late = StoredEvent(
        event_id="late",
        user_id=user_id,
        item_id="trk-1",
        type=EventType.LIKE,
        timestamp=tombstone.erased_at - 5000,
        ingested_at=tombstone.erased_at - 1000,
    )
    assert DynamoEventStore(aws.table("EventsTable")).put_applied([late], 2_000_000_000) == []
    follow_up = {"user_id": user_id, "erased_at": tombstone.erased_at}
    record = {"messageId": "follow-up", "body": json.dumps(follow_up), "eventSource": "aws:sqs"}
    assert invoke(PROFILE, {"Records": [record]})["batchItemFailures"] == []
    assert aws.scan("EventsTable") == []


def test_similar_items_and_unknown_item(aws: Aws, invoke):
    seed_catalog(invoke)
    items = json.loads(load_event("put_items.json")["body"])["items"]
    similar = invoke(
        RECOMMEND, http_event("GET", f"/v1/items/{items[0]['item_id']}/similar", query="limit=5")
    )
    assert similar["statusCode"] == 200
    assert [i["item_id"] for i in body(similar)["items"]] == [items[1]["item_id"]]
    assert invoke(RECOMMEND, http_event("GET", "/v1/items/nope/similar"))["statusCode"] == 404


def test_health_and_openapi_cover_every_template_route(aws: Aws, invoke):
    seed_catalog(invoke)
    health = body(invoke(RECOMMEND, load_event("get_health.json")))
    # Right after the catalog is written, before any recommendation: health loads it (it said null).
    seeded = json.loads(load_event("put_items.json")["body"])["items"]
    assert (health["status"], health["catalog_items"], health["catalog_version"]) == ("ok", len(seeded), 1)
    document = body(invoke(RECOMMEND, load_event("get_openapi.json")))
    from tests.integration.conftest import TEMPLATE

    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    routes = {(r.method, r.path) for r in TEMPLATE.routes} - {
        ("GET", "/v1/openapi.json"),
        ("GET", "/v1/docs"),
        ("GET", "/v1/docs/{asset}"),
        ("GET", "/console"),
        ("GET", "/console/{asset}"),
    }
    assert documented == routes
    docs = invoke(RECOMMEND, http_event("GET", "/v1/docs"))
    assert docs["statusCode"] == 200
    assert "swagger" in docs["body"].lower()


@pytest.mark.parametrize(
    ("function", "event", "status"),
    [
        (RECOMMEND, http_event("GET", "/v1/users/..%2F..%2Fetc/profile"), 422),
        (RECOMMEND, http_event("GET", "/v1/users/a%00b/recommendations"), 422),
        (RECOMMEND, http_event("GET", "/v1/users/u-1/recommendations", query="limit=0"), 422),
        (RECOMMEND, http_event("GET", "/v1/users/u-1/recommendations", query="limit=101"), 422),
        (RECOMMEND, http_event("GET", "/v1/users/u-1/recommendations", query="limit=true"), 422),
        (RECOMMEND, http_event("GET", "/v1/nowhere"), 404),
        (INGEST, http_event("POST", "/v1/events", "{not json"), 400),
        (INGEST, http_event("POST", "/v1/events", "[]"), 422),
        (INGEST, http_event("POST", "/v1/events", None), 422),
        (INGEST, http_event("POST", "/v1/events", {"events": []}), 422),
        (INGEST, http_event("POST", "/v1/events", "a=b", headers={"content-type": "text/plain"}), 415),
        (INGEST, http_event("PUT", "/v1/items", {"items": [{"item_id": "x", "title": "t"}]}), 422),
        (PROFILE, http_event("DELETE", "/v1/users/%2e%2e"), 422),
    ],
)
def test_bad_input_gets_a_json_4xx_and_stores_nothing(aws: Aws, invoke, function, event, status):
    response = invoke(function, event)
    assert response["statusCode"] == status
    error = body(response)["error"]
    assert error["code"]
    assert "Traceback" not in response["body"]
    assert aws.drain("ProfileUpdateQueue") == []  # no event queued (the events table is written only after)
    assert aws.scan("CatalogTable") == []


def test_oversized_batch_is_rejected(aws: Aws, invoke):
    events = [
        {
            "event_id": f"e{i}",
            "user_id": "u-1",
            "item_id": "t",
            "type": "like",
            "timestamp": "2026-11-20T10:00:00Z",
        }
        for i in range(501)
    ]
    response = invoke(INGEST, http_event("POST", "/v1/events", {"events": events}))
    assert response["statusCode"] == 422
    assert aws.drain("ProfileUpdateQueue") == []  # not even the first 500


def test_enqueue_failure_is_a_503_and_the_retry_loses_nothing(aws: Aws, invoke, monkeypatch):
    """SQS down: nothing was accepted, so the client's retry is accepted in full and nothing is lost."""
    event = load_event("post_events.json")
    sent = json.loads(event["body"])["events"]
    sqs = clients.sqs()

    def refuse(**kwargs: Any) -> None:
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "SendMessageBatch")

    sqs.meta.events.register("before-call.sqs.SendMessageBatch", refuse, unique_id="sqs-down")
    failed = invoke(INGEST, event)
    assert failed["statusCode"] == 503
    assert body(failed)["error"]["code"] == "unavailable"
    sqs.meta.events.unregister("before-call.sqs.SendMessageBatch", unique_id="sqs-down")

    retried = body(invoke(INGEST, event))
    assert retried == {"accepted": len(sent), "duplicates": 0}
    queued = [ProfileUpdateMessage.model_validate_json(r["body"]) for r in aws.drain("ProfileUpdateQueue")]
    assert sorted(e.event_id for m in queued for e in m.events) == sorted(e["event_id"] for e in sent)


def test_a_recommend_container_loads_the_catalog_from_its_snapshot(aws: Aws, invoke, monkeypatch):
    seed_catalog(invoke)
    scheduled = load_event("catalog_snapshot_scheduled.json")
    published = invoke("CatalogSnapshotFunction", scheduled)
    items = json.loads(load_event("put_items.json")["body"])["items"]
    assert published == {"published": True, "version": 1, "items": len(items), "reason": "missing"}
    assert invoke("CatalogSnapshotFunction", scheduled)["published"] is False  # nothing changed since

    def no_scan(self: DynamoCatalogStore) -> None:
        raise AssertionError("the catalog table was scanned")

    monkeypatch.setattr(DynamoCatalogStore, "load_all", no_scan)
    response = invoke(RECOMMEND, http_event("GET", "/v1/users/nobody/recommendations", query="limit=10"))
    assert response["statusCode"] == 200
    assert body(response)["catalog_version"] == 1
    assert {i["item_id"] for i in body(response)["items"]} == {i["item_id"] for i in items}


def test_every_handler_serves_its_routes_and_queue_from_overridden_dependencies(
    aws: Aws, invoke, handler_module
):
    """What tests and tools use instead of AWS: `overridden` reaches the HTTP routes (Powertools' Depends)
    and the queue paths (`resolve`), and only within its block."""
    events, profiles, catalog, queue = (
        MemoryEventStore(),
        MemoryProfileStore(),
        MemoryCatalogStore(),
        MemoryQueue(),
    )
    ingest, profile = handler_module(INGEST), handler_module(PROFILE)
    ingest_deps = replace(ingest.dependencies(), events=events, catalog=catalog, queue=queue)
    profile_deps = replace(
        profile.dependencies(), events=events, profiles=profiles, catalog=catalog, follow_up=queue
    )
    erased_user = load_event("delete_user.json")["pathParameters"]["user_id"]
    with (
        overridden(ingest.app, ingest.dependencies, ingest_deps),
        overridden(profile.app, profile.dependencies, profile_deps),
    ):
        assert invoke(INGEST, load_event("put_items.json"))["statusCode"] == 200
        assert invoke(INGEST, load_event("post_events.json"))["statusCode"] == 202
        assert len(invoke(INGEST, load_event("sqs_ingest.json"))["batchItemFailures"]) == 1  # the poison
        records = [{"messageId": f"m{i}", "body": m} for i, m in enumerate(queue.messages)]
        assert invoke(PROFILE, {"Records": records}) == {"batchItemFailures": []}
        assert {user for user, _ in events.rows} == {erased_user, "u-bob", "u-carol"}
        erased = invoke(PROFILE, load_event("delete_user.json"))
        assert body(erased)["profile_deleted"] is True
    assert {user for user, _ in events.rows} == {"u-bob", "u-carol"}
    assert [ErasureFollowUp.model_validate_json(m).user_id for _, m in queue.delayed] == [erased_user]
    assert len(catalog.records) == len(json.loads(load_event("put_items.json")["body"])["items"])
    for table in ("EventsTable", "ProfilesTable", "CatalogTable"):
        assert aws.scan(table) == [], table
    assert aws.drain("ProfileUpdateQueue") == []
    # Out of the block, the functions are back on their own stores.
    assert body(invoke(INGEST, load_event("post_events.json")))["accepted"] > 0
    assert aws.drain("ProfileUpdateQueue")


def test_the_scheduled_functions_run_on_overridden_dependencies(aws: Aws, invoke, handler_module):
    train, snapshot = handler_module("TrainFunction"), handler_module("CatalogSnapshotFunction")
    source = MemoryEventStore()
    now = clock.now_ms()
    plays = [
        StoredEvent(
            event_id=f"e-{item}",
            user_id="u-1",
            item_id=item,
            type=EventType.PLAY,
            timestamp=now,
            ms_played=200_000,
            ingested_at=now,
        )
        for item in "abc"
    ]
    source.put_applied(plays, now // 1000 + 3_600)
    table = MemoryCatalogStore()
    table.upsert(ItemBatch.model_validate_json(load_event("put_items.json")["body"]).items, 0)
    train_deps = replace(train.dependencies(), source=source)
    snapshot_deps = replace(snapshot.dependencies(), table=table)
    with (
        overridden(train.overrides, train.dependencies, train_deps),
        overridden(snapshot.overrides, snapshot.dependencies, snapshot_deps),
    ):
        trained = invoke("TrainFunction", load_event("train_scheduled.json"))
        assert trained["reason"].startswith("3 interactions")  # the real table holds none
        published = invoke("CatalogSnapshotFunction", load_event("catalog_snapshot_scheduled.json"))
        assert (published["published"], published["items"]) == (True, len(table.records))
    assert invoke("TrainFunction", load_event("train_scheduled.json"))["reason"].startswith("0 interactions")
