"""API Gateway's HTTP API JWT authorizer, locally: the same checks, rejections and event context.

What API Gateway does for a route with a JWT authorizer (AWS docs, "Controlling access to HTTP APIs with
JWT authorizers"): take the token from the identity source (`Authorization`, an optional `Bearer ` prefix
stripped); require a `kid` naming a key of the issuer's JWKS and an RSA signature by it; require `iss` equal
to the configured issuer, `aud` (or `client_id` when there is no `aud`) among the configured audiences,
`exp` after now, `nbf` and `iat` (when present) not after now; any failure is 401 `{"message":
"Unauthorized"}`. Then, if the route lists authorization scopes, the token's `scope` (or `scp`) must hold
at least one of them, else 403 `{"message":"Forbidden"}`. The function then sees every claim, each value a
string, and the token's scopes under `requestContext.authorizer.jwt`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from local.jwt_issuer import ALGORITHM, LocalIssuer
from local.template import HttpRoute

UNAUTHORIZED_BODY = {"message": "Unauthorized"}
FORBIDDEN_BODY = {"message": "Forbidden"}


class AuthorizerDeniedError(Exception):
    """The authorizer's rejection: API Gateway's status, body and `www-authenticate` header."""

    def __init__(self, status: int, www_authenticate: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.www_authenticate = www_authenticate
        self.reason = reason

    @property
    def body(self) -> dict[str, str]:
        return FORBIDDEN_BODY if self.status == 403 else UNAUTHORIZED_BODY

    def response(self) -> tuple[int, dict[str, str], bytes]:
        headers = {"content-type": "application/json", "www-authenticate": self.www_authenticate}
        return self.status, headers, json.dumps(self.body, separators=(",", ":")).encode()


def _invalid(description: str) -> AuthorizerDeniedError:
    challenge = f'Bearer scope="" error="invalid_token" error_description="{description}"'
    return AuthorizerDeniedError(401, challenge, description)


def claim_string(value: Any) -> str:
    """How API Gateway hands a claim to the function: strings as they are, numbers and booleans as JSON
    text, arrays as `[a b]`."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(claim_string(v) for v in value) + "]"
    return json.dumps(value, separators=(",", ":"))


def token_scopes(claims: Mapping[str, Any]) -> list[str]:
    """`scope` (space-separated, OAuth 2) or else `scp` (a list or a string), as API Gateway reads them."""
    for name in ("scope", "scp"):
        raw = claims.get(name)
        if isinstance(raw, list):
            return [str(s) for s in raw]
        if isinstance(raw, str) and raw.strip():
            return raw.split()
    return []


@dataclass(frozen=True)
class JwtAuthorizer:
    """Validates against one issuer's JWKS; locally issuer and audience are the local issuer's (the
    template's JwtIssuer/JwtAudience parameters name the deployed identity provider)."""

    issuer: str
    audiences: tuple[str, ...]
    jwks: jwt.PyJWKSet

    @classmethod
    def of(cls, issuer: LocalIssuer) -> JwtAuthorizer:
        return cls(issuer.issuer, (issuer.audience,), jwt.PyJWKSet.from_dict(issuer.jwks()))

    def authorize(self, route: HttpRoute, authorization: str | None) -> dict[str, Any] | None:
        """The `requestContext.authorizer` of the event for this request, None for a public route; raises
        AuthorizerDeniedError as API Gateway would reject the request before invoking anything."""
        if route.authorizer is None:
            return None
        claims = self.verify(authorization)
        scopes = token_scopes(claims)
        if route.scopes and not set(route.scopes) & set(scopes):
            wanted = " ".join(route.scopes)
            raise AuthorizerDeniedError(
                403,
                f'Bearer scope="{wanted}" error="insufficient_scope" '
                f'error_description="expected scopes: [{wanted}]"',
                f"token lacks every scope of [{wanted}]",
            )
        return {
            "jwt": {
                "claims": {name: claim_string(value) for name, value in claims.items()},
                "scopes": scopes or None,
            }
        }

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """The token's claims once signature, iss, aud, exp, nbf and iat all hold; else a 401."""
        if not authorization or not authorization.strip():
            raise AuthorizerDeniedError(401, "Bearer", "no Authorization header")
        token = authorization.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise _invalid("the token is not a valid JWT") from exc
        # Checked before any key is used: `none` and HMAC (a public key used as a shared secret) never verify.
        if header.get("alg") != ALGORITHM:
            raise _invalid(f"signing algorithm {header.get('alg')!r} is not supported")
        kid = header.get("kid")
        key = next((k for k in self.jwks.keys if kid is not None and k.key_id == kid), None)
        if key is None:
            raise _invalid("no key in the JWKS matches the token's kid")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                options={"require": ["exp", "iss"], "verify_aud": False},
                leeway=0,
            )
        except jwt.ExpiredSignatureError as exc:
            raise _invalid("the token has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise _invalid("the token is not valid yet") from exc
        except jwt.InvalidIssuerError as exc:
            raise _invalid("the token does not have a valid issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise _invalid("the token's signature does not verify") from exc
        except jwt.InvalidTokenError as exc:
            raise _invalid(f"the token is invalid: {exc}") from exc
        self._check_audience(claims)
        return claims

    def _check_audience(self, claims: Mapping[str, Any]) -> None:
        # API Gateway reads client_id only when the token has no aud at all.
        if "aud" in claims:
            aud = claims["aud"]
            presented = {aud} if isinstance(aud, str) else set(aud) if isinstance(aud, list) else set()
        elif "client_id" in claims:
            presented = {claims["client_id"]}
        else:
            presented = set()
        if not presented & set(self.audiences):
            raise _invalid("the token does not have a valid audience")


def authorization_header(headers: Mapping[str, str]) -> str | None:
    """The identity source `$request.header.Authorization` (header names are case-insensitive)."""
    return next((v for k, v in headers.items() if k.lower() == "authorization"), None)
