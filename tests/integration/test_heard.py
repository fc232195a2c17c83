"""Through the handlers (moto): a listener who played more items than a profile keeps (`max_items`) gets
none of them back, from the recommendations nor their exploration places; the filter is the profile
item's own Binary attribute, the export shows it, and an erasure removes it."""

import base64
from typing import Any

from mixtape.models.profile import Profile
from mixtape.storage.dynamo.profiles import DynamoProfileStore
from tests.helpers import body, http_event
from tests.integration.conftest import Aws

INGEST, PROFILE, RECOMMEND = "IngestFunction", "ProfileUpdateFunction", "RecommendFunction"
USER = "u-heavy"
ARTISTS, PER_ARTIST, HEARD = 60, 10, 400  # 600 items; the listener plays 400 (the profile keeps 300)
GENRES = ["rock", "jazz", "pop", "folk"]
NEW_TO_THEM = 50  # artists from here on: a genre the listener never played (exploration's candidates)


def item_id(artist: int, track: int) -> str:
    return f"trk-{artist:02d}-{track}"


def catalog() -> list[dict[str, Any]]:
    return [
        {
            "item_id": item_id(a, t),
            "title": f"Track {t} of {a}",
            "artist_id": f"art-{a:02d}",
            "artist_name": f"Artist {a}",
            "genres": [GENRES[a % len(GENRES)] if a < NEW_TO_THEM else "metal"],
            "embedding": [1.0, (a % 7) / 7, (t % 3) / 3] + [0.5] * 29,  # the template's EmbeddingDim: 32
        }
        for a in range(ARTISTS)
        for t in range(PER_ARTIST)
    ]


def played() -> list[str]:
    """Most tracks of their artists: what the listener likes is what they already know."""
    return [item_id(a, t) for t in range(PER_ARTIST) for a in range(NEW_TO_THEM)][:HEARD]


def heavy_listener(aws: Aws, invoke: Any) -> Profile:
    items = catalog()
    for start in range(0, len(items), 500):
        response = invoke(INGEST, http_event("PUT", "/v1/items", {"items": items[start : start + 500]}))
        assert response["statusCode"] == 200
    events = [
        {"event_id": f"h-{i}", "user_id": USER, "item_id": item, "type": "play", "ms_played": 200_000,
         "timestamp": f"2026-11-{1 + i % 19:02d}T{i % 24:02d}:00:00Z"}
        for i, item in enumerate(played())
    ]  # fmt: skip
    for start in range(0, len(events), 200):
        sent = invoke(INGEST, http_event("POST", "/v1/events", {"events": events[start : start + 200]}))
        assert sent["statusCode"] == 202
    while records := aws.drain("ProfileUpdateQueue"):
        assert invoke(PROFILE, {"Records": records})["batchItemFailures"] == []
    profile = DynamoProfileStore(aws.table("ProfilesTable")).get(USER, consistent=True)
    assert profile is not None
    return profile


def recommended(invoke: Any, query: str) -> list[dict[str, Any]]:
    response = invoke(RECOMMEND, http_event("GET", f"/v1/users/{USER}/recommendations", query=query))
    assert response["statusCode"] == 200
    items: list[dict[str, Any]] = body(response)["items"]
    return items


def test_a_listener_past_the_profile_caps_gets_nothing_they_heard_back(aws: Aws, invoke):
    profile = heavy_listener(aws, invoke)
    heard = set(played())
    forgotten = heard - profile.known_items()
    assert len(forgotten) >= HEARD - 300  # the capped tables no longer name these...
    assert not profile.known_complete
    assert profile.heard is not None  # ...the filter, stored with the profile, does
    for query in ("limit=100", "limit=100&explore=0.3"):
        items = recommended(invoke, query)
        assert len(items) == 100  # 200 unheard items: the list fills
        assert not {i["item_id"] for i in items} & heard
    explored = [i for i in recommended(invoke, "limit=100&explore=0.3") if i["reason_code"] == "exploring"]
    assert explored


def test_the_filter_is_one_attribute_of_the_profile_item_exported_and_erased_with_it(aws: Aws, invoke):
    heavy_listener(aws, invoke)
    key = {"user_id": {"S": USER}}
    stored = aws.dynamodb.get_item(TableName=aws.table("ProfilesTable"), Key=key)["Item"]
    assert len(stored["heard"]["B"]) < 2_000  # 400 items: bytes, not kilobytes
    exported = invoke(PROFILE, http_event("GET", f"/v1/users/{USER}/export"))
    assert exported["statusCode"] == 200
    heard = body(exported)["profile"]["heard"]  # right of access: the filter is data held about them
    assert base64.b64decode(heard["filter"]) == stored["heard"]["B"]
    # An item the filter already seemed to hold (a false positive, ≤ 1 %) is not added again.
    assert HEARD * 0.98 <= heard["items"] <= HEARD
    assert heard["layers"] >= 1
    erased = invoke(PROFILE, http_event("DELETE", f"/v1/users/{USER}"))
    assert erased["statusCode"] == 200
    tombstone = aws.dynamodb.get_item(TableName=aws.table("ProfilesTable"), Key=key)["Item"]
    assert "heard" not in tombstone
