"""Access control through the handlers, under moto tables and queues built from the template: no identity
is 401, a listener token on another listener is 403 and changes nothing (tables and queues compared before
and after), a service token acts for anyone; the export; erasure of an unknown listener; no-store."""

import json
from typing import Any

import pytest

from mixtape.models.event_type import EventType
from mixtape.models.events import StoredEvent
from mixtape.storage.dynamo.events import DynamoEventStore
from mixtape.storage.memory import MemoryEventStore
from mixtape.storage.ports import EventStore
from tests.helpers import SERVICE_CLAIMS, body, http_event, listener_claims, load_event
from tests.integration.conftest import Aws

INGEST, PROFILE, RECOMMEND = "IngestFunction", "ProfileUpdateFunction", "RecommendFunction"
ALICE, BOB = "u-alice", "u-bob"
TABLES = ("EventsTable", "ProfilesTable", "CatalogTable")
QUEUES = ("ProfileUpdateQueue", "IngestQueue")
QUEUE_COUNTS = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
]


def item_ids() -> list[str]:
    return [i["item_id"] for i in json.loads(load_event("put_items.json")["body"])["items"]]


def play(user_id: str, n: int) -> dict[str, Any]:
    return {
        "event_id": f"{user_id}-{n}",
        "user_id": user_id,
        "item_id": item_ids()[n % len(item_ids())],
        "type": "play",
        "ms_played": 120_000,
        "timestamp": "2026-11-20T10:00:00Z",
    }


def state(aws: Aws) -> dict[str, Any]:
    """Everything a request could have written: every table's items, every queue's message counts."""
    tables = {t: sorted(aws.scan(t), key=repr) for t in TABLES}
    queues = {
        q: aws.sqs.get_queue_attributes(QueueUrl=aws.queue(q), AttributeNames=QUEUE_COUNTS)["Attributes"]
        for q in QUEUES
    }
    return {"tables": tables, "queues": queues}


def with_data(aws: Aws, invoke: Any, *users: str) -> None:
    """The catalog, and each listener's three plays applied and logged (by a service token)."""
    assert invoke(INGEST, load_event("put_items.json"))["statusCode"] == 200
    events = [play(user, n) for user in users for n in range(3)]
    assert invoke(INGEST, http_event("POST", "/v1/events", {"events": events}))["statusCode"] == 202
    assert invoke(PROFILE, {"Records": aws.drain("ProfileUpdateQueue")}) == {"batchItemFailures": []}


def requests_on(user_id: str, claims: dict[str, Any] | None) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every protected route, acting on `user_id`'s data, with `claims` (None: no authorizer context)."""
    return {
        "profile": (RECOMMEND, http_event("GET", f"/v1/users/{user_id}/profile", claims=claims)),
        "recommendations": (
            RECOMMEND,
            http_event("GET", f"/v1/users/{user_id}/recommendations", claims=claims),
        ),
        "export": (PROFILE, http_event("GET", f"/v1/users/{user_id}/export", claims=claims)),
        "erase": (PROFILE, http_event("DELETE", f"/v1/users/{user_id}", claims=claims)),
        "events": (
            INGEST,
            http_event("POST", "/v1/events", {"events": [play(user_id, 7)]}, claims=claims),
        ),
    }


def without_authorizer(event: dict[str, Any]) -> dict[str, Any]:
    del event["requestContext"]["authorizer"]
    return event


def assert_refused(response: dict[str, Any], status: int, code: str) -> None:
    assert response["statusCode"] == status, response.get("body")
    assert body(response)["error"]["code"] == code
    assert response["headers"]["Cache-Control"] == "no-store"


@pytest.mark.parametrize("route", list(requests_on(BOB, None)))
def test_a_listener_token_on_another_listener_is_403_and_changes_nothing(aws: Aws, invoke, route: str):
    with_data(aws, invoke, ALICE, BOB)
    function, event = requests_on(BOB, listener_claims(ALICE))[route]
    before = state(aws)
    assert_refused(invoke(function, event), 403, "forbidden")
    assert state(aws) == before


@pytest.mark.parametrize("route", [*requests_on(BOB, None), "similar", "items"])
def test_no_authorizer_context_is_401_and_changes_nothing(aws: Aws, invoke, route: str):
    with_data(aws, invoke, BOB)
    extra = {
        "similar": (RECOMMEND, http_event("GET", f"/v1/items/{item_ids()[0]}/similar", claims=None)),
        "items": (INGEST, without_authorizer(load_event("put_items.json"))),
    }
    function, event = {**requests_on(BOB, None), **extra}[route]
    before = state(aws)
    assert_refused(invoke(function, event), 401, "unauthorized")
    assert state(aws) == before


@pytest.mark.parametrize("route", list(requests_on(ALICE, None)))
def test_a_listener_token_without_the_routes_scope_is_403_on_its_own_data(aws: Aws, invoke, route: str):
    with_data(aws, invoke, ALICE)
    function, event = requests_on(ALICE, listener_claims(ALICE, scope="similar:nothing"))[route]
    before = state(aws)
    assert_refused(invoke(function, event), 403, "forbidden")
    assert state(aws) == before


def test_one_event_of_another_listener_refuses_the_batch_and_queues_nothing(aws: Aws, invoke):
    with_data(aws, invoke, ALICE)
    mixed = {"events": [play(ALICE, 10), play(ALICE, 11), play(BOB, 12)]}
    before = state(aws)
    assert_refused(
        invoke(INGEST, http_event("POST", "/v1/events", mixed, claims=listener_claims(ALICE))),
        403,
        "forbidden",
    )
    assert state(aws) == before


def test_catalog_writes_need_a_service_token(aws: Aws, invoke):
    with_data(aws, invoke, ALICE)
    items = json.loads(load_event("put_items.json")["body"])
    before = state(aws)
    listener = http_event("PUT", "/v1/items", items, claims=listener_claims(ALICE))
    assert_refused(invoke(INGEST, listener), 403, "forbidden")
    assert state(aws) == before
    assert invoke(INGEST, http_event("PUT", "/v1/items", items))["statusCode"] == 200


@pytest.mark.parametrize("claims", [listener_claims(ALICE), SERVICE_CLAIMS], ids=["own", "service"])
def test_a_listeners_own_token_and_a_service_token_act_on_the_listener(aws: Aws, invoke, claims):
    with_data(aws, invoke, ALICE)
    replies = {
        route: invoke(f, e) for route, (f, e) in requests_on(ALICE, claims).items() if route != "erase"
    }
    assert {route: r["statusCode"] for route, r in replies.items()} == {
        "profile": 200,
        "recommendations": 200,
        "export": 200,
        "events": 202,
    }
    for reply in replies.values():
        assert reply["headers"]["Cache-Control"] == "no-store"
    function, erase = requests_on(ALICE, claims)["erase"]
    erased = invoke(function, erase)
    assert erased["statusCode"] == 200
    assert erased["headers"]["Cache-Control"] == "no-store"


def test_the_export_holds_the_profile_the_logged_events_and_the_erasure_state(aws: Aws, invoke):
    with_data(aws, invoke, ALICE, BOB)
    export = http_event("GET", f"/v1/users/{ALICE}/export", claims=listener_claims(ALICE, "users:export"))
    reply = invoke(PROFILE, export)
    assert reply["statusCode"] == 200
    assert reply["headers"]["Cache-Control"] == "no-store"
    held = body(reply)
    assert held["user_id"] == ALICE
    assert held["erasure"] is None
    assert held["profile"]["counts"] == {"play": 3}
    assert set(held["profile"]["items"]) == {play(ALICE, n)["item_id"] for n in range(3)}
    assert [e["event_id"] for e in held["events"]] == [f"{ALICE}-{n}" for n in range(3)]  # not bob's
    assert {(e["type"], e["ms_played"], e["count"]) for e in held["events"]} == {("play", 120_000, 1)}
    assert all(e["expires_at"] > held["exported_at"] // 1000 for e in held["events"])

    assert invoke(PROFILE, http_event("DELETE", f"/v1/users/{ALICE}"))["statusCode"] == 200
    after = body(invoke(PROFILE, export))
    assert (after["profile"], after["events"]) == (None, [])
    assert after["erasure"]["erased_at"] >= held["exported_at"]


def test_the_export_pages_the_log_and_every_page_holds_the_profile(aws: Aws, invoke):
    with_data(aws, invoke, ALICE, BOB)
    path = f"/v1/users/{ALICE}/export"
    first = body(invoke(PROFILE, http_event("GET", path, query="limit=2")))
    assert [e["event_id"] for e in first["events"]] == [f"{ALICE}-0", f"{ALICE}-1"]
    assert first["next_after"] == f"{ALICE}-1"
    query = f"limit=2&after={first['next_after']}"
    second = body(invoke(PROFILE, http_event("GET", path, query=query)))
    assert ([e["event_id"] for e in second["events"]], second["next_after"]) == ([f"{ALICE}-2"], None)
    assert second["profile"] == first["profile"]
    assert body(invoke(PROFILE, http_event("GET", path)))["next_after"] is None  # one page of 1000
    assert invoke(PROFILE, http_event("GET", path, query="limit=0"))["statusCode"] == 422
    assert invoke(PROFILE, http_event("GET", path, query="limit=5001"))["statusCode"] == 422


def test_the_export_leaves_out_events_past_retention_and_erasure_deletes_them_too(aws: Aws, invoke):
    """TTL deletes expired entries lazily: past retention they are no longer exported, but while they are
    still stored the listener is not unknown, and erasure removes them."""
    with_data(aws, invoke, ALICE)
    log = DynamoEventStore(aws.table("EventsTable"))
    logged = log.user_events(ALICE).events[0].event
    assert log.put_applied([logged], expires_at_s=1) == []  # its retention ended long ago
    exported = body(invoke(PROFILE, http_event("GET", f"/v1/users/{ALICE}/export")))
    assert logged.event_id not in {e["event_id"] for e in exported["events"]}
    assert len(exported["events"]) == 2
    erased = invoke(PROFILE, http_event("DELETE", f"/v1/users/{ALICE}"))
    assert body(erased)["deleted_events"] == 3
    assert aws.scan("EventsTable") == []


def test_the_export_of_a_listener_never_seen_is_404(aws: Aws, invoke):
    assert_refused(invoke(PROFILE, http_event("GET", "/v1/users/u-nobody/export")), 404, "not_found")


def test_erasing_a_listener_never_seen_is_404_and_writes_nothing(aws: Aws, invoke):
    with_data(aws, invoke, ALICE)
    before = state(aws)
    assert_refused(invoke(PROFILE, http_event("DELETE", "/v1/users/u-nobody")), 404, "not_found")
    assert state(aws) == before  # no tombstone, no follow-up message


def test_erasing_twice_is_404_the_second_time_and_writes_nothing(aws: Aws, invoke):
    with_data(aws, invoke, ALICE)
    assert invoke(PROFILE, http_event("DELETE", f"/v1/users/{ALICE}"))["statusCode"] == 200
    before = state(aws)
    assert_refused(invoke(PROFILE, http_event("DELETE", f"/v1/users/{ALICE}")), 404, "not_found")
    assert state(aws) == before


def test_the_listener_sample_events(aws: Aws, invoke):
    with_data(aws, invoke, ALICE, BOB)
    own = invoke(RECOMMEND, load_event("get_profile_listener.json"))
    assert own["statusCode"] == 200
    assert body(own)["user_id"] == ALICE
    before = state(aws)
    assert_refused(invoke(PROFILE, load_event("delete_user_other_listener.json")), 403, "forbidden")
    assert state(aws) == before
    assert body(invoke(PROFILE, load_event("get_export.json")))["user_id"] == ALICE


@pytest.mark.parametrize("kind", ["dynamo", "memory"])
def test_the_event_log_pages_alike_in_dynamodb_and_in_memory(aws: Aws, kind: str):
    log: EventStore = DynamoEventStore(aws.table("EventsTable")) if kind == "dynamo" else MemoryEventStore()

    def logged(event_id: str, user_id: str = ALICE) -> StoredEvent:
        return StoredEvent(
            event_id=event_id,
            user_id=user_id,
            item_id="trk-1",
            type=EventType.LIKE,
            timestamp=1_795_000_000_000,
            ingested_at=1_795_000_000_000,
        )

    assert log.put_applied([logged(f"e{n}") for n in range(5)], expires_at_s=2_000) == []
    assert log.put_applied([logged("e5"), logged("e6")], expires_at_s=1_000) == []  # expire first
    assert log.put_applied([logged("b0", BOB)], expires_at_s=2_000) == []

    def ids(**kwargs: Any) -> tuple[list[str], str | None]:
        page = log.user_events(ALICE, **kwargs)
        return [e.event.event_id for e in page.events], page.next_after

    assert ids() == ([f"e{n}" for n in range(7)], None)
    assert ids(unexpired_at_s=1_500) == ([f"e{n}" for n in range(5)], None)
    assert ids(limit=3) == (["e0", "e1", "e2"], "e2")
    assert ids(limit=3, after="e2") == (["e3", "e4", "e5"], "e5")
    assert ids(limit=3, after="e2", unexpired_at_s=1_500)[0] == ["e3", "e4"]
    assert ids(after="e6") == ([], None)
    assert log.user_events("u-nobody", limit=1).events == []
