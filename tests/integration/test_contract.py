"""The OpenAPI document is the contract: a body its schema accepts, the handler accepts; one it refuses, the
handler refuses with 422. Checked at each bound the server enforces, on it and just past it, with an
independent JSON Schema validator (jsonschema) reading the committed document. And the document itself:
body errors only where there is a body; the embedding length the deployment's; API Gateway's own bodies."""

import json
from importlib import resources
from typing import Any

import numpy as np
import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from jsonschema import Draft202012Validator

from mixtape.models.catalog import FLOAT32_MAX, FLOAT32_ROUNDS_TO_ZERO
from mixtape.models.events import MIN_TIMESTAMP_MS
from mixtape.storage import clients
from tests.helpers import http_event
from tests.integration.test_access import ALICE, INGEST, RECOMMEND, play
from tests.integration.test_bad_input import drop, good_event, good_item

DOCUMENT: dict[str, Any] = json.loads(resources.files("mixtape.api").joinpath("openapi.json").read_text())
DIM = 32  # template.yaml's EmbeddingDim, which the committed document states
ABOVE_MAX = float(np.nextafter(FLOAT32_MAX, np.inf))
JUST_NONZERO = float(np.nextafter(FLOAT32_ROUNDS_TO_ZERO, 1.0))


def schema_accepts(path: str, method: str, payload: Any) -> bool:
    ref = DOCUMENT["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    validator = Draft202012Validator({"$ref": ref, "components": DOCUMENT["components"]})
    return validator.is_valid(payload)


EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("timestamp at 2000-01-01", good_event(timestamp=MIN_TIMESTAMP_MS)),
    ("timestamp 1 ms before 2000", good_event(timestamp=MIN_TIMESTAMP_MS - 1)),
    ("timestamp written in 2000", good_event(timestamp="2000-01-01T00:00:00Z")),
    ("timestamp written in 1999", good_event(timestamp="1999-12-31T23:59:59.999Z")),
    ("timestamp with an offset and a fraction", good_event(timestamp="2026-11-20T10:00:00.123456789+05:30")),
    ("timestamp without an offset", good_event(timestamp="2026-11-20T10:00:00")),
    ("timestamp a date", good_event(timestamp="2026-11-20")),
    ("timestamp lower-case separators", good_event(timestamp="2026-11-20t10:00:00z")),
    ("timestamp an integer written 1.5e12", good_event(timestamp=1.5e12)),
    ("timestamp with a fraction of a ms", good_event(timestamp=1.5e12 + 0.5)),
    ("ms_played 0", good_event(ms_played=0)),
    ("ms_played -1", good_event(ms_played=-1)),
    ("ms_played a day", good_event(ms_played=86_400_000)),
    ("ms_played a day and 1 ms", good_event(ms_played=86_400_001)),
    ("ms_played 1000.0", good_event(ms_played=1000.0)),
    ("play without ms_played", drop(good_event(), "ms_played")),
    ("play with ms_played null", good_event(ms_played=None)),
    ("skip without ms_played", drop(good_event(type="skip"), "ms_played")),
    ("like without ms_played", drop(good_event(type="like"), "ms_played")),
    ("play counted twice", good_event(count=2)),
    ("like counted twice", drop(good_event(type="like", count=2), "ms_played")),
    ("like counted once", drop(good_event(type="like", count=1), "ms_played")),
    ("count 1000000", good_event(count=1_000_000)),
    ("count 1000001", good_event(count=1_000_001)),
    ("user_id 128 characters", good_event(user_id="u" * 128)),
    ("user_id 129 characters", good_event(user_id="u" * 129)),
    ("user_id with a slash", good_event(user_id="u/1")),
    ("context.source 64 characters", good_event(context={"source": "s" * 64})),
    ("context.utc_offset_minutes 60.0", good_event(context={"utc_offset_minutes": 60.0})),
    ("context.utc_offset_minutes 60.5", good_event(context={"utc_offset_minutes": 60.5})),
    ("context.source blank", good_event(context={"source": "\u2028"})),
    ("context.source 65 characters", good_event(context={"source": "s" * 65})),
]

ITEMS: list[tuple[str, dict[str, Any]]] = [
    ("embedding of EMBEDDING_DIM", good_item(embedding=[1.0] * DIM)),
    ("embedding one short", good_item(embedding=[1.0] * (DIM - 1))),
    ("embedding one long", good_item(embedding=[1.0] * (DIM + 1))),
    ("embedding at float32's bounds", good_item(embedding=[FLOAT32_MAX, -FLOAT32_MAX] + [0.0] * (DIM - 2))),
    ("embedding past float32's bound", good_item(embedding=[ABOVE_MAX] + [1.0] * (DIM - 1))),
    ("embedding all zeros", good_item(embedding=[0.0] * DIM)),
    ("embedding zero as float32", good_item(embedding=[FLOAT32_ROUNDS_TO_ZERO] * DIM)),
    ("embedding just non-zero as float32", good_item(embedding=[JUST_NONZERO] + [0.0] * (DIM - 1))),
    ("release_date a leap day", good_item(release_date="2024-02-29")),
    ("release_date a number", good_item(release_date=0)),
    ("release_date in year 1000", good_item(release_date="1000-01-01")),
    ("release_date in year 0", good_item(release_date="0000-01-01")),
    ("release_date a midnight date-time", good_item(release_date="2024-01-01T00:00:00")),
    ("duration_ms 1", good_item(duration_ms=1)),
    ("duration_ms 0", good_item(duration_ms=0)),
    ("duration_ms 2.0", good_item(duration_ms=2.0)),
    ("duration_ms 2.5", good_item(duration_ms=2.5)),
    ("title blank", good_item(title=" \u3000\x85")),
    ("title padded", good_item(title=" \x85T ")),
    ("genre blank", good_item(genres=["\xa0 "])),
    ("genre with a control character", good_item(genres=["a\x07"])),
    ("20 genres", good_item(genres=[f"g{i}" for i in range(20)])),
    ("21 genres", good_item(genres=[f"g{i}" for i in range(21)])),
]


@pytest.mark.parametrize(
    ("path", "method", "wrap", "cases"),
    [("/v1/events", "post", "events", EVENTS), ("/v1/items", "put", "items", ITEMS)],
    ids=["events", "items"],
)
def test_the_server_takes_exactly_the_bodies_the_schema_takes(
    invoke, path: str, method: str, wrap: str, cases: list[tuple[str, dict[str, Any]]]
):
    """One handler, every case in turn (acceptance depends on the body alone: nothing stored matters)."""
    ok = 202 if wrap == "events" else 200
    answers = {}
    for name, entry in cases:
        payload = {wrap: [entry]}
        expected = ok if schema_accepts(path, method, payload) else 422
        answers[name] = (invoke(INGEST, http_event(method.upper(), path, payload))["statusCode"], expected)
    assert {name: got for name, (got, want) in answers.items() if got != want} == {}


def test_both_sides_of_every_bound_are_covered():
    """Each list holds accepted and refused bodies: one the schema takes whole would prove nothing."""
    for path, method, wrap, cases in (
        ("/v1/events", "post", "events", EVENTS),
        ("/v1/items", "put", "items", ITEMS),
    ):
        verdicts = [schema_accepts(path, method, {wrap: [body]}) for _, body in cases]
        assert 0.3 < sum(verdicts) / len(verdicts) < 0.7


def test_body_errors_are_documented_on_body_routes_only():
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            body_errors = {"400", "413", "415"} & set(operation["responses"])
            assert body_errors == ({"400", "413", "415"} if "requestBody" in operation else set()), (
                method,
                path,
            )


def test_gateway_answers_are_documented_where_api_gateway_gives_them():
    """401/403 (the JWT authorizer) and 404 (no route) may be API Gateway's `{"message": ...}`."""
    either = {"$ref": "#/components/schemas/GatewayOrErrorResponse"}
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "403", "404"):
                if status in operation["responses"]:
                    content = operation["responses"][status]["content"]["application/json"]
                    assert content["schema"] == either, (method, path, status)
    gateway = DOCUMENT["components"]["schemas"]["GatewayErrorResponse"]
    assert Draft202012Validator(gateway).is_valid({"message": "Unauthorized"})


def test_the_served_document_states_the_deployments_embedding_length(
    invoke, handler_module, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("EMBEDDING_DIM", "48")
    module = handler_module(RECOMMEND)
    module._openapi_json.cache_clear()
    try:
        reply = invoke(RECOMMEND, http_event("GET", "/v1/openapi.json", claims=None))
    finally:
        module._openapi_json.cache_clear()
    served = json.loads(reply["body"])
    embedding = served["components"]["schemas"]["CatalogItem"]["properties"]["embedding"]["anyOf"][0]
    assert (embedding["minItems"], embedding["maxItems"]) == (48, 48)
    committed = DOCUMENT["components"]["schemas"]["CatalogItem"]["properties"]["embedding"]["anyOf"][0]
    assert (committed["minItems"], committed["maxItems"]) == (DIM, DIM)


@pytest.mark.parametrize(
    ("function", "request_event", "operation"),
    [
        (INGEST, http_event("POST", "/v1/events", {"events": [play(ALICE, 1)]}), "BatchGetItem"),
        (RECOMMEND, http_event("GET", f"/v1/users/{ALICE}/profile"), "GetItem"),
    ],
    ids=["ingest", "profile"],
)
@pytest.mark.parametrize(
    "fault",
    [
        ReadTimeoutError(endpoint_url="http://dynamodb"),
        EndpointConnectionError(endpoint_url="http://dynamodb"),
    ],
    ids=["read timeout", "unreachable"],
)
def test_a_dependency_that_times_out_through_every_retry_is_the_documented_503(
    invoke, function: str, request_event: dict[str, Any], operation: str, fault: Exception
):
    """What `make fuzz` found on a loaded machine: botocore's transport errors are no ClientError, so no
    storage adapter maps them; they were 500s. The document promises 503 `unavailable`, safe to retry."""
    calls = []

    def fail(**_: Any) -> None:
        calls.append(1)
        raise fault

    events = clients.dynamodb().meta.events
    events.register(f"before-send.dynamodb.{operation}", fail, unique_id="contract-fault")
    try:
        reply = invoke(function, request_event)
    finally:
        events.unregister(f"before-send.dynamodb.{operation}", unique_id="contract-fault")
    assert reply["statusCode"] == 503
    assert json.loads(reply["body"])["error"]["code"] == "unavailable"
    method, path = request_event["routeKey"].split(" ")
    assert "503" in DOCUMENT["paths"][path][method.lower()]["responses"]
    assert len(calls) > 1  # botocore retried before giving up
