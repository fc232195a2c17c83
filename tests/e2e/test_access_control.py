"""Access control over HTTP against the local stack (issue 15's Done-when list): what the JWT authorizer
rejects (401/403 with API Gateway's bodies) and what the layer rejects (a listener acting for another:
403 with Mixtape's error model), each time with nothing stored; a service token acts for any listener."""

from __future__ import annotations

import base64
import json
import time
import uuid
from functools import partial
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from local.jwt_issuer import LISTENER_SCOPES, SERVICE_SCOPES
from tests.e2e.conftest import LocalStack, wait_for
from tests.e2e.test_local_stack import new_user, play, profile, profile_with_plays, stored_events

UNAUTHORIZED = {"message": "Unauthorized"}
FORBIDDEN = {"message": "Forbidden"}
HOUR = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bad_tokens(stack: LocalStack, sub: str, route_scope: str) -> dict[str, tuple[str | None, int]]:
    """Each way a token fails API Gateway's JWT authorizer on a route needing `route_scope`, with the
    status it answers; all but the last carry every scope."""
    issuer, now = stack.issuer, int(time.time())
    every = list(SERVICE_SCOPES)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unsigned_claims: dict[str, Any] = {
        "iss": issuer.issuer,
        "aud": "mixtape",
        "sub": sub,
        "scope": " ".join(every),
        "iat": now,
        "exp": now + HOUR,
    }
    alg_none = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": issuer.kid}).encode())
    alg_none += "." + _b64(json.dumps(unsigned_claims).encode()) + "."
    return {
        "no token": (None, 401),
        "expired": (issuer.sign(sub, every, now=now - 2 * HOUR), 401),
        "not yet valid": (issuer.sign(sub, every, nbf=now + 600), 401),
        "wrong issuer": (issuer.sign(sub, every, iss="https://issuer.example.com"), 401),
        "wrong audience": (issuer.sign(sub, every, aud="another-api"), 401),
        "bad signature": (
            jwt.encode(unsigned_claims, other_key, algorithm="RS256", headers={"kid": issuer.kid}),
            401,
        ),
        "alg none": (alg_none, 401),
        "missing scope": (issuer.sign(sub, [s for s in every if s != route_scope]), 403),
    }


def call(stack: LocalStack, method: str, path: str, token: str | None, **kwargs: Any) -> requests.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"{stack.base_url}{path}", headers=headers, timeout=10, **kwargs)


def listener_token(stack: LocalStack, user: str) -> str:
    """A listener's token with every listener scope: only `sub` stands between it and other listeners."""
    return stack.issuer.sign(user, LISTENER_SCOPES)


def catalog_item_exists(stack: LocalStack, item_id: str) -> bool:
    table = stack.table_names["CatalogTable"]
    return "Item" in stack.dynamodb().get_item(TableName=table, Key={"item_id": {"S": item_id}})


def stored_state(stack: LocalStack, user: str) -> tuple[Any, ...] | None:
    """What a write would change (the API's affinities decay with time; these do not)."""
    seen = profile(stack, user)
    return None if seen is None else (seen["version"], seen["updated_at"], seen["counts"])


def profile_row(stack: LocalStack, user: str) -> dict[str, Any] | None:
    """The profiles table's row (a tombstone included), read past the API."""
    table = stack.table_names["ProfilesTable"]
    item: dict[str, Any] | None = (
        stack.dynamodb()
        .get_item(TableName=table, Key={"user_id": {"S": user}}, ConsistentRead=True)
        .get("Item")
    )
    return item


def listener_with_history(stack: LocalStack, plays: int = 1) -> str:
    user = new_user()
    response = stack.api.post(
        f"{stack.base_url}/v1/events", json={"events": [play(user, "trk-0001") for _ in range(plays)]}
    )
    assert response.status_code == 202, response.text
    wait_for(lambda: profile_with_plays(stack, user, plays))
    wait_for(lambda: stored_events(stack, user) == plays or None)
    return user


def settled(stack: LocalStack) -> None:
    """Whatever a request let through has reached the profile and the events table."""
    wait_for(lambda: stack.queue_drained("IngestQueue"))
    wait_for(lambda: stack.queue_drained("ProfileUpdateQueue"))


def assert_gateway_rejection(response: requests.Response, status: int, case: str) -> None:
    assert response.status_code == status, (case, response.status_code, response.text)
    assert response.json() == (UNAUTHORIZED if status == 401 else FORBIDDEN), case
    assert response.headers["www-authenticate"].startswith("Bearer"), case


# ---------- the JWT authorizer (API Gateway's checks, locally) ----------


def test_rejected_tokens_post_no_events(local_stack: LocalStack):
    user = new_user()
    for case, (token, status) in bad_tokens(local_stack, user, "events:write").items():
        body = {"events": [play(user, "trk-0001")]}
        assert_gateway_rejection(call(local_stack, "POST", "/v1/events", token, json=body), status, case)
    settled(local_stack)
    assert profile(local_stack, user) is None
    assert stored_events(local_stack, user) == 0


def test_rejected_tokens_write_no_catalog_item(local_stack: LocalStack):
    item_id = f"trk-e2e-{uuid.uuid4().hex[:8]}"
    item = {
        "item_id": item_id,
        "title": "Forged",
        "artist_id": "art-99",
        "artist_name": "Nobody",
        "genres": ["rock"],
        "explicit": False,
        "release_date": "2025-01-01",
        "duration_ms": 200_000,
    }
    for case, (token, status) in bad_tokens(local_stack, "catalog-service", "catalog:write").items():
        response = call(local_stack, "PUT", "/v1/items", token, json={"items": [item]})
        assert_gateway_rejection(response, status, case)
    assert not catalog_item_exists(local_stack, item_id)


def test_rejected_tokens_erase_nothing_and_read_nothing(local_stack: LocalStack):
    user = listener_with_history(local_stack)
    before = stored_state(local_stack, user)
    for case, (token, status) in bad_tokens(local_stack, user, "users:erase").items():
        assert_gateway_rejection(call(local_stack, "DELETE", f"/v1/users/{user}", token), status, case)
    for path, scope in [
        (f"/v1/users/{user}/profile", "profiles:read"),
        (f"/v1/users/{user}/recommendations", "recommendations:read"),
        (f"/v1/users/{user}/export", "users:export"),
        ("/v1/items/trk-0001/similar", "recommendations:read"),
    ]:
        for case, (token, status) in bad_tokens(local_stack, user, scope).items():
            assert_gateway_rejection(call(local_stack, "GET", path, token), status, f"{path}: {case}")
    settled(local_stack)
    assert stored_state(local_stack, user) == before  # not erased, no tombstone, no write
    assert stored_events(local_stack, user) == 1


def test_public_routes_need_no_token(local_stack: LocalStack):
    for path in ("/v1/health", "/v1/openapi.json", "/v1/docs"):
        assert call(local_stack, "GET", path, None).status_code == 200, path


def test_the_jwks_is_served_and_verifies_the_stacks_tokens(local_stack: LocalStack):
    keys = call(local_stack, "GET", "/local-issuer/.well-known/jwks.json", None).json()
    token = listener_token(local_stack, "alice")
    kid = jwt.get_unverified_header(token)["kid"]
    (key,) = [k for k in jwt.PyJWKSet.from_dict(keys).keys if k.key_id == kid]
    issuer = local_stack.issuer.issuer
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience="mixtape", issuer=issuer)
    assert claims["sub"] == "alice"


# ---------- listener scoping (the layer's check) ----------


def assert_layer_forbidden(response: requests.Response, case: str) -> None:
    assert response.status_code == 403, (case, response.status_code, response.text)
    assert response.json()["error"]["code"] == "forbidden", case


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/users/{other}/profile", None),
        ("GET", "/v1/users/{other}/recommendations", None),
        ("GET", "/v1/users/{other}/export", None),
        ("DELETE", "/v1/users/{other}", None),
        ("PUT", "/v1/users/{other}/preferences", {"muted_genres": ["rock"]}),
        ("POST", "/v1/users/{other}/rerank", {"item_ids": ["trk-0001"]}),
        ("GET", "/v1/blend?users={other},{alice}", None),
    ],
)
def test_a_listener_cannot_touch_another_listener(
    local_stack: LocalStack, method: str, path: str, body: dict[str, Any] | None
):
    other = listener_with_history(local_stack)
    before = stored_state(local_stack, other)
    alice = new_user()
    target = path.format(other=other, alice=alice)
    response = call(local_stack, method, target, listener_token(local_stack, alice), json=body)
    assert_layer_forbidden(response, f"{method} {path}")
    settled(local_stack)
    assert stored_state(local_stack, other) == before
    assert profile_row(local_stack, other) is not None
    assert stored_events(local_stack, other) == 1


def test_a_listener_cannot_post_events_for_another(local_stack: LocalStack):
    alice, bob = new_user(), new_user()
    token = listener_token(local_stack, alice)
    for events in ([play(bob, "trk-0001")], [play(alice, "trk-0001"), play(bob, "trk-0002")]):
        response = call(local_stack, "POST", "/v1/events", token, json={"events": events})
        assert_layer_forbidden(response, f"{len(events)} events")
    settled(local_stack)
    for user in (alice, bob):  # the whole batch refused: not even alice's own event is stored
        assert profile(local_stack, user) is None
        assert stored_events(local_stack, user) == 0


def test_a_listener_token_cannot_write_the_catalog_even_with_the_scope(local_stack: LocalStack):
    item_id = f"trk-e2e-{uuid.uuid4().hex[:8]}"
    item: dict[str, Any] = {
        "item_id": item_id,
        "title": "T",
        "artist_id": "a",
        "artist_name": "A",
        "genres": ["rock"],
        "explicit": False,
        "release_date": "2025-01-01",
        "duration_ms": 200_000,
    }
    token = local_stack.issuer.sign(new_user(), ["catalog:write"])  # no listeners:any
    assert_layer_forbidden(call(local_stack, "PUT", "/v1/items", token, json={"items": [item]}), "PUT items")
    assert not catalog_item_exists(local_stack, item_id)


def test_a_listener_acts_on_its_own_data(local_stack: LocalStack):
    alice = new_user()
    token = listener_token(local_stack, alice)
    response = call(local_stack, "POST", "/v1/events", token, json={"events": [play(alice, "trk-0001")]})
    assert response.status_code == 202, response.text
    wait_for(lambda: profile_with_plays(local_stack, alice, 1))
    wait_for(lambda: stored_events(local_stack, alice) == 1 or None)
    assert call(local_stack, "GET", f"/v1/users/{alice}/profile", token).status_code == 200
    answer = call(local_stack, "GET", f"/v1/users/{alice}/recommendations", token)
    assert answer.status_code == 200
    assert answer.json()["cold_start"] is False
    exported = call(local_stack, "GET", f"/v1/users/{alice}/export", token)
    assert exported.status_code == 200, exported.text
    assert [e["event_id"] for e in exported.json()["events"]]
    assert call(local_stack, "DELETE", f"/v1/users/{alice}", token).status_code == 200
    assert profile(local_stack, alice) is None


def test_a_service_token_acts_for_any_listener(local_stack: LocalStack):
    users = [new_user() for _ in range(3)]
    token = local_stack.service_token
    response = call(
        local_stack, "POST", "/v1/events", token, json={"events": [play(u, "trk-0001") for u in users]}
    )
    assert response.status_code == 202, response.text
    for user in users:
        wait_for(partial(profile_with_plays, local_stack, user, 1))
        assert call(local_stack, "GET", f"/v1/users/{user}/recommendations", token).status_code == 200
    assert call(local_stack, "GET", f"/v1/users/{users[0]}/export", token).status_code == 200
    wait_for(lambda: stored_events(local_stack, users[1]) == 1 or None)
    assert call(local_stack, "DELETE", f"/v1/users/{users[1]}", token).status_code == 200
    assert profile(local_stack, users[1]) is None


# ---------- erasure of an unknown listener ----------


def test_erasing_an_unknown_listener_is_404_and_writes_nothing(local_stack: LocalStack):
    nobody = new_user()
    response = call(local_stack, "DELETE", f"/v1/users/{nobody}", local_stack.service_token)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"
    settled(local_stack)
    assert profile_row(local_stack, nobody) is None  # no tombstone
    assert stored_events(local_stack, nobody) == 0
