"""The caller from what API Gateway's JWT authorizer puts in `requestContext.authorizer.jwt`."""

from typing import Any

import pytest

from mixtape.auth import Principal, principal_from_event


def event(jwt: Any) -> dict[str, Any]:
    return {"requestContext": {"requestId": "r", "authorizer": {"jwt": jwt}}}


def test_the_subject_and_the_space_separated_scope_claim():
    found = principal_from_event(event({"claims": {"sub": "u-1", "scope": "a b  c"}, "scopes": None}))
    assert found == Principal(subject="u-1", scopes=frozenset({"a", "b", "c"}))
    assert not found.is_service


def test_the_scopes_list_api_gateway_passes_counts_too():
    found = principal_from_event(event({"claims": {"sub": "svc"}, "scopes": ["x", "listeners:any"]}))
    assert found is not None
    assert found.scopes == {"x", "listeners:any"}
    assert found.is_service


def test_a_scope_claim_given_as_a_list():
    found = principal_from_event(event({"claims": {"sub": "u-1", "scope": ["a", "b", 3]}}))
    assert found is not None
    assert found.scopes == {"a", "b"}


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"requestContext": None},
        {"requestContext": {}},
        {"requestContext": {"authorizer": None}},
        {"requestContext": {"authorizer": {"lambda": {"sub": "u-1"}}}},  # another authorizer's context
        event(None),
        event("claims"),
        event({"scopes": ["profiles:read"]}),
        event({"claims": None}),
        event({"claims": {"scope": "profiles:read"}}),  # no subject
        event({"claims": {"sub": "", "scope": "profiles:read"}}),
        event({"claims": {"sub": 42, "scope": "profiles:read"}}),
    ],
)
def test_no_usable_identity_is_none(raw: dict[str, Any]):
    assert principal_from_event(raw) is None
