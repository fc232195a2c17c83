"""moto's own WSGI app behind one lock for DynamoDB requests, as DynamoDB makes each request atomic.

moto evaluates a write's ConditionExpression and then applies the write with no lock in between, so two
threads' conditional writes on one item can both pass the same check and one update is lost. Mixtape's
exactly-once folding relies on that check (`mixtape.profiles.apply.apply_user_events`). The server
handles requests on threads, so each DynamoDB request (`X-Amz-Target: DynamoDB_<version>.<Operation>`)
is handled under one lock; SQS long polls and S3 stay concurrent. A stand-in only: DynamoDB needs none.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

DYNAMODB_TARGET = "DynamoDB_"


class AtomicDynamoDB:
    """WSGI middleware: DynamoDB requests one at a time, every other request as it comes."""

    def __init__(self, app: WSGIApplication) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET):
            return self._app(environ, start_response)
        with self._lock:
            # moto builds the whole reply in the call: the check and the write both happen under the lock
            return self._app(environ, start_response)


def moto_server(host: str, port: int) -> BaseWSGIServer:
    """A threaded server of moto's app (as `moto.server.ThreadedMotoServer` builds it), DynamoDB atomic."""
    app = AtomicDynamoDB(DomainDispatcherApplication(create_backend_app))
    return make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
