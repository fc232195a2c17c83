"""Listener signals through the handlers: impressions (fatigue), trending, sequencing."""

from typing import Any

from mixtape import clock
from tests.helpers import body, http_event
from tests.integration.conftest import Aws

INGEST, PROFILE, RECOMMEND = "IngestFunction", "ProfileUpdateFunction", "RecommendFunction"


def track(item_id: str, artist: str, genre: str = "indie") -> dict[str, Any]:
    return {
        "item_id": item_id,
        "title": item_id,
        "artist_id": artist,
        "artist_name": artist,
        "genres": [genre],
    }


def post_events(aws: Aws, invoke: Any, events: list[dict[str, Any]]) -> None:
    assert invoke(INGEST, http_event("POST", "/v1/events", {"events": events}))["statusCode"] == 202
    records = aws.drain("ProfileUpdateQueue")
    assert invoke(PROFILE, {"Records": records}).get("batchItemFailures") == []


def listed(invoke: Any, user: str) -> list[str]:
    reply = invoke(RECOMMEND, http_event("GET", f"/v1/users/{user}/recommendations", query="limit=3"))
    assert reply["statusCode"] == 200
    return [i["item_id"] for i in body(reply)["items"]]


def test_an_item_shown_three_times_without_a_play_drops_and_no_play_is_counted(aws: Aws, invoke):
    items = [track("t-a", "art-a"), track("t-b", "art-b"), track("t-c", "art-c")]
    assert invoke(INGEST, http_event("PUT", "/v1/items", {"items": items}))["statusCode"] == 200
    first = listed(invoke, "u-shown")[0]
    now = clock.now_ms()
    shown = [
        {
            "event_id": f"imp-{n}",
            "user_id": "u-shown",
            "item_id": first,
            "type": "impression",
            "timestamp": now,
            "context": {"source": "home"},
        }
        for n in range(3)
    ]
    post_events(aws, invoke, shown)
    assert listed(invoke, "u-shown")[0] != first
    assert first in listed(invoke, "u-shown")  # demoted, not removed
    export = body(invoke(PROFILE, http_event("GET", "/v1/users/u-shown/export")))
    assert export["profile"]["counts"] == {"impression": 3}
    assert export["profile"]["items"] == {}  # no affinity: an impression is never a play
    assert set(export["profile"]["impressions"]) == {first}
    assert {e["type"] for e in export["events"]} == {"impression"}
