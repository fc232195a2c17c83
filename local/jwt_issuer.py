"""The local stack's token issuer: one RS256 key, its JWKS, and signing (PyJWT with cryptography).

The runner is the issuer (`http://127.0.0.1:<port>/local-issuer`); its key and the issuer it signs for are
kept in the stack's directory (`$MIXTAPE_LOCAL_DIR`, default `.local/`, gitignored), where `make token`,
the seed and the local tools find them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ALGORITHM = "RS256"
AUDIENCE = "mixtape"
ISSUER_PATH = "/local-issuer"
JWKS_PATH = f"{ISSUER_PATH}/.well-known/jwks.json"
DEFAULT_TTL_S = 3600
SERVICE_SCOPE = "listeners:any"  # the contract's mark of a service (client-credentials) token
LISTENER_SCOPES = (
    "events:write",
    "recommendations:read",
    "profiles:read",
    "users:export",
    "users:erase",
    "preferences:write",
)
SERVICE_SCOPES = (*LISTENER_SCOPES, "catalog:write", SERVICE_SCOPE)
SERVICE_SUBJECT = "mixtape-local-tools"

_KEY_FILE = "jwt-private-key.pem"
_ISSUER_FILE = "jwt-issuer.json"
_REPO_ROOT = Path(__file__).resolve().parent.parent


def state_dir() -> Path:
    return Path(os.environ.get("MIXTAPE_LOCAL_DIR") or _REPO_ROOT / ".local")


def issuer_url(port: int) -> str:
    return f"http://127.0.0.1:{port}{ISSUER_PATH}"


class NoLocalIssuerError(RuntimeError):
    """No running stack has written its issuer into the state directory."""


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638 JWK thumbprint: a stable `kid` derived from the key itself."""
    numbers = public_key.public_numbers()
    canonical = json.dumps(
        {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)},
        separators=(",", ":"),
        sort_keys=True,
    )
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def _write_private(path: Path, data: bytes) -> None:
    """Owner-only, written beside and renamed so a concurrent reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    temporary.replace(path)


@dataclass(frozen=True)
class LocalIssuer:
    issuer: str
    audience: str
    private_key: rsa.RSAPrivateKey

    @property
    def kid(self) -> str:
        return _thumbprint(self.private_key.public_key())

    @classmethod
    def start(cls, port: int, directory: Path | None = None) -> LocalIssuer:
        """The issuer of a stack starting on `port`: the directory's key (a new one if it has none), and
        the issuer URL recorded for `make token`."""
        directory = directory or state_dir()
        directory.mkdir(parents=True, exist_ok=True)
        key_path = directory / _KEY_FILE
        if key_path.exists():
            key = _load_key(key_path)
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            _write_private(key_path, pem)
        issuer = cls(issuer_url(port), AUDIENCE, key)
        _write_private(
            directory / _ISSUER_FILE, json.dumps({"issuer": issuer.issuer, "audience": AUDIENCE}).encode()
        )
        return issuer

    @classmethod
    def of_running_stack(cls, directory: Path | None = None) -> LocalIssuer:
        """The issuer the running stack (`make run`) signs for, read back from its directory."""
        directory = directory or state_dir()
        try:
            recorded = json.loads((directory / _ISSUER_FILE).read_text(encoding="utf-8"))
            key = _load_key(directory / _KEY_FILE)
        except FileNotFoundError as exc:
            message = f"no local issuer in {directory}: start the stack with `make run`"
            raise NoLocalIssuerError(message) from exc
        return cls(str(recorded["issuer"]), str(recorded["audience"]), key)

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": ALGORITHM}]}

    def sign(
        self,
        sub: str,
        scopes: Iterable[str],
        ttl: int = DEFAULT_TTL_S,
        *,
        now: float | None = None,
        **claims: Any,
    ) -> str:
        """An access token as an OAuth 2 server would issue it; `claims` add to or override the defaults
        (tests use that for wrong issuers, audiences and times)."""
        issued = int(time.time() if now is None else now)
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "scope": " ".join(scopes),
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(payload, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def service_token(self, sub: str = SERVICE_SUBJECT, ttl: int = DEFAULT_TTL_S) -> str:
        """Every scope and `listeners:any`: what the local tools (seed, importer, measure) act with."""
        return self.sign(sub, SERVICE_SCOPES, ttl)


def _load_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError(f"{path} does not hold an RSA private key")
    return key


def service_token() -> str:
    """A service token from the running stack's issuer."""
    return LocalIssuer.of_running_stack().service_token()
