"""Issue 15's abuse attacks through the handlers, under moto: one listener's plays cannot make an item
popular for everyone, and an embedding that is not finite (or is zero) as float32 is refused."""

import json
import time
from typing import Any

import pytest

from mixtape.storage.dynamo.catalog import DynamoCatalogStore
from tests.helpers import body, http_event, listener_claims, load_event
from tests.integration.conftest import Aws

INGEST, PROFILE = "IngestFunction", "ProfileUpdateFunction"


def play(event_id: str, user_id: str, item_id: str, ts: int, count: int = 1) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "user_id": user_id,
        "item_id": item_id,
        "type": "play",
        "timestamp": ts,
        "ms_played": 200_000,
        "count": count,
    }


def post_as(invoke: Any, user_id: str, events: list[dict[str, Any]]) -> None:
    response = invoke(
        INGEST, http_event("POST", "/v1/events", {"events": events}, claims=listener_claims(user_id))
    )
    assert response["statusCode"] == 202, response


def popularity(aws: Aws) -> dict[str, dict[int, float]]:
    _, records = DynamoCatalogStore(aws.table("CatalogTable")).load_all()
    return {r.item_id: dict(r.popularity) for r in records}


def test_one_listeners_million_plays_count_as_one_listener(aws: Aws, invoke):
    assert invoke(INGEST, load_event("put_items.json"))["statusCode"] == 200
    items = [i["item_id"] for i in json.loads(load_event("put_items.json")["body"])["items"]]
    hit, other = items[0], items[1]
    ts = int(time.time() * 1000) - 60_000
    post_as(invoke, "u-attacker", [play("big", "u-attacker", hit, ts, count=1_000_000)])
    for n in range(3):  # and more plays of the same item, in further posts and deliveries
        post_as(invoke, "u-attacker", [play(f"more-{n}-{i}", "u-attacker", hit, ts) for i in range(20)])
        assert invoke(PROFILE, {"Records": aws.drain("ProfileUpdateQueue")})["batchItemFailures"] == []
    post_as(invoke, "u-fan", [play("f1", "u-fan", hit, ts), play("f2", "u-fan", other, ts)])
    assert invoke(PROFILE, {"Records": aws.drain("ProfileUpdateQueue")})["batchItemFailures"] == []

    buckets = popularity(aws)
    (one_listener,) = buckets[other].values()
    (two_listeners,) = buckets[hit].values()
    assert two_listeners == pytest.approx(2 * one_listener)  # the attacker and the fan, once each


@pytest.mark.parametrize("embedding", [1e39, 0.0])
def test_an_embedding_not_finite_or_zero_as_float32_is_a_422_and_nothing_is_stored(
    aws: Aws, invoke, embedding: float
):
    sample = json.loads(load_event("put_items.json")["body"])["items"][0]
    item = {**sample, "embedding": [embedding] * len(sample["embedding"])}
    response = invoke(INGEST, http_event("PUT", "/v1/items", {"items": [sample, item]}))
    assert response["statusCode"] == 422
    fields = [f["field"] for f in body(response)["error"]["fields"]]
    # Beyond float32 each value is named at its element; all zeros is a fault of the whole vector.
    expected = (
        ["items[1].embedding"]
        if embedding == 0.0
        else [f"items[1].embedding[{i}]" for i in range(len(fields))]
    )
    assert fields
    assert fields == expected
    assert aws.scan("CatalogTable") == []
