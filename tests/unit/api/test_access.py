"""The route side of access control, on a resolver built like every function's: the caller reaches the
route as a dependency, `authorize` answers 401/403 in the error model, every reply is `no-store`, and the
OpenAPI document states the bearer scheme and each route's scope."""

import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Path

from mixtape.api.access import Caller, protected
from mixtape.api.resolver import create_app, openapi_document
from mixtape.auth import Scope, authorize
from mixtape.models.api import ErasureResponse, HealthResponse
from tests.helpers import SERVICE_CLAIMS, http_event, listener_claims


def make_app() -> Any:
    app = create_app()

    @app.get("/v1/users/<user_id>/thing", **protected(Scope.PROFILES_READ, ErasureResponse))
    def thing(user_id: Annotated[str, Path()], caller: Caller) -> ErasureResponse:
        authorize(caller, Scope.PROFILES_READ, [user_id])
        return ErasureResponse(user_id=user_id, deleted_events=0, profile_deleted=False)

    @app.get("/v1/open", security=[])
    def open_route() -> HealthResponse:
        return HealthResponse(status="ok", version="1", catalog_items=0, catalog_version=0)

    return app


def request(path: str, claims: dict[str, Any] | None) -> dict[str, Any]:
    event = http_event("GET", path, claims=claims)
    event["requestContext"]["requestId"] = "req-1"
    return event


@pytest.mark.parametrize(
    ("claims", "status", "code"),
    [
        (None, 401, "unauthorized"),
        (listener_claims("u-bob"), 403, "forbidden"),
        (listener_claims("u-alice", "recommendations:read"), 403, "forbidden"),
    ],
)
def test_refusals_are_the_error_model_and_never_a_500(claims, status, code):
    reply = make_app().resolve(request("/v1/users/u-alice/thing", claims), {})
    assert reply["statusCode"] == status
    error = json.loads(reply["body"])["error"]
    assert (error["code"], error["request_id"], error["fields"]) == (code, "req-1", [])
    assert reply["headers"]["Cache-Control"] == "no-store"


@pytest.mark.parametrize("claims", [listener_claims("u-alice"), SERVICE_CLAIMS])
def test_allowed_callers_get_the_reply_with_no_store(claims):
    reply = make_app().resolve(request("/v1/users/u-alice/thing", claims), {})
    assert reply["statusCode"] == 200
    assert json.loads(reply["body"])["user_id"] == "u-alice"
    assert reply["headers"]["Cache-Control"] == "no-store"
    assert reply["headers"]["X-Content-Type-Options"] == "nosniff"


def test_every_reply_is_no_store_even_a_public_one_or_an_unknown_route():
    app = make_app()
    for path in ("/v1/open", "/v1/nowhere"):
        assert app.resolve(request(path, None), {})["headers"]["Cache-Control"] == "no-store"


def test_the_document_declares_the_bearer_scheme_the_route_scopes_and_public_routes():
    document = openapi_document([make_app()], embedding_dim=32)
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    operation = document["paths"]["/v1/users/{user_id}/thing"]["get"]
    assert operation["security"] == [{"bearerAuth": ["profiles:read"]}]
    assert operation["x-scopes"] == ["profiles:read"]
    assert {"401", "403"} <= set(operation["responses"])
    public = document["paths"]["/v1/open"]["get"]
    assert public["security"] == []
    assert not {"401", "403"} & set(public["responses"])
