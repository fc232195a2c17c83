"""`GET /local/dev-token`: a short-lived token of the local issuer for the console page (`make run` only).

The console (`/console`) asks for it on load, so an operator of the local stack need not paste one. It
exists only in the local HTTP adapter, never in a function or the template, and only while the adapter
listens on a loopback address. The token can read and send events for any listener (`listeners:any`);
it cannot write the catalog, export or erase.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from local.jwt_issuer import SERVICE_SCOPE, LocalIssuer

ROUTE = "/local/dev-token"
SUBJECT = "mixtape-console"
SCOPES = ("events:write", "recommendations:read", "profiles:read", SERVICE_SCOPE)
TTL_S = 3600


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def dev_token_document(issuer: LocalIssuer, path: str, bind_host: str) -> dict[str, Any] | None:
    """The token reply for ROUTE on a loopback-bound adapter (the fields of an OAuth 2 token
    response); None for any other path or when the adapter is reachable from other machines."""
    if path != ROUTE or not _loopback(bind_host):
        return None
    return {
        "access_token": issuer.sign(SUBJECT, SCOPES, TTL_S),
        "expires_in": TTL_S,
        "scope": " ".join(SCOPES),
    }
