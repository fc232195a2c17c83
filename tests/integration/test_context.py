"""Context, exploration and experiments through the handlers: query parameters in, the variant in the body
and a header, events that echo the recommendation id attributed as EMF metrics by the profile updater."""

import json
from typing import Any

import pytest

from tests.helpers import body, http_event, load_event
from tests.integration.conftest import Aws

INGEST, PROFILE, RECOMMEND = "IngestFunction", "ProfileUpdateFunction", "RecommendFunction"
EXPERIMENT = {
    "name": "ranker",
    "variants": [
        {"name": "control", "share": 0.5},
        {"name": "bold", "share": 0.5, "ranking": {"artist": 1.5}},
    ],
}


def recommendations(invoke: Any, user_id: str, query: str) -> dict[str, Any]:
    response: dict[str, Any] = invoke(
        RECOMMEND, http_event("GET", f"/v1/users/{user_id}/recommendations", query=query)
    )
    return response


def emf_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


def test_context_parameters_shape_the_reply_and_the_variant_comes_back_twice(
    aws: Aws, invoke: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPERIMENTS", json.dumps([EXPERIMENT]))
    monkeypatch.setenv("RANKING_SURFACES", '{"radio": {"explore": 0.5}}')
    assert invoke(INGEST, load_event("put_items.json"))["statusCode"] == 200
    response = recommendations(invoke, "u-ctx", "limit=4&surface=radio&device=tv&local_time=08:30")
    assert response["statusCode"] == 200
    reply = body(response)
    assert reply["context"] == {
        "surface": "radio",
        "device": "tv",
        "daypart": "morning",
        "explore": 0.5,
        "activity": None,  # no profile yet: no activity level
    }
    (assigned,) = reply["experiments"]
    assert assigned["experiment"] == "ranker"
    assert response["headers"]["X-Mixtape-Variant"] == f"ranker={assigned['variant']}"
    assert reply["recommendation_id"].endswith(f"~ranker:{assigned['variant']}")
    again = body(recommendations(invoke, "u-ctx", "limit=4&surface=radio&explore=0"))
    assert again["experiments"] == reply["experiments"]  # bucketing is stable
    assert again["context"]["explore"] == 0.0  # the request's own parameter wins over the surface preset
    assert again["recommendation_id"] != reply["recommendation_id"]  # one id per served list


@pytest.mark.parametrize(
    "query",
    ["local_time=8am", "local_time=24:00", "explore=1.5", "explore=-0.1", "surface=Home%20Page", "device="],
)
def test_bad_context_is_a_422_in_the_error_model(aws: Aws, invoke: Any, query: str) -> None:
    response = recommendations(invoke, "u-ctx", query)
    assert response["statusCode"] == 422
    assert body(response)["error"]["code"] == "validation_error"


def test_events_that_echo_a_recommendation_id_are_attributed_once(
    aws: Aws, invoke: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXPERIMENTS", json.dumps([EXPERIMENT]))
    assert invoke(INGEST, load_event("put_items.json"))["statusCode"] == 200
    reply = body(recommendations(invoke, "u-ab", "limit=2"))
    variant = reply["experiments"][0]["variant"]
    picks = [item["item_id"] for item in reply["items"]]
    context = {"recommendation_id": reply["recommendation_id"], "utc_offset_minutes": 60}
    events = [
        {"event_id": "ab-1", "user_id": "u-ab", "item_id": picks[0], "type": "play", "ms_played": 200_000,
         "timestamp": "2026-11-20T07:30:00Z", "context": context},
        {"event_id": "ab-2", "user_id": "u-ab", "item_id": picks[1], "type": "like",
         "timestamp": "2026-11-20T07:31:00Z", "context": context},
        {"event_id": "ab-3", "user_id": "u-ab", "item_id": picks[0], "type": "play", "ms_played": 200_000,
         "timestamp": "2026-11-20T07:32:00Z"},
    ]  # fmt: skip
    assert invoke(INGEST, http_event("POST", "/v1/events", {"events": events}))["statusCode"] == 202
    records = aws.drain("ProfileUpdateQueue")
    capsys.readouterr()
    assert invoke(PROFILE, {"Records": records})["batchItemFailures"] == []
    attributed = [m for m in emf_lines(capsys.readouterr().out) if "experiment" in m]
    assert sorted(
        (m["experiment"], m["variant"], next(k for k in m if k.startswith("Attributed"))) for m in attributed
    ) == [
        ("ranker", variant, "AttributedLike"),
        ("ranker", variant, "AttributedPlay"),
    ]
    assert all(m[k] == [1.0] for m in attributed for k in m if k.startswith("Attributed"))
    # The same records delivered again: already applied, so not attributed again.
    assert invoke(PROFILE, {"Records": records})["batchItemFailures"] == []
    assert [m for m in emf_lines(capsys.readouterr().out) if "experiment" in m] == []
    # The profile keeps the plays' local time of day (UTC+1: 08:30, the morning).
    export = body(invoke(PROFILE, http_event("GET", "/v1/users/u-ab/export")))
    assert set(export["profile"]["dayparts"]) == {"morning"}
    assert {(e["context"] or {}).get("recommendation_id") for e in export["events"]} == {
        reply["recommendation_id"],
        None,
    }


def test_a_malformed_recommendation_id_is_refused_and_nothing_is_queued(aws: Aws, invoke: Any) -> None:
    event = {"event_id": "bad-1", "user_id": "u-ab", "item_id": "x", "type": "like",
             "timestamp": "2026-11-20T07:30:00Z", "context": {"recommendation_id": "not-an-id"}}  # fmt: skip
    response = invoke(INGEST, http_event("POST", "/v1/events", {"events": [event]}))
    assert response["statusCode"] == 422
    assert body(response)["error"]["fields"][0]["field"] == "events[0].context.recommendation_id"
    assert aws.drain("ProfileUpdateQueue") == []


def test_the_openapi_document_types_the_context_and_the_variant_header(aws: Aws, invoke: Any) -> None:
    document = body(invoke(RECOMMEND, http_event("GET", "/v1/openapi.json", claims=None)))
    route = document["paths"]["/v1/users/{user_id}/recommendations"]["get"]
    parameters = {p["name"]: p["schema"] for p in route["parameters"]}
    assert {"surface", "device", "local_time", "explore"} <= set(parameters)
    assert {"type": "number", "maximum": 1.0, "minimum": 0.0} in parameters["explore"]["anyOf"]
    assert "X-Mixtape-Variant" in route["responses"]["200"]["headers"]
    event_context = document["components"]["schemas"]["EventContext"]["properties"]
    assert {"utc_offset_minutes", "recommendation_id"} <= set(event_context)
