"""How a route declares and receives its caller: `Caller` (a Powertools dependency that reads the JWT
claims of the current request) and `protected(scope, model)` (the route's OpenAPI security, scopes and
401/403 responses). The decision itself is `mixtape.auth.authorize`, called once by each route."""

from collections.abc import Mapping
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.request import Request

from mixtape.api.resolver import BEARER_AUTH, ok_doc
from mixtape.auth import Principal, Scope, principal_from_event


def caller(request: Request) -> Principal | None:
    """Never raises (Powertools turns a dependency's exception into a 500): no identity is None, and
    `authorize` answers it with 401."""
    return principal_from_event(request.resolved_event.raw_event)


Caller = Annotated[Principal | None, Depends(caller)]


def protected(
    scope: Scope,
    model: type,
    status: int = 200,
    description: str = "OK",
    links: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Route keyword arguments: the success model (and its `links`) and errors, plus the bearer token
    with `scope`."""
    return {
        "responses": ok_doc(model, status, description, protected=True, links=links),
        "security": [{BEARER_AUTH: [scope.value]}],
        "openapi_extensions": {"x-scopes": [scope.value]},
    }
