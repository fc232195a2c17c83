"""API Gateway HTTP API in front of the local functions: payload format 2.0 events in, proxy responses out."""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local.dev_token import dev_token_document
from local.jwt_authorizer import AuthorizerDeniedError, JwtAuthorizer, authorization_header
from local.jwt_issuer import ISSUER_PATH, JWKS_PATH, LocalIssuer
from local.stack import LocalFunction
from local.template import ACCOUNT_ID, HttpRoute, RouteMatch, match_route

logger = logging.getLogger(__name__)

API_ID = "local"
_GATEWAY_ERROR = {"message": "Internal Server Error"}


def _request_id() -> str:
    return base64.b64encode(secrets.token_bytes(12)).decode()[:15] + "="  # shaped like API Gateway's ids


def http_api_event(
    match: RouteMatch,
    *,
    method: str,
    raw_path: str,
    raw_query: str = "",
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    source_ip: str = "127.0.0.1",
    server_port: int = 80,
    protocol: str = "HTTP/1.1",
    request_id: str | None = None,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The event API Gateway sends for this request (payload format version 2.0); `authorizer` is what
    the route's JWT authorizer passes on (`{"jwt": {"claims": ..., "scopes": ...}}`)."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":  # 2.0 moves cookies out of the headers into their own list
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
        else:  # repeated headers are comma-joined
            joined[key] = f"{joined[key]},{value}" if key in joined else value
    forwarded_for = joined.get("x-forwarded-for")
    joined["x-forwarded-for"] = f"{forwarded_for}, {source_ip}" if forwarded_for else source_ip
    joined["x-forwarded-port"] = str(server_port)
    joined["x-forwarded-proto"] = "http"
    joined.setdefault("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}")

    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value

    now = datetime.now(UTC)
    domain = joined.get("host", "localhost").split(":")[0]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": match.route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": joined,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": domain,
            "domainPrefix": domain.split(".")[0],
            "http": {
                "method": method,
                "path": unquote(raw_path),
                "protocol": protocol,
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": request_id or _request_id(),
            "routeKey": match.route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer
    # Absent, not empty, when there is nothing to send: that is what API Gateway does.
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def http_response(result: Any) -> tuple[int, dict[str, str], list[str], bytes]:
    """(status, headers, set-cookies, body) from a function result, interpreted as payload 2.0 does."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # Without a statusCode, API Gateway assumes a 200 JSON response whose body is the result.
        text = result if isinstance(result, str) else json.dumps(result)
        return 200, {"content-type": "application/json"}, [], text.encode()
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise TypeError(f"response body must be a string, got {type(body).__name__}")
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
    return int(result["statusCode"]), headers, [str(c) for c in result.get("cookies") or []], raw


NOT_FOUND = b'{"message":"Not Found"}'  # API Gateway's body when no route matches


class LocalHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        routes: list[HttpRoute],
        functions: dict[str, LocalFunction],
        issuer: LocalIssuer,
    ) -> None:
        super().__init__(address, _RequestHandler)
        self.routes = routes
        self.functions = functions
        self.issuer = issuer
        self.authorizer = JwtAuthorizer.of(issuer)

    def issuer_document(self, path: str) -> dict[str, Any] | None:
        """What the local issuer serves (its JWKS, and the discovery document that points at it)."""
        if path == JWKS_PATH:
            return self.issuer.jwks()
        if path == f"{ISSUER_PATH}/.well-known/openid-configuration":
            base = self.issuer.issuer.removesuffix(ISSUER_PATH)
            return {
                "issuer": self.issuer.issuer,
                "jwks_uri": base + JWKS_PATH,
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        return dev_token_document(self.issuer, path, str(self.server_address[0]))  # the console's token


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like API Gateway
    server: LocalHttpServer

    def _dispatch(self) -> None:
        started = time.monotonic()
        target = urlsplit(self.path)
        body = self._read_body()
        match = match_route(self.server.routes, self.command, target.path)
        cookies: list[str] = []
        request_id = _request_id()
        document = self.server.issuer_document(target.path) if self.command in ("GET", "HEAD") else None
        if document is not None:
            target_name = "local-issuer"
            status, headers = 200, {"content-type": "application/json"}
            payload = json.dumps(document).encode()
        elif match is None:
            # API Gateway's HTTP API answers any request no route takes, whatever its method (it has no
            # 405), with this 404; nothing is invoked.
            target_name = "-"
            status, headers, payload = 404, {}, NOT_FOUND
            headers["content-type"] = "application/json"
        else:
            target_name = match.route.function_id
            try:
                authorizer = self.server.authorizer.authorize(
                    match.route, authorization_header(dict(self.headers.items()))
                )
            except AuthorizerDeniedError as denied:
                # Rejected before any function runs, as API Gateway does: nothing is invoked or stored.
                status, headers, payload = denied.response()
                self._write(status, headers, cookies, payload, request_id)
                logger.info(
                    '%s "%s %s" %d rejected by the JWT authorizer: %s',
                    self.client_address[0],
                    self.command,
                    self.path,
                    status,
                    denied.reason,
                )
                return
            event = http_api_event(
                match,
                method=self.command,
                raw_path=target.path,
                raw_query=target.query,
                headers=self.headers.items(),
                body=body,
                source_ip=self.client_address[0],
                server_port=self.server.server_address[1],
                protocol=self.request_version,
                request_id=request_id,
                authorizer=authorizer,
            )
            try:
                result = self.server.functions[target_name].invoke(event)
                status, headers, cookies, payload = http_response(result)
            except Exception:
                logger.exception("%s failed on %s", target_name, match.route.route_key)
                status, headers = 502, {"content-type": "application/json"}
                payload = json.dumps(_GATEWAY_ERROR).encode()
        self._write(status, headers, cookies, payload, request_id)
        logger.info(
            '%s "%s %s" %d %dB %.1fms -> %s',
            self.client_address[0],
            self.command,
            self.path,
            status,
            len(payload),
            (time.monotonic() - started) * 1000,
            target_name,
        )

    # http.server dispatches on `do_<METHOD>`; routing (and the 404) is ours, so every method goes there,
    # including ones no route can have (TRACE, CONNECT, ...), which http.server would answer with HTML 501.
    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # optional trailers, then the blank line
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def _write(
        self, status: int, headers: dict[str, str], cookies: list[str], payload: bytes, request_id: str
    ) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        for cookie in cookies:  # each cookie becomes its own set-cookie header
            self.send_header("set-cookie", cookie)
        self.send_header("apigw-requestid", request_id)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Replaced by the access line `_dispatch` logs."""

    def log_message(self, format: str, *args: Any) -> None:
        logger.warning("%s %s", self.client_address[0], format % args)
