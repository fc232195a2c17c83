"""Rerank, blend and preferences through the handlers, under moto tables built from the template."""

from typing import Any

from mixtape.storage.dynamo.profiles import DynamoProfileStore
from tests.helpers import body, http_event, listener_claims
from tests.integration.conftest import Aws

INGEST, PROFILE, RECOMMEND = "IngestFunction", "ProfileUpdateFunction", "RecommendFunction"
ARTISTS = {"art-r": "rock", "art-j": "jazz", "art-p": "pop"}
ITEMS = [
    {
        "item_id": f"{genre[0]}{i}",
        "title": f"{genre} {i}",
        "artist_id": artist,
        "artist_name": artist.upper(),
        "genres": [genre],
        "release_date": "2026-10-01",
    }
    for artist, genre in ARTISTS.items()
    for i in range(4)
]
CHOICES = {"seed_artists": ["art-j"], "seed_genres": [], "muted_artists": ["art-p"], "muted_genres": []}


def setup_catalog(invoke: Any) -> None:
    assert invoke(INGEST, http_event("PUT", "/v1/items", {"items": ITEMS}))["statusCode"] == 200


def play(aws: Aws, invoke: Any, user_id: str, *item_ids: str, kind: str = "play") -> None:
    events = [
        {
            "event_id": f"{user_id}-{kind}-{i}",
            "user_id": user_id,
            "item_id": i,
            "type": kind,
            "timestamp": "2026-11-20T10:00:00Z",
            **({"ms_played": 200_000} if kind == "play" else {}),
        }
        for i in item_ids
    ]
    assert invoke(INGEST, http_event("POST", "/v1/events", {"events": events}))["statusCode"] == 202
    invoke(PROFILE, {"Records": aws.drain("ProfileUpdateQueue")})


def put_preferences(invoke: Any, user_id: str, choices: dict[str, Any], claims: Any = None) -> Any:
    path = f"/v1/users/{user_id}/preferences"
    return invoke(PROFILE, http_event("PUT", path, choices, claims=claims or listener_claims(user_id)))


def stored_item(aws: Aws, user_id: str) -> dict[str, Any] | None:
    return aws.dynamodb.get_item(TableName=aws.table("ProfilesTable"), Key={"user_id": {"S": user_id}}).get(
        "Item"
    )


def test_preferences_and_profile_updates_keep_each_other_in_dynamodb(aws: Aws, invoke):
    setup_catalog(invoke)
    saved = put_preferences(invoke, "u-1", CHOICES)
    assert saved["statusCode"] == 200
    assert body(saved) == {"user_id": "u-1", **CHOICES}
    play(aws, invoke, "u-1", "r0")  # the update's PutItem writes the preferences back
    profile = DynamoProfileStore(aws.table("ProfilesTable"), aws.dynamodb).get("u-1")
    assert profile is not None
    assert profile.preferences is not None
    assert profile.preferences.muted_artists == ["art-p"]
    assert profile.counts == {"play": 1}
    assert put_preferences(invoke, "u-1", {"muted_genres": ["Jazz"]})["statusCode"] == 200
    profile = DynamoProfileStore(aws.table("ProfilesTable"), aws.dynamodb).get("u-1")
    assert profile is not None
    assert profile.counts == {"play": 1}  # the UpdateItem left the document alone
    assert profile.preferences is not None
    assert profile.preferences.muted_genres == ["jazz"]
    exported = body(invoke(PROFILE, http_event("GET", "/v1/users/u-1/export", claims=listener_claims("u-1"))))
    assert exported["preferences"]["muted_genres"] == ["jazz"]
    erased = invoke(PROFILE, http_event("DELETE", "/v1/users/u-1", claims=listener_claims("u-1")))
    assert erased["statusCode"] == 200
    item = stored_item(aws, "u-1")
    assert item is not None
    assert "prefs" not in item


def test_preferences_refused_write_nothing(aws: Aws, invoke):
    contradiction = {"seed_artists": ["art-j"], "muted_artists": ["art-j"]}
    assert put_preferences(invoke, "u-2", contradiction)["statusCode"] == 422
    assert put_preferences(invoke, "u-2", {"extra": 1})["statusCode"] == 422
    assert put_preferences(invoke, "u-2", CHOICES, claims=listener_claims("u-3"))["statusCode"] == 403
    no_scope = listener_claims("u-2", "recommendations:read")
    assert put_preferences(invoke, "u-2", CHOICES, claims=no_scope)["statusCode"] == 403
    assert stored_item(aws, "u-2") is None


def test_seeds_lead_a_new_listeners_list_and_mutes_hold(aws: Aws, invoke):
    setup_catalog(invoke)
    put_preferences(invoke, "u-new", CHOICES)
    path = "/v1/users/u-new/recommendations"
    listed = body(
        invoke(RECOMMEND, http_event("GET", path, query="limit=6", claims=listener_claims("u-new")))
    )
    assert listed["cold_start"] is True
    assert listed["items"][0]["artist_id"] == "art-j"
    assert listed["items"][0]["reason"] == "because you picked ART-J"
    assert all(i["artist_id"] != "art-p" for i in listed["items"])


def test_rerank_orders_reports_unknown_and_flags(aws: Aws, invoke):
    setup_catalog(invoke)
    play(aws, invoke, "u-1", "r0", "r1")
    play(aws, invoke, "u-1", "p0", kind="dislike")
    ask = {"item_ids": ["p1", "j0", "r2", "nope", "p0"], "filters": "flag", "context": {"surface": "home"}}
    path = "/v1/users/u-1/rerank"
    reply = invoke(RECOMMEND, http_event("POST", path, ask, claims=listener_claims("u-1")))
    assert reply["statusCode"] == 200
    found = body(reply)
    assert found["unknown"] == ["nope"]
    assert found["items"][0]["item_id"] == "r2"
    assert {i["item_id"]: i["filtered"] for i in found["items"]}["p0"] == "disliked"
    applied = body(invoke(RECOMMEND, http_event("POST", path, {**ask, "filters": "apply"})))
    assert "p0" not in [i["item_id"] for i in applied["items"]]
    assert {"item_id": "p0", "filter": "disliked"} in applied["filtered"]
    bad_asks: list[dict[str, Any]] = [
        {"item_ids": ["r1", "r1"]},
        {"item_ids": [f"x{i}" for i in range(501)]},
        {"item_ids": []},
        {"item_ids": ["r1"], "filters": "ignore"},
        {"item_ids": ["r1"], "context": {"local_time": "25:00"}},
    ]
    for bad in bad_asks:
        assert invoke(RECOMMEND, http_event("POST", path, bad))["statusCode"] == 422, bad
    other = invoke(RECOMMEND, http_event("POST", path, ask, claims=listener_claims("u-2")))
    assert other["statusCode"] == 403


def test_blend_for_a_service_and_refused_otherwise(aws: Aws, invoke):
    setup_catalog(invoke)
    play(aws, invoke, "u-1", "r0", "r1")
    play(aws, invoke, "u-2", "j0", "j1")
    put_preferences(invoke, "u-2", {"muted_artists": ["art-p"]})
    reply = invoke(RECOMMEND, http_event("GET", "/v1/blend", query="users=u-1,u-2&limit=4"))
    assert reply["statusCode"] == 200
    found = body(reply)
    assert found["user_ids"] == ["u-1", "u-2"]
    picked = {i["item_id"]: i for i in found["items"]}
    assert picked
    assert not set(picked) & {"r0", "r1", "j0", "j1"}
    assert all(i["artist_id"] != "art-p" for i in picked.values())
    served = {s["user_id"] for i in picked.values() for s in i["serves"]}
    assert served == {"u-1", "u-2"}
    own = listener_claims("u-1")
    assert (
        invoke(RECOMMEND, http_event("GET", "/v1/blend", query="users=u-1,u-2", claims=own))["statusCode"]
        == 403
    )
    for query in (
        "users=u-1",
        "users=u-1,u-1",
        "users=" + ",".join(f"u{i}" for i in range(11)),
        "users=u-1,a b",
    ):
        assert invoke(RECOMMEND, http_event("GET", "/v1/blend", query=query))["statusCode"] == 422, query
