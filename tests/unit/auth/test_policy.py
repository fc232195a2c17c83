"""The access decision table: for every route scope, a listener or a service token, on its own or another
listener, with or without the scope, and no identity at all."""

import pytest

from mixtape.auth import SERVICE_SCOPE, Principal, Scope, authorize
from mixtape.errors import ForbiddenError, UnauthorizedError

ALICE, BOB = "u-alice", "u-bob"
LISTENER_SCOPES = [s for s in Scope if s is not Scope.CATALOG_WRITE]  # the routes on one listener's data


def listener(*scopes: Scope, subject: str = ALICE) -> Principal:
    return Principal(subject=subject, scopes=frozenset(scopes))


def service(*scopes: Scope) -> Principal:
    return Principal(subject="svc-sync", scopes=frozenset({*scopes, SERVICE_SCOPE}))


@pytest.mark.parametrize("scope", list(Scope))
def test_no_identity_is_401_whatever_the_route(scope: Scope):
    with pytest.raises(UnauthorizedError) as raised:
        authorize(None, scope, [ALICE])
    assert (raised.value.status_code, raised.value.code) == (401, "unauthorized")


@pytest.mark.parametrize("scope", LISTENER_SCOPES)
def test_a_listener_token_acts_on_its_own_listener(scope: Scope):
    caller = listener(scope)
    assert authorize(caller, scope, [ALICE]) is caller
    assert authorize(caller, scope, [ALICE, ALICE]) is caller  # a batch of its own events


@pytest.mark.parametrize("scope", LISTENER_SCOPES)
def test_a_listener_token_on_another_listener_is_403(scope: Scope):
    with pytest.raises(ForbiddenError) as raised:
        authorize(listener(scope), scope, [BOB])
    assert (raised.value.status_code, raised.value.code) == (403, "forbidden")


def test_one_event_of_another_listener_refuses_the_whole_batch():
    with pytest.raises(ForbiddenError, match=BOB):
        authorize(listener(Scope.EVENTS_WRITE), Scope.EVENTS_WRITE, [ALICE, ALICE, BOB, ALICE])


@pytest.mark.parametrize("scope", list(Scope))
def test_a_token_without_the_routes_scope_is_403_on_its_own_listener_too(scope: Scope):
    others = frozenset(Scope) - {scope}
    with pytest.raises(ForbiddenError, match=scope.value):
        authorize(Principal(subject=ALICE, scopes=others), scope, [ALICE])
    with pytest.raises(ForbiddenError, match=scope.value):  # listeners:any grants no route scope
        authorize(Principal(subject="svc", scopes=others | {SERVICE_SCOPE}), scope, [ALICE])


@pytest.mark.parametrize("scope", list(Scope))
def test_a_service_token_acts_on_any_listener(scope: Scope):
    caller = service(scope)
    assert authorize(caller, scope, [ALICE, BOB]) is caller
    assert authorize(caller, scope) is caller


def test_catalog_writes_need_a_service_token():
    with pytest.raises(ForbiddenError, match=SERVICE_SCOPE):
        authorize(listener(*Scope), Scope.CATALOG_WRITE)
    assert authorize(service(Scope.CATALOG_WRITE), Scope.CATALOG_WRITE).is_service


@pytest.mark.parametrize("scope", [Scope.RECOMMENDATIONS_READ])
def test_a_route_on_no_listener_needs_the_scope_only(scope: Scope):
    """Similar items: no listener's data, any holder of the scope."""
    assert authorize(listener(scope, subject=BOB), scope).subject == BOB


def test_a_listener_id_that_only_looks_like_the_subject_is_another_listener():
    caller = listener(Scope.PROFILES_READ)
    for near in (ALICE.upper(), f"{ALICE} ", f" {ALICE}", f"{ALICE}\x00"):
        with pytest.raises(ForbiddenError):
            authorize(caller, Scope.PROFILES_READ, [near])


def test_the_route_scopes_are_the_contracts():
    assert {s.value for s in Scope} == {
        "events:write",
        "catalog:write",
        "recommendations:read",
        "profiles:read",
        "users:export",
        "users:erase",
        "preferences:write",
    }
    assert SERVICE_SCOPE == "listeners:any"
