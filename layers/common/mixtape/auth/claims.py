"""Who is calling: the claims API Gateway's JWT authorizer passes on in `requestContext.authorizer.jwt`.

The authorizer has already checked the token (signature against the issuer's JWKS, `iss`, `aud`, `exp`,
`nbf`, the route's scopes), so nothing here re-validates it: this only reads what it vouches for.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# A scope only client-credentials tokens of internal services carry: they may act for any listener.
SERVICE_SCOPE = "listeners:any"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: `subject` is the token's `sub` (for a listener token, the listener id)."""

    subject: str
    scopes: frozenset[str]

    @property
    def is_service(self) -> bool:
        return SERVICE_SCOPE in self.scopes


def principal_from_event(event: Mapping[str, Any]) -> Principal | None:
    """The caller of an API Gateway HTTP API (payload 2.0) event; None when the event carries no JWT
    authorizer context or no subject (a protected route then answers 401: `mixtape.auth.authorize`)."""
    jwt = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt")
    if not isinstance(jwt, Mapping):
        return None
    claims = jwt.get("claims")
    if not isinstance(claims, Mapping):
        return None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        return None
    return Principal(subject=subject, scopes=_scopes(claims, jwt.get("scopes")))


def _scopes(claims: Mapping[str, Any], listed: Any) -> frozenset[str]:
    """API Gateway lists the token's scopes in `jwt.scopes` when it has them; the `scope` claim
    (space-separated, OAuth 2 style) holds the same. Both are read: either may be the one present."""
    found: set[str] = set()
    if isinstance(listed, list):
        found.update(s for s in listed if isinstance(s, str))
    scope = claims.get("scope")
    if isinstance(scope, str):
        found.update(scope.split())
    elif isinstance(scope, list):  # some issuers send a list (e.g. `scp`-style arrays)
        found.update(s for s in scope if isinstance(s, str))
    return frozenset(found)
