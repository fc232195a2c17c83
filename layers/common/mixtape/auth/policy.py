"""The one access decision of the API: which scope each route needs, and whose data a token may touch.

API Gateway's JWT authorizer already rejects a token without the route's scope; this re-checks it (a
route deployed without its `AuthorizationScopes` stays closed) and adds what the authorizer cannot know:
a listener token acts only on its own listener, and only service tokens write the catalog.
"""

from collections.abc import Iterable
from enum import StrEnum

from mixtape.auth.claims import SERVICE_SCOPE, Principal
from mixtape.errors import ForbiddenError, UnauthorizedError


class Scope(StrEnum):
    EVENTS_WRITE = "events:write"
    CATALOG_WRITE = "catalog:write"
    RECOMMENDATIONS_READ = "recommendations:read"
    PROFILES_READ = "profiles:read"
    USERS_EXPORT = "users:export"
    USERS_ERASE = "users:erase"
    PREFERENCES_WRITE = "preferences:write"


# Scopes that act on the whole service rather than on one listener: granted to service tokens only.
SERVICE_ONLY = frozenset({Scope.CATALOG_WRITE})


def authorize(principal: Principal | None, scope: Scope, user_ids: Iterable[str] = ()) -> Principal:
    """The caller, if it may use `scope` on the listeners `user_ids`; else UnauthorizedError (no identity)
    or ForbiddenError (missing scope, a service-only scope on a listener token, or another listener)."""
    if principal is None:
        raise UnauthorizedError("a bearer token is required")
    if scope not in principal.scopes:
        raise ForbiddenError(f"the token lacks the scope {scope.value}")
    if principal.is_service:
        return principal
    if scope in SERVICE_ONLY:
        raise ForbiddenError(f"{scope.value} needs a service token ({SERVICE_SCOPE})")
    others = sorted({u for u in user_ids if u != principal.subject})
    if others:
        raise ForbiddenError(f"a listener token may act only on its own listener, not on {others[0]}")
    return principal
