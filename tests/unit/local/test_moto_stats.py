"""The moto server's opt-in per-operation stats (local.moto_wsgi, local.moto_stats)."""

import json
from collections.abc import Callable, Iterable
from typing import Any

from local.moto_stats import render
from local.moto_wsgi import STATS_PATH, AtomicDynamoDB, OperationStats, operation


def environ(path: str = "/", target: str = "", query: str = "", method: str = "POST") -> dict[str, Any]:
    found = {"PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": method}
    return found | ({"HTTP_X_AMZ_TARGET": target} if target else {})


def app(_environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [])
    return [b"{}"]


def call(middleware: AtomicDynamoDB, env: dict[str, Any]) -> bytes:
    return b"".join(middleware(env, lambda *_: None))  # type: ignore[arg-type]


def test_operations_are_named_by_service_and_action():
    assert operation(environ(target="DynamoDB_20120810.UpdateItem")) == "DynamoDB.UpdateItem"
    assert operation(environ(target="AmazonSQS.ReceiveMessage")) == "SQS.ReceiveMessage"
    assert operation(environ(query="Action=SendMessage&Version=1")) == "SendMessage"
    assert operation(environ(path="/bucket/key", method="GET")) == "S3.GET"


def test_every_request_is_counted_and_the_table_is_served_only_when_enabled():
    stats = OperationStats()
    middleware = AtomicDynamoDB(app, stats)
    for _ in range(3):
        assert call(middleware, environ(target="DynamoDB_20120810.GetItem")) == b"{}"
    call(middleware, environ(target="AmazonSQS.SendMessageBatch"))
    table = json.loads(call(middleware, environ(path=STATS_PATH, method="GET")))
    assert {name: row["calls"] for name, row in table.items()} == {
        "DynamoDB.GetItem": 3,
        "SQS.SendMessageBatch": 1,
    }
    assert "DynamoDB.GetItem" in render(table)
    plain = AtomicDynamoDB(app)
    assert call(plain, environ(path=STATS_PATH, method="GET")) == b"{}"  # moto's own answer: no stats
