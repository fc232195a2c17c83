"""End to end over HTTP against the local stack: the API, the SQS pollers, redrive, erasure."""

import json
import time
import uuid
from typing import Any

import requests

from tests.e2e.conftest import LocalStack, wait_for
from tests.races import race_increments


def new_user() -> str:
    return f"u-e2e-{uuid.uuid4().hex[:10]}"


def post_events(stack: LocalStack, events: list[dict[str, Any]]) -> requests.Response:
    return stack.api.post(f"{stack.base_url}/v1/events", json={"events": events}, timeout=10)


def play(user_id: str, item_id: str, event_id: str | None = None, kind: str = "play") -> dict[str, Any]:
    event = {
        "event_id": event_id or uuid.uuid4().hex,
        "user_id": user_id,
        "item_id": item_id,
        "type": kind,
        "timestamp": int(time.time() * 1000) - 60_000,
    }
    if kind in {"play", "skip"}:
        event["ms_played"] = 180_000
    return event


def profile(stack: LocalStack, user_id: str) -> dict[str, Any] | None:
    response = stack.api.get(f"{stack.base_url}/v1/users/{user_id}/profile", timeout=10)
    return response.json() if response.status_code == 200 else None


def profile_with_plays(stack: LocalStack, user_id: str, plays: int) -> dict[str, Any] | None:
    seen = profile(stack, user_id)
    return seen if seen is not None and seen["counts"].get("play") == plays else None


def recommendations(stack: LocalStack, user_id: str, query: str = "limit=10") -> dict[str, Any]:
    response = stack.api.get(f"{stack.base_url}/v1/users/{user_id}/recommendations?{query}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def stored_events(stack: LocalStack, user_id: str) -> int:
    """How many raw events the events table holds for a listener."""
    result = stack.dynamodb().query(
        TableName=stack.table_names["EventsTable"],
        KeyConditionExpression="user_id = :u",
        ExpressionAttributeValues={":u": {"S": user_id}},
        Select="COUNT",
    )
    return int(result["Count"])


def catalog_sample(stack: LocalStack) -> list[dict[str, Any]]:
    items = recommendations(stack, new_user(), "limit=100")["items"]
    assert items, "the demo catalog should be seeded"
    return items


def test_events_change_profile_and_recommendations_within_seconds(local_stack: LocalStack):
    user = new_user()
    cold = recommendations(local_stack, user)
    assert cold["cold_start"] is True
    items = catalog_sample(local_stack)
    artist = items[0]["artist_id"]
    of_artist = [i["item_id"] for i in items if i["artist_id"] == artist]
    response = post_events(local_stack, [play(user, of_artist[0]), play(user, of_artist[0], kind="like")])
    assert response.status_code == 202
    assert response.json() == {"accepted": 2, "duplicates": 0}

    seen = wait_for(lambda: profile(local_stack, user))  # freshness itself is measured by `make measure`
    assert seen["top_artists"][0]["artist_id"] == artist
    assert seen["counts"] == {"play": 1, "like": 1}
    warm = recommendations(local_stack, user)
    assert warm["cold_start"] is False
    assert of_artist[0] not in [i["item_id"] for i in warm["items"]]
    assert all(i["reason"] for i in warm["items"])


def test_a_duplicate_batch_is_counted_once(local_stack: LocalStack):
    user = new_user()
    item = catalog_sample(local_stack)[0]["item_id"]
    batch = [play(user, item, "dup-1"), play(user, item, "dup-2")]
    assert post_events(local_stack, batch).json() == {"accepted": 2, "duplicates": 0}
    # Still in flight: queued again, applied once. Already applied: known. Both events are logged by one
    # request, so the resend finds both or neither.
    resent = post_events(local_stack, batch).json()
    assert resent in ({"accepted": 2, "duplicates": 0}, {"accepted": 0, "duplicates": 2})
    wait_for(lambda: local_stack.queue_drained("ProfileUpdateQueue"))  # every copy handled for good
    final = profile(local_stack, user)
    assert final is not None
    assert (final["counts"], final["version"]) == ({"play": 2}, 1)  # one commit: the copy applied nothing
    assert stored_events(local_stack, user) == 2
    assert post_events(local_stack, batch).json() == {"accepted": 0, "duplicates": 2}  # applied: known


def dead_letters(stack: LocalStack, dlq_id: str) -> list[str]:
    """The bodies waiting in a dead-letter queue (left there for the next look)."""
    received = stack.sqs().receive_message(
        QueueUrl=stack.queue_urls[dlq_id], MaxNumberOfMessages=10, VisibilityTimeout=0
    )
    return [m["Body"] for m in received.get("Messages", [])]


def test_poison_message_lands_in_the_dlq_and_its_neighbours_apply_once(local_stack: LocalStack):
    user = new_user()
    item = catalog_sample(local_stack)[0]["item_id"]
    marker = uuid.uuid4().hex
    local_stack.sqs().send_message_batch(
        QueueUrl=local_stack.queue_urls["IngestQueue"],
        Entries=[
            {"Id": "good1", "MessageBody": json.dumps({"events": [play(user, item, "q-1")]})},
            {
                "Id": "poison",
                "MessageBody": json.dumps({"events": [{"event_id": marker, "type": "teleport"}]}),
            },
            {"Id": "good2", "MessageBody": json.dumps(play(user, item, "q-2"))},
        ],
    )
    wait_for(lambda: any(marker in b for b in dead_letters(local_stack, "IngestDeadLetterQueue")), timeout=30)
    wait_for(lambda: local_stack.queue_drained("IngestQueue"))
    wait_for(lambda: local_stack.queue_drained("ProfileUpdateQueue"))
    assert not [b for b in dead_letters(local_stack, "IngestDeadLetterQueue") if user in b]  # failed alone
    final = profile(local_stack, user)
    assert final is not None
    assert final["counts"] == {"play": 2}  # each good record applied once
    assert stored_events(local_stack, user) == 2


def test_a_poison_profile_update_lands_in_its_dlq_and_the_batch_it_came_in_applies(local_stack: LocalStack):
    """The profile updater reports only the poison record in batchItemFailures: it alone is redelivered,
    until the redrive policy moves it to the DLQ; a batch failed whole would take its neighbours along."""
    user = new_user()
    item = catalog_sample(local_stack)[0]["item_id"]
    marker = uuid.uuid4().hex
    event = {**play(user, item, "pu-1"), "ingested_at": int(time.time() * 1000)}
    local_stack.sqs().send_message_batch(
        QueueUrl=local_stack.queue_urls["ProfileUpdateQueue"],
        Entries=[
            {"Id": "poison", "MessageBody": json.dumps({"user_id": user, "events": marker})},
            {"Id": "good", "MessageBody": json.dumps({"user_id": user, "events": [event]})},
        ],
    )
    dlq = "ProfileUpdateDeadLetterQueue"
    wait_for(lambda: any(marker in b for b in dead_letters(local_stack, dlq)), timeout=30)
    wait_for(lambda: local_stack.queue_drained("ProfileUpdateQueue"))
    assert [b for b in dead_letters(local_stack, dlq) if user in b] == [
        json.dumps({"user_id": user, "events": marker})
    ]
    final = profile(local_stack, user)
    assert final is not None
    assert (final["counts"], final["version"]) == ({"play": 1}, 1)
    assert stored_events(local_stack, user) == 1


def test_delete_erases_the_user(local_stack: LocalStack):
    user = new_user()
    item = catalog_sample(local_stack)[0]["item_id"]
    post_events(local_stack, [play(user, item)])
    wait_for(lambda: stored_events(local_stack, user) == 1 or None)  # applied, then logged
    response = local_stack.api.delete(f"{local_stack.base_url}/v1/users/{user}", timeout=10)
    assert response.status_code == 200
    assert response.json()["deleted_events"] == 1
    assert (
        local_stack.api.get(f"{local_stack.base_url}/v1/users/{user}/profile", timeout=10).status_code == 404
    )
    assert recommendations(local_stack, user)["cold_start"] is True
    assert stored_events(local_stack, user) == 0


def test_bad_inputs_get_json_4xx_and_store_nothing(local_stack: LocalStack):
    user = new_user()
    base, api = local_stack.base_url, local_stack.api
    cases = [
        api.post(f"{base}/v1/events", data="{oops", headers={"content-type": "application/json"}, timeout=10),
        post_events(local_stack, [{**play(user, "trk-0001"), "timestamp": True}]),
        post_events(local_stack, [{**play(user, "trk-0001"), "type": "teleport"}]),
        post_events(local_stack, [play(user, "trk-0001")] * 501),
        api.get(f"{base}/v1/users/..%2F..%2Fetc/profile", timeout=10),
        api.get(f"{base}/v1/users/{user}%00/recommendations", timeout=10),
        api.get(f"{base}/v1/users/{user}/recommendations?limit=500", timeout=10),
        api.put(f"{base}/v1/items", json={"items": [{"item_id": "x"}]}, timeout=10),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, (response.request.url, response.status_code, response.text)
        assert response.json()["error"]["code"]
    # A request no route takes never reaches Mixtape: API Gateway's own 404, whatever the method.
    for method in ("GET", "POST", "TRACE"):
        response = api.request(method, f"{base}/v1/no/such/route", timeout=10)
        assert (response.status_code, response.json()) == (404, {"message": "Not Found"}), method
    # Events reach the profile and the events table only through the queue: once it has drained, anything
    # a rejected request had let through would show.
    wait_for(lambda: local_stack.queue_drained("ProfileUpdateQueue"))
    assert profile(local_stack, user) is None
    assert stored_events(local_stack, user) == 0


def test_openapi_and_docs_are_served_without_a_token(local_stack: LocalStack):
    document = requests.get(f"{local_stack.base_url}/v1/openapi.json", timeout=10).json()
    assert "/v1/events" in document["paths"]
    docs = requests.get(f"{local_stack.base_url}/v1/docs", timeout=10)
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")


def test_the_served_moto_checks_and_writes_each_conditional_write_atomically(local_stack: LocalStack):
    # local.moto_wsgi: moto's threaded server alone lets racing writers pass one version check
    table = local_stack.table_names["ProfilesTable"]
    race = race_increments(local_stack.dynamodb(), table, {"user_id": {"S": new_user()}}, 6, 30)
    assert race.errors == []
    assert race.final == 6 * 30
    assert race.conflicts  # the writers did race: the check turned some of them back
