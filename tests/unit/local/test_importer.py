"""The history importer: payloads the real API models accept, batching by user, retries, the summary.

HTTP is replaced by an in-memory fake API behind httpx's MockTransport (so requests go through the
generated client as they do against the stack) that validates bodies with the service's own pydantic
models and deduplicates events by (user_id, event_id) like the ingest handler.
"""

import io
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import pytest
from mixtape_client import AuthenticatedClient
from mixtape_client.types import Response
from pydantic import ValidationError

from local import importer, lastfm
from local.lastfm_import import plan, send
from mixtape.models.catalog import MAX_ITEMS_PER_BATCH, ItemBatch
from mixtape.models.events import MAX_EVENTS_PER_BATCH, EventBatch, ListeningEvent
from tests.lastfm_fixture import write_dataset
from tests.unit.conftest import NOW_MS

Reply = send.Reply


def json_reply(status: int, payload: Any) -> httpx.Response:
    return httpx.Response(status, json=payload)


class FakeApi:
    """PUT /v1/items and POST /v1/events with the real models; `script` forces statuses per route."""

    def __init__(self, script: dict[str, list[int]] | None = None) -> None:
        self.script = script or {}
        self.items: dict[str, dict[str, Any]] = {}
        self.events: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[str] = []
        self.tokens: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        route = f"{request.method} {request.url.path}"
        with self._lock:
            self.calls.append(route)
            self.tokens.add(request.headers.get("authorization", ""))
            if self.script.get(route):
                status = self.script[route].pop(0)
                if status == 0:
                    raise httpx.ConnectError("refused", request=request)
                return json_reply(status, {"error": {"code": f"c{status}", "message": "scripted"}})
            if route == "GET /v1/health":
                health = {"status": "ok", "version": "t", "catalog_items": 0, "catalog_version": 0}
                return json_reply(200, health)
            try:
                return self._handle(route, json.loads(request.content or b"{}"))
            except ValidationError as error:
                fields = [{"field": str(e["loc"]), "message": e["msg"]} for e in error.errors()]
                return json_reply(
                    422, {"error": {"code": "validation_error", "message": "invalid", "fields": fields}}
                )

    def _handle(self, route: str, payload: Any) -> httpx.Response:
        if route == "PUT /v1/items":
            batch = ItemBatch.model_validate(payload)
            self.items.update({item.item_id: item.model_dump() for item in batch.items})
            return json_reply(200, {"upserted": len(batch.items), "catalog_version": 1})
        assert route == "POST /v1/events"
        events = EventBatch.model_validate(payload).events
        new = [e for e in events if (e.user_id, e.event_id) not in self.events]
        self.events.update({(e.user_id, e.event_id): e.model_dump() for e in new})
        return json_reply(202, {"accepted": len(new), "duplicates": len(events) - len(new)})


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "lastfm")


def run(data_dir: Path, api: FakeApi, *extra: str) -> int:
    argv = ["lastfm", "--data", str(data_dir), "--base-url", "http://api.test", "--token", "tkn", *extra]
    return importer.main(argv, transport=httpx.MockTransport(api), clock_ms=lambda: NOW_MS)


def test_mirrored_limits_match_the_api_models():
    assert plan.MAX_ITEMS_PER_REQUEST == MAX_ITEMS_PER_BATCH
    assert plan.MAX_EVENTS_PER_REQUEST == MAX_EVENTS_PER_BATCH
    play = lastfm.Play(1, 2, plan.MAX_PLAY_COUNT)
    event = plan.play_events(play, NOW_MS)[0]
    assert ListeningEvent.model_validate(event).count == plan.MAX_PLAY_COUNT
    with pytest.raises(ValidationError, match="count"):
        ListeningEvent.model_validate({**event, "count": plan.MAX_PLAY_COUNT + 1})


def test_a_play_count_over_the_maximum_is_split_with_deterministic_ids():
    events = plan.play_events(lastfm.Play(7, 51, 7), NOW_MS, max_count=3)
    assert [(e["event_id"], e["count"]) for e in events] == [
        ("lfm-7-51", 3),
        ("lfm-7-51-2", 3),
        ("lfm-7-51-3", 1),
    ]
    assert events == plan.play_events(lastfm.Play(7, 51, 7), NOW_MS, max_count=3)
    for event in events:
        parsed = ListeningEvent.model_validate(event)
        assert (parsed.user_id, parsed.item_id, parsed.timestamp) == ("lfm-7", "lfm-art-51", NOW_MS)
    assert len(plan.play_events(lastfm.Play(7, 51, 3), NOW_MS, max_count=3)) == 1


def test_batches_keep_users_whole_unless_one_alone_is_too_big():
    groups = [["a"] * 3, ["b"] * 2, ["c"] * 4, ["d"] * 7, ["e"]]
    batches = plan.pack_groups(groups, 5)
    assert batches == [["a"] * 3 + ["b"] * 2, ["c"] * 4, ["d"] * 5, ["d"] * 2 + ["e"]]
    assert plan.pack_groups([["a"] * 3, ["b"] * 3], 5) == [["a"] * 3, ["b"] * 3]
    assert plan.pack_groups([], 5) == []


def test_the_plan_is_every_artist_and_the_first_users_plays(data_dir: Path):
    planned = plan.lastfm_plan(lastfm.load(data_dir), NOW_MS, limit_users=2)
    ItemBatch.model_validate({"items": planned.items})
    assert [item["item_id"] for item in planned.items] == ["lfm-art-1", "lfm-art-2", "lfm-art-3"]
    assert planned.items[1] == {
        "item_id": "lfm-art-2",
        "title": "Ünder Tøne",
        "artist_id": "lfm-2",
        "artist_name": "Ünder Tøne",
        "genres": ["jazz"],
    }
    [batch] = planned.event_batches
    events = EventBatch.model_validate({"events": batch}).events
    assert [(e.event_id, e.count) for e in events] == [("lfm-10-1", 100), ("lfm-10-2", 7), ("lfm-11-1", 40)]
    assert {e.timestamp for e in events} == {NOW_MS}


def reply(status: int, body: bytes = b"{}") -> Response[Any]:
    return Response(status_code=HTTPStatus(status), content=body, headers={}, parsed=None)


def refused() -> Response[Any]:
    raise httpx.ConnectError("refused")


def test_send_retries_throttling_and_server_errors_with_backoff():
    replies: Iterator[send.Call] = iter([lambda: reply(503), lambda: reply(429), refused, lambda: reply(202)])
    sleeps: list[float] = []
    outcome = send.send(lambda: next(replies)(), sleeps.append)
    assert (outcome.kind, outcome.retries) == (send.SUCCESS, 3)
    assert sleeps == [0.5, 1.0, 2.0]


def always(status: int, calls: list[int]) -> send.Call:
    def call() -> Response[Any]:
        calls.append(status)
        if status == 0:
            return refused()
        return reply(status, b'{"error": {"code": "nope", "message": "no"}}')

    return call


@pytest.mark.parametrize("status", [400, 404, 413, 415, 422])
def test_send_does_not_retry_a_4xx(status: int):
    calls: list[int] = []
    assert send.send(always(status, calls), lambda _: None).kind == send.REJECTED
    assert calls == [status]


@pytest.mark.parametrize("status", [0, 429, 500, 502, 503, 504])
def test_send_gives_up_on_throttling_and_server_errors_after_its_retries(status: int):
    calls: list[int] = []
    outcome = send.send(always(status, calls), lambda _: None, retries=2)
    assert (outcome.kind, outcome.retries, len(calls)) == (send.FAILED, 2, 3)


def test_a_phase_counts_every_rejected_batch_but_shows_each_kind_of_error_once():
    stream = io.StringIO()
    client = AuthenticatedClient(base_url="http://api.test", token="t")
    with ThreadPoolExecutor(max_workers=2) as pool:
        sender = send.Sender(client, pool, stream, lambda _: None)
        calls = [(1, always(422, []))] * 3
        tally = sender.run_phase("items", "PUT /v1/items", calls, send.count_items, "item")
    assert (tally.rejected, tally.sent, tally.failed) == (3, 0, 0)
    assert stream.getvalue().count("PUT /v1/items -> 422 nope: no") == 1
    assert "%|" not in stream.getvalue()  # not a terminal: no progress bar, only the note


def test_error_summary_reads_the_json_error_and_survives_anything_else():
    body = {"error": {"code": "validation_error", "message": "1 invalid field(s)", "fields": [
        {"field": "events[3].count", "message": "too big"}]}}  # fmt: skip
    assert send.error_summary(Reply(422, json.dumps(body).encode())) == (
        "422 validation_error",
        "422 validation_error: 1 invalid field(s) (events[3].count: too big)",
    )
    assert send.error_summary(Reply(0, b"connection refused")) == (
        "no answer -",
        "no answer -: connection refused",
    )


def test_import_then_reimport_changes_nothing(data_dir: Path, capsys: pytest.CaptureFixture[str]):
    api = FakeApi()
    assert run(data_dir, api) == 0
    first = capsys.readouterr().out
    assert "3 upserted" in first
    assert "4 accepted, 0 duplicates, 0 rejected, 0 failed" in first
    assert api.events[("lfm-10", "lfm-10-1")]["count"] == 100
    assert api.tokens == {"Bearer tkn"}  # every request through the one client, with the given token

    assert run(data_dir, api) == 0
    assert "0 accepted, 4 duplicates, 0 rejected" in capsys.readouterr().out
    assert len(api.events) == 4


def test_skip_items_sends_only_the_events(data_dir: Path, capsys: pytest.CaptureFixture[str]):
    api = FakeApi()
    assert run(data_dir, api, "--skip-items", "--limit-users", "1") == 0
    assert "PUT /v1/items" not in api.calls
    assert sorted(api.events) == [("lfm-10", "lfm-10-1"), ("lfm-10", "lfm-10-2")]
    assert "items   not sent (--skip-items)" in capsys.readouterr().out


def test_rejections_are_shown_once_counted_and_fail_the_exit_status(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
):
    api = FakeApi({"PUT /v1/items": [422], "POST /v1/events": [503, 400]})
    assert run(data_dir, api) == 1
    captured = capsys.readouterr()
    assert "0 upserted, 3 rejected" in captured.out
    assert "0 accepted, 0 duplicates, 4 rejected" in captured.out
    assert "(1 retries)" in captured.out
    assert captured.err.count("PUT /v1/items -> 422 c422: scripted") == 1
    assert captured.err.count("POST /v1/events -> 400 c400: scripted") == 1


def test_unreadable_data_or_unreachable_api_exit_2(data_dir: Path, tmp_path: Path):
    assert run(tmp_path / "missing", FakeApi()) == 2
    unreachable = FakeApi({"GET /v1/health": [0]})
    assert run(data_dir, unreachable) == 2
    assert unreachable.calls == ["GET /v1/health"]


def test_limit_users_and_concurrency_must_be_positive(data_dir: Path):
    with pytest.raises(SystemExit):
        run(data_dir, FakeApi(), "--limit-users", "0")


def test_ctrl_c_stops_the_import_and_exits_130(data_dir: Path, capsys: pytest.CaptureFixture[str]):
    api = FakeApi()

    def interrupted(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            raise KeyboardInterrupt
        return api(request)

    argv = ["lastfm", "--data", str(data_dir), "--token", "t"]
    assert importer.main(argv, transport=httpx.MockTransport(interrupted)) == 130
    assert "interrupted" in capsys.readouterr().err
    assert api.calls == ["GET /v1/health"]
