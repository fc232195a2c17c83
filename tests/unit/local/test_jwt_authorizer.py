"""The local JWT authorizer accepts and rejects exactly what API Gateway's HTTP API JWT authorizer does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from local.http_adapter import LocalHttpServer
from local.jwt_authorizer import AuthorizerDeniedError, JwtAuthorizer, claim_string
from local.jwt_issuer import JWKS_PATH, SERVICE_SCOPES, LocalIssuer
from local.stack import LocalFunction
from local.template import Function, HttpRoute, TemplateError, load_template

PROFILE = HttpRoute(
    "GET", "/v1/users/{user_id}/profile", "Fn", authorizer="MixtapeJwt", scopes=("profiles:read",)
)
HEALTH = HttpRoute("GET", "/v1/health", "Fn")
HOUR = 3600


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer.start(3000, tmp_path_factory.mktemp("issuer"))


@pytest.fixture(scope="module")
def authorizer(issuer: LocalIssuer) -> JwtAuthorizer:
    return JwtAuthorizer.of(issuer)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def _claims(issuer: LocalIssuer, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": issuer.issuer, "aud": "mixtape", "sub": "alice", "scope": "profiles:read"}
    return {**claims, "iat": now, "nbf": now, "exp": now + HOUR, **overrides}


def _denied(authorizer: JwtAuthorizer, authorization: str | None, route: HttpRoute = PROFILE) -> int:
    with pytest.raises(AuthorizerDeniedError) as denied:
        authorizer.authorize(route, authorization)
    return denied.value.status


def test_a_valid_token_passes_its_claims_as_api_gateway_does(issuer, authorizer):
    token = issuer.sign("alice", ["profiles:read", "events:write"], flag=True, groups=["a", "b"])
    context = authorizer.authorize(PROFILE, f"Bearer {token}")
    assert context is not None
    claims = context["jwt"]["claims"]
    assert claims["sub"] == "alice"
    assert claims["iss"] == issuer.issuer
    assert claims["aud"] == "mixtape"
    assert claims["scope"] == "profiles:read events:write"
    assert claims["exp"] == str(jwt.decode(token, options={"verify_signature": False})["exp"])
    assert claims["flag"] == "true"
    assert claims["groups"] == "[a b]"
    assert all(isinstance(v, str) for v in claims.values())
    assert context["jwt"]["scopes"] == ["profiles:read", "events:write"]


def test_the_bearer_prefix_is_optional_and_case_insensitive(issuer, authorizer):
    token = issuer.sign("alice", ["profiles:read"])
    assert authorizer.authorize(PROFILE, token) is not None
    assert authorizer.authorize(PROFILE, f"bearer {token}") is not None


def test_a_public_route_needs_no_token(authorizer):
    assert authorizer.authorize(HEALTH, None) is None
    assert authorizer.authorize(HEALTH, "Bearer garbage") is None  # API Gateway does not look at it


@pytest.mark.parametrize("authorization", [None, "", "Bearer ", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz"])
def test_no_token_or_not_a_jwt_is_401(authorizer, authorization):
    assert _denied(authorizer, authorization) == 401


@pytest.mark.parametrize(
    ("case", "overrides"),
    [
        # Claims made from the test's own now: collection may come minutes before the test runs.
        ("expired", lambda now: {"exp": now - 1}),
        ("not yet valid", lambda now: {"nbf": now + 60}),
        ("issued in the future", lambda now: {"iat": now + 60}),
        ("wrong issuer", lambda now: {"iss": "https://evil.example.com/"}),
        ("issuer with another port", lambda now: {"iss": "http://127.0.0.1:3001/local-issuer"}),
        ("wrong audience", lambda now: {"aud": "someone-else"}),
        ("wrong audience list", lambda now: {"aud": ["a", "b"]}),
    ],
)
def test_claims_api_gateway_rejects_are_401(issuer, authorizer, case, overrides):
    claims = _claims(issuer, **overrides(int(time.time())))
    token = jwt.encode(claims, issuer.private_key, "RS256", headers={"kid": issuer.kid})
    assert _denied(authorizer, f"Bearer {token}") == 401, case


@pytest.mark.parametrize("missing", ["exp", "iss"])
def test_a_token_without_exp_or_iss_is_401(issuer, authorizer, missing):
    claims = _claims(issuer)
    del claims[missing]
    token = jwt.encode(claims, issuer.private_key, "RS256", headers={"kid": issuer.kid})
    assert _denied(authorizer, token) == 401


def test_audience_in_a_list_or_client_id_without_aud_passes(issuer, authorizer):
    listed = _claims(issuer, aud=["other", "mixtape"])
    by_client = _claims(issuer, client_id="mixtape")
    del by_client["aud"]
    neither = _claims(issuer)
    del neither["aud"]
    for claims in (listed, by_client):
        token = jwt.encode(claims, issuer.private_key, "RS256", headers={"kid": issuer.kid})
        assert authorizer.authorize(PROFILE, token) is not None
    token = jwt.encode(neither, issuer.private_key, "RS256", headers={"kid": issuer.kid})
    assert _denied(authorizer, token) == 401


def test_a_signature_by_another_key_is_401(issuer, authorizer):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(_claims(issuer), other, "RS256", headers={"kid": issuer.kid})
    assert _denied(authorizer, forged) == 401
    header, _payload, signature = issuer.sign("alice", ["profiles:read"]).split(".")
    tampered = _b64(json.dumps({**_claims(issuer), "sub": "mallory"}).encode())
    assert _denied(authorizer, f"{header}.{tampered}.{signature}") == 401


def test_an_unknown_or_missing_kid_is_401(issuer, authorizer):
    for headers in ({"kid": "another-key"}, {}):
        token = jwt.encode(_claims(issuer), issuer.private_key, "RS256", headers=headers)
        assert _denied(authorizer, token) == 401


def test_alg_none_is_401(issuer, authorizer):
    unsigned = _unsigned({"alg": "none", "typ": "JWT", "kid": issuer.kid}, _claims(issuer))
    assert _denied(authorizer, f"{unsigned}.") == 401


def test_hs256_keyed_with_the_public_key_is_401(issuer, authorizer):
    # The classic confusion attack: the verifier's public key used as an HMAC secret.
    public_pem = issuer.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": issuer.kid}, _claims(issuer))
    signature = _b64(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    assert _denied(authorizer, f"{signing_input}.{signature}") == 401


def test_a_token_without_the_routes_scope_is_403(issuer, authorizer):
    token = issuer.sign("alice", ["recommendations:read", "events:write"])
    with pytest.raises(AuthorizerDeniedError) as denied:
        authorizer.authorize(PROFILE, token)
    status, headers, body = denied.value.response()
    assert (status, body) == (403, b'{"message":"Forbidden"}')
    assert headers["www-authenticate"].startswith("Bearer ")
    assert _denied(authorizer, issuer.sign("alice", [])) == 403


def test_any_one_of_the_routes_scopes_is_enough(issuer, authorizer):
    either = HttpRoute("GET", "/x", "Fn", authorizer="MixtapeJwt", scopes=("a:read", "b:read"))
    assert authorizer.authorize(either, issuer.sign("alice", ["b:read"])) is not None
    only_scp = _claims(issuer, scp=["profiles:read"])
    del only_scp["scope"]
    token = jwt.encode(only_scp, issuer.private_key, "RS256", headers={"kid": issuer.kid})
    assert authorizer.authorize(PROFILE, token) is not None


def test_401_response_is_api_gateways(authorizer):
    with pytest.raises(AuthorizerDeniedError) as denied:
        authorizer.authorize(PROFILE, None)
    status, headers, body = denied.value.response()
    assert (status, body) == (401, b'{"message":"Unauthorized"}')
    assert headers["www-authenticate"] == "Bearer"


def test_claim_strings():
    assert claim_string("x") == "x"
    assert claim_string(1700000000) == "1700000000"
    assert claim_string(False) == "false"
    assert claim_string(["a", "b"]) == "[a b]"


# ---------- the issuer ----------


def test_the_issuer_keeps_its_key_and_records_its_url(tmp_path: Path):
    first = LocalIssuer.start(3100, tmp_path)
    again = LocalIssuer.start(3200, tmp_path)
    assert first.kid == again.kid  # same key across restarts: tokens in a shell survive them
    running = LocalIssuer.of_running_stack(tmp_path)
    assert running.issuer == "http://127.0.0.1:3200/local-issuer"
    assert (tmp_path / "jwt-private-key.pem").stat().st_mode & 0o077 == 0
    token = running.service_token()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims["scope"].split()) == set(SERVICE_SCOPES)
    assert "listeners:any" in claims["scope"].split()


# ---------- routes from the template ----------

_TEMPLATE = """
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration: {issuer: !Ref JwtIssuer, audience: [!Ref JwtAudience]}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/x
      Handler: app.handler
      Events:
        Private:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /private, Method: GET, Auth: {AuthorizationScopes: [a:read]}}
        Default:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /default, Method: GET}
        Public:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /public, Method: GET, Auth: {Authorizer: NONE}}
"""


def test_routes_read_their_guard_from_the_template(tmp_path: Path):
    path = tmp_path / "template.yaml"
    path.write_text(_TEMPLATE)
    template = load_template(path)
    guards = {r.path: (r.authorizer, r.scopes) for r in template.routes}
    assert guards == {"/private": ("Jwt", ("a:read",)), "/default": ("Jwt", ()), "/public": (None, ())}
    assert template.authorizers["Jwt"].identity_source == "$request.header.Authorization"


def test_an_unknown_authorizer_is_a_template_error(tmp_path: Path):
    path = tmp_path / "template.yaml"
    path.write_text(_TEMPLATE.replace("Auth: {Authorizer: NONE}", "Auth: {Authorizer: Other}"))
    with pytest.raises(TemplateError, match="Other"):
        load_template(path)


CONTRACT_SCOPES = {
    "POST /v1/events": ("events:write",),
    "PUT /v1/items": ("catalog:write",),
    "GET /v1/users/{user_id}/recommendations": ("recommendations:read",),
    "GET /v1/items/{item_id}/similar": ("recommendations:read",),
    "GET /v1/trending": ("recommendations:read",),
    "GET /v1/users/{user_id}/profile": ("profiles:read",),
    "GET /v1/users/{user_id}/export": ("users:export",),
    "DELETE /v1/users/{user_id}": ("users:erase",),
    "PUT /v1/users/{user_id}/preferences": ("preferences:write",),
    "POST /v1/users/{user_id}/rerank": ("recommendations:read",),
    "GET /v1/blend": ("recommendations:read",),
}
PUBLIC = {
    "GET /v1/health",
    "GET /v1/openapi.json",
    "GET /v1/docs",
    "GET /v1/docs/{asset}",
    "GET /console",
    "GET /console/{asset}",
}


def test_the_repository_template_guards_each_route_as_the_contract_says():
    routes = {r.route_key: r for r in load_template().routes}
    assert set(routes) == set(CONTRACT_SCOPES) | PUBLIC
    for key, route in routes.items():
        if key in PUBLIC:
            assert route.authorizer is None, key
        else:
            assert route.authorizer is not None, key
            assert route.scopes == CONTRACT_SCOPES[key], key


# ---------- the HTTP adapter ----------


@pytest.fixture
def server(issuer: LocalIssuer) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    def handler(event: Any, _context: Any) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 200, "body": "{}", "headers": {"content-type": "application/json"}}

    function = Function("Fn", Path("."), "app.handler", {}, 3, 128)
    functions = {"Fn": LocalFunction(function, handler)}
    httpd = LocalHttpServer(("127.0.0.1", 0), [PROFILE, HEALTH], functions, issuer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def _get(url: str, token: str | None = None) -> tuple[int, dict[str, str], bytes]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_adapter_rejects_before_invoking_and_passes_claims_when_valid(server, issuer):
    base, seen = server
    status, headers, body = _get(f"{base}/v1/users/alice/profile")
    assert (status, body, headers["www-authenticate"]) == (401, b'{"message":"Unauthorized"}', "Bearer")
    status, _, body = _get(f"{base}/v1/users/alice/profile", issuer.sign("alice", ["events:write"]))
    assert (status, body) == (403, b'{"message":"Forbidden"}')
    assert seen == []  # neither reached the function

    assert _get(f"{base}/v1/users/alice/profile", issuer.sign("alice", ["profiles:read"]))[0] == 200
    assert seen[-1]["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "alice"
    assert seen[-1]["requestContext"]["authorizer"]["jwt"]["scopes"] == ["profiles:read"]

    assert _get(f"{base}/v1/health")[0] == 200
    assert "authorizer" not in seen[-1]["requestContext"]


def test_the_adapter_serves_the_jwks_that_verifies_its_tokens(server, issuer):
    base, _ = server
    status, _, body = _get(base + JWKS_PATH)
    assert status == 200
    keys = jwt.PyJWKSet.from_dict(json.loads(body))
    token = issuer.sign("alice", ["profiles:read"])
    key = next(k for k in keys.keys if k.key_id == jwt.get_unverified_header(token)["kid"])
    assert jwt.decode(token, key.key, algorithms=["RS256"], audience="mixtape")["sub"] == "alice"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/nope"),
        ("POST", "/v1/health"),
        ("TRACE", "/v1/health"),
        ("PROPFIND", "/"),
        ("GET", "/v1/users/a"),
    ],
)
def test_requests_no_route_takes_get_api_gateways_404_whatever_the_method(server, method, path):
    base, seen = server
    request = urllib.request.Request(base + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status, headers, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, dict(error.headers), error.read()
    assert (status, body, headers["content-type"]) == (404, b'{"message":"Not Found"}', "application/json")
    assert seen == []
