"""moto's own WSGI app behind one lock for DynamoDB requests, as DynamoDB makes each request atomic.

moto evaluates a write's ConditionExpression and then applies the write with no lock in between, so two
threads' conditional writes on one item can both pass the same check and one update is lost. Mixtape's
exactly-once folding relies on that check (`mixtape.profiles.apply.apply_user_events`). The server
handles requests on threads, so each DynamoDB request (`X-Amz-Target: DynamoDB_<version>.<Operation>`)
is handled under one lock; SQS long polls and S3 stay concurrent. A stand-in only: DynamoDB needs none.

With `MIXTAPE_MOTO_STATS=1` in its environment, the server also times every request by operation (wall
time in moto and the handling thread's CPU time) and answers `GET /_mixtape/moto-stats` with the table as
JSON (`python -m local.moto_stats` prints it): where a local run's AWS time goes.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

DYNAMODB_TARGET = "DynamoDB_"
STATS_ENV = "MIXTAPE_MOTO_STATS"
STATS_PATH = "/_mixtape/moto-stats"


def operation(environ: WSGIEnvironment) -> str:
    """`DynamoDB.UpdateItem`, `SQS.ReceiveMessage` (JSON protocols name it in X-Amz-Target), else the
    query protocol's Action, else the HTTP method (S3)."""
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target:
        service, _, name = target.partition(".")
        return (
            f"{'DynamoDB' if service.startswith(DYNAMODB_TARGET) else service.removeprefix('Amazon')}.{name}"
        )
    query = str(environ.get("QUERY_STRING", ""))
    action = next((p.removeprefix("Action=") for p in query.split("&") if p.startswith("Action=")), "")
    return action or f"S3.{environ.get('REQUEST_METHOD', '?')}"


class OperationStats:
    """Per operation: calls, seconds in moto (wall) and CPU seconds of the thread that handled them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, list[float]] = {}

    def add(self, name: str, wall: float, cpu: float) -> None:
        with self._lock:
            row = self._rows.setdefault(name, [0.0, 0.0, 0.0])
            row[0] += 1
            row[1] += wall
            row[2] += cpu

    def table(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {
                name: {"calls": int(calls), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}
                for name, (calls, wall, cpu) in sorted(self._rows.items(), key=lambda kv: -kv[1][2])
            }


class AtomicDynamoDB:
    """WSGI middleware: DynamoDB requests one at a time, every other request as it comes."""

    def __init__(self, app: WSGIApplication, stats: OperationStats | None = None) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._stats = stats

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self._stats is not None and environ.get("PATH_INFO") == STATS_PATH:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(self._stats.table()).encode()]
        if self._stats is None:
            return self._handle(environ, start_response)
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return self._handle(environ, start_response)
        finally:
            self._stats.add(operation(environ), time.perf_counter() - wall, time.thread_time() - cpu)

    def _handle(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET):
            return self._app(environ, start_response)
        with self._lock:
            # moto builds the whole reply in the call: the check and the write both happen under the lock
            return self._app(environ, start_response)


def moto_server(host: str, port: int) -> BaseWSGIServer:
    """A threaded server of moto's app (as `moto.server.ThreadedMotoServer` builds it), DynamoDB atomic."""
    stats = OperationStats() if os.environ.get(STATS_ENV) == "1" else None
    app = AtomicDynamoDB(DomainDispatcherApplication(create_backend_app), stats)
    return make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
