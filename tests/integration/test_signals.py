"""Listener signals through the handlers: impressions (fatigue), trending, sequencing."""

from itertools import pairwise
from typing import Any

from mixtape import clock
from mixtape.catalog.popularity import epoch_of
from mixtape.models.trend import DAY_MS, HOUR_MS, HOURS_KEPT
from mixtape.storage import clients
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


def play(event_id: str, user: str, item_id: str, ts: int) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "user_id": user,
        "item_id": item_id,
        "type": "play",
        "timestamp": ts,
        "ms_played": 120_000,
    }


def shard_rows(aws: Aws, counter: str) -> list[dict[str, Any]]:
    return [r for r in aws.scan("CatalogTable") if r["item_id"]["S"].startswith(f"#counts#{counter}#")]


def test_trending_counts_listeners_once_in_counter_shards_that_expire(aws: Aws, invoke):
    items = [track("t-hit", "art-a", "pop"), track("t-new", "art-b", "jazz"), track("t-old", "art-c", "pop")]
    assert invoke(INGEST, http_event("PUT", "/v1/items", {"items": items}))["statusCode"] == 200
    now = clock.now_ms()
    hour, stale_hour = now // HOUR_MS, now // HOUR_MS - 24 * 30
    # What the per-item layout left on a catalog item: this hour's counter (still read, added to the
    # shards') and one from long ago (read too, but no window counts it).
    clients.dynamodb().update_item(
        TableName=aws.table("CatalogTable"),
        Key={"item_id": {"S": "t-hit"}},
        UpdateExpression="SET #now = :one, #old = :n",
        ExpressionAttributeNames={"#now": f"th{hour}", "#old": f"th{stale_hour}"},
        ExpressionAttributeValues={":one": {"N": "1"}, ":n": {"N": "40"}},
    )
    events = [play(f"h{u}", f"u{u}", "t-hit", now) for u in range(2)]
    events += [play(f"r{n}", "u0", "t-new", now - n) for n in range(5)]  # one listener, five plays: once
    events += [play("m0", "u0", "t-missing", now)]  # not in the catalog: no counter is stored for it
    post_events(aws, invoke, events)
    shards = shard_rows(aws, f"th{hour}")
    credited = {name: float(v["N"]) for row in shards for name, v in row.items() if name.startswith("i_")}
    assert credited == {"i_t-hit": 2.0, "i_t-new": 1.0}
    # Each shard expires (TTL) when no window reads its hour any more.
    assert {int(row["expires_at"]["N"]) for row in shards} == {(hour + HOURS_KEPT) * HOUR_MS // 1000}
    assert shard_rows(aws, f"pop_{epoch_of(now)}")
    assert shard_rows(aws, f"td{now // DAY_MS}")

    reply = invoke(RECOMMEND, http_event("GET", "/v1/trending", query="window=1h&limit=5"))
    assert reply["statusCode"] == 200
    got = {i["item_id"]: (i["listeners"], i["previous_listeners"], i["rising"]) for i in body(reply)["items"]}
    assert got == {"t-hit": (3.0, 0.0, True), "t-new": (1.0, 0.0, False)}
    jazz = body(invoke(RECOMMEND, http_event("GET", "/v1/trending", query="window=7d&genre=jazz")))
    assert [i["item_id"] for i in jazz["items"]] == ["t-new"]
    bad = invoke(RECOMMEND, http_event("GET", "/v1/trending", query="window=2h"))
    assert bad["statusCode"] == 422


def test_no_two_adjacent_items_by_one_artist_in_lists_and_similar_items(aws: Aws, invoke):
    # art-a's tracks are the newest, so a new listener's list (new releases first) would open with them.
    items = [{**track(f"t-a{n}", "art-a"), "release_date": f"2026-10-0{n + 1}"} for n in range(3)] + [
        {**track(f"t-{a}", f"art-{a}"), "release_date": "2020-01-01"} for a in ("b", "c", "d")
    ]
    assert invoke(INGEST, http_event("PUT", "/v1/items", {"items": items}))["statusCode"] == 200
    reply = invoke(RECOMMEND, http_event("GET", "/v1/users/u-new/recommendations", query="limit=4"))
    artists = [i["artist_id"] for i in body(reply)["items"]]
    assert len(artists) == 4
    assert artists.count("art-a") == 2  # the per-artist cap (2) still holds
    assert all(a != b for a, b in pairwise(artists))
    similar = body(invoke(RECOMMEND, http_event("GET", "/v1/items/t-a0/similar", query="limit=3")))
    near = [i["artist_id"] for i in similar["items"]]
    assert near[0] == "art-a"  # the same artist's track is the most similar
    assert all(a != b for a, b in pairwise(near))
