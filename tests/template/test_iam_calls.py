"""The IAM grants of template.yaml against the calls the handlers really make.

test_template.py pins each function's actions (EXPECTED_GRANTS) and that the template grants exactly those.
Here every handler runs its routes, queues and schedules under moto (the integration fixtures: tables,
queues and bucket built from the template) and each AWS call is recorded with the function that made it.
Every recorded call must be granted (code that starts making a new call fails until the template grants
it) and every grant must be used by the scenario (a call the code no longer makes fails until the
template drops it).
"""

import threading
from typing import Any

import botocore.client
import pytest

from mixtape import config
from tests.helpers import http_event, listener_claims, load_event
from tests.integration.conftest import Aws, aws, invoke  # noqa: F401 - fixtures used by the test below
from tests.template.test_template import PARSED, functions, granted_actions

# API operation -> the IAM action that authorises it, where the two names differ.
IAM_ACTION = {
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
}
Call = tuple[str, str, str]  # (function, resource logical id, IAM action)
# Granted but never an API call of its own: without s3:ListBucket, S3 answers a GET of a missing key (no
# model or snapshot published yet) with 403 instead of 404, and the readers treat 404 as "none yet".
NOT_AN_OPERATION = frozenset({"s3:ListBucket"})


class CallRecorder:
    """(function, resource, action) of every AWS call: the function being invoked, or on a worker thread
    the one being invoked when the thread started (thread pools, background refreshes)."""

    def __init__(self, stack: Aws) -> None:
        resources = stack.resources
        self._logical = {
            **{name: lid for lid, name in resources.table_names.items()},
            **{url: lid for lid, url in resources.queue_urls.items()},
            **{name: lid for lid, name in resources.bucket_names.items()},
        }
        self.current: str | None = None
        self.calls: set[Call] = set()

    def function(self) -> str | None:
        thread = threading.current_thread()
        if thread is threading.main_thread():
            return self.current
        return getattr(thread, "_mixtape_function", None)

    def record(self, service: str, operation: str, params: dict[str, Any]) -> None:
        function = self.function()
        if function is None:
            return
        names = [params.get("TableName"), params.get("Bucket"), params.get("QueueUrl")]
        names += list(params.get("RequestItems", {}))
        action = IAM_ACTION.get((service, operation), f"{service}:{operation}")
        for name in filter(None, names):
            self.calls.add((function, self._logical.get(str(name), str(name)), action))


@pytest.fixture
def recorder(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> CallRecorder:  # noqa: F811
    recording = CallRecorder(aws)
    make_api_call = botocore.client.BaseClient._make_api_call
    start = threading.Thread.start

    def recorded_call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        recording.record(self.meta.service_model.service_name, operation, params)
        return make_api_call(self, operation, params)

    def started(self: threading.Thread) -> None:
        self._mixtape_function = recording.function()  # type: ignore[attr-defined]
        start(self)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recorded_call)
    monkeypatch.setattr(threading.Thread, "start", started)
    return recording


def test_every_call_the_handlers_make_is_granted_by_the_template(
    aws: Aws,  # noqa: F811
    invoke: Any,  # noqa: F811
    recorder: CallRecorder,
    monkeypatch: pytest.MonkeyPatch,
):
    def run(function: str, event: dict[str, Any]) -> Any:
        recorder.current = function
        try:
            return invoke(function, event)
        finally:
            recorder.current = None

    def fold_profile_updates() -> None:
        records = aws.drain("ProfileUpdateQueue")
        assert records
        assert run("ProfileUpdateFunction", {"Records": records})["batchItemFailures"] == []

    assert run("IngestFunction", load_event("put_items.json"))["statusCode"] == 200
    # no snapshot yet: the recommend container scans the catalog table
    assert run("RecommendFunction", http_event("GET", "/v1/items/trk-9001/similar"))["statusCode"] == 200
    assert run("CatalogSnapshotFunction", load_event("catalog_snapshot_scheduled.json"))["published"]
    assert run("IngestFunction", load_event("post_events.json"))["statusCode"] == 202
    run("IngestFunction", load_event("sqs_ingest.json"))
    fold_profile_updates()
    user = load_event("delete_user.json")["pathParameters"]["user_id"]
    for method, path in [
        ("GET", f"/v1/users/{user}/recommendations"),
        ("GET", f"/v1/users/{user}/profile"),
        ("GET", "/v1/items/trk-0001/similar"),
        ("GET", "/v1/trending"),
    ]:
        assert run("RecommendFunction", http_event(method, path))["statusCode"] in (200, 404), path
    assert run("ProfileUpdateFunction", http_event("GET", f"/v1/users/{user}/export"))["statusCode"] == 200
    erased = run(
        "ProfileUpdateFunction", http_event("DELETE", f"/v1/users/{user}", claims=listener_claims(user))
    )
    assert erased["statusCode"] == 200
    monkeypatch.setenv("MIN_INTERACTIONS", "1")  # the sample events are enough to publish a model
    config.train_settings.cache_clear()
    assert run("TrainFunction", load_event("train_scheduled.json"))["published"]
    granted = {
        (fid, target, action)
        for fid, fn in functions(PARSED).items()
        for target, actions in granted_actions(fn).items()
        for action in actions
    }
    assert recorder.calls, "no AWS call was recorded"
    assert recorder.calls - granted == set()
    # and every grant was used: the scenario reaches each call the template allows
    assert {call for call in granted if call[2] not in NOT_AN_OPERATION} - recorder.calls == set()


def test_the_recorder_sees_a_call_the_template_does_not_grant(aws: Aws, recorder: CallRecorder):  # noqa: F811
    """The check above can fail: a scan of the events table made as IngestFunction is recorded ungranted."""
    recorder.current = "IngestFunction"
    aws.dynamodb.scan(TableName=aws.table("EventsTable"))
    assert ("IngestFunction", "EventsTable", "dynamodb:Scan") in recorder.calls
    assert not any(
        "dynamodb:Scan" in actions
        for target, actions in granted_actions(PARSED["Resources"]["IngestFunction"]).items()
    )
