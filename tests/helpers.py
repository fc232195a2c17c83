"""Shared test helpers: sample events from events/, API Gateway HTTP API (v2) events, JSON bodies, and a
fresh interpreter for what is process state (imports, the garbage collector)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from local.template import load_template, match_route

ROOT = Path(__file__).resolve().parent.parent
EVENTS_DIR = ROOT / "events"
ROUTES = load_template().routes
# The claims API Gateway's JWT authorizer passes on for a service token (client credentials): every scope
# and `listeners:any`. `http_event(..., claims=None)` is a request with no authorizer context.
ALL_SCOPES = (
    "events:write catalog:write recommendations:read profiles:read users:export users:erase preferences:write"
)
SERVICE_CLAIMS: dict[str, Any] = {"sub": "svc-tests", "scope": f"{ALL_SCOPES} listeners:any"}


def listener_claims(user_id: str, scope: str = ALL_SCOPES) -> dict[str, Any]:
    """The claims of a listener's token: `sub` is the listener."""
    return {"sub": user_id, "scope": scope}


def load_event(name: str) -> dict[str, Any]:
    """A sample event from events/, as `sam local invoke -e` would send it."""
    return json.loads((EVENTS_DIR / name).read_text())


def http_event(
    method: str,
    path: str,
    body: Any = None,
    query: str = "",
    headers: dict[str, str] | None = None,
    claims: dict[str, Any] | None = SERVICE_CLAIMS,
) -> dict[str, Any]:
    """A minimal but faithful API Gateway HTTP API payload-format-2.0 event (routeKey is the template's
    route, e.g. `GET /v1/users/{user_id}/profile`; `$default` when no route matches), with `claims` in
    `requestContext.authorizer.jwt` as the JWT authorizer passes them."""
    match = match_route(ROUTES, method, path)
    route_key = match.route.route_key if match else "$default"
    params: dict[str, str] = {}
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        params[key] = f"{params[key]},{value}" if key in params else value
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"content-type": "application/json", **(headers or {})},
        "queryStringParameters": params or None,
        "pathParameters": match.path_parameters if match else None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": "test-request",
            "routeKey": route_key,
            "stage": "$default",
            "timeEpoch": 0,
        },
        "body": body if body is None or isinstance(body, str) else json.dumps(body),
        "isBase64Encoded": False,
    }
    if claims is not None:
        scopes = str(claims.get("scope", "")).split()
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": scopes or None}}
    return event


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def import_handler(function: str) -> str:
    """Python source that loads `functions/<function>/app.py` as Lambda does (module `app`, bound to
    `module`): the prelude of a `fresh_python` check of what a handler's init leaves behind."""
    path = ROOT / "functions" / function / "app.py"
    return (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('app', {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
    )


def fresh_python(code: str, **env: str) -> Any:
    """Run `code` in a new interpreter with the layer and the repository on its path and a Lambda-like
    minimal environment (plus `env`); returns the JSON its last output line prints."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **keep,
            "PYTHONPATH": f"{ROOT / 'layers' / 'common'}{os.pathsep}{ROOT}",
            "POWERTOOLS_SERVICE_NAME": "mixtape",
            "AWS_DEFAULT_REGION": "us-east-1",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])
