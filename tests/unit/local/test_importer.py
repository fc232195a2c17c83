"""The history importer: payloads the real API models accept, batching by user, retries, the summary.

HTTP is replaced by an in-memory fake API that validates bodies with the service's own pydantic models
and deduplicates events by (user_id, event_id) like the ingest handler.
"""

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError

from local import importer, lastfm
from mixtape.models.catalog import MAX_ITEMS_PER_BATCH, ItemBatch
from mixtape.models.events import MAX_EVENTS_PER_BATCH, EventBatch, ListeningEvent
from tests.lastfm_fixture import write_dataset
from tests.unit.conftest import NOW_MS

Reply = importer.Reply


class FakeApi:
    """PUT /v1/items and POST /v1/events with the real models; `script` forces statuses per route."""

    def __init__(self, script: dict[str, list[int]] | None = None) -> None:
        self.script = script or {}
        self.items: dict[str, dict[str, Any]] = {}
        self.events: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, method: str, url: str, body: bytes | None) -> Reply:
        route = f"{method} {urlsplit(url).path}"
        with self._lock:
            self.calls.append(route)
            if self.script.get(route):
                status = self.script[route].pop(0)
                return Reply(
                    status, json.dumps({"error": {"code": f"c{status}", "message": "scripted"}}).encode()
                )
            if route == "GET /v1/health":
                return Reply(200, b'{"status": "ok"}')
            try:
                return self._handle(route, json.loads(body or b"{}"))
            except ValidationError as error:
                fields = [{"field": str(e["loc"]), "message": e["msg"]} for e in error.errors()]
                payload = {"error": {"code": "validation_error", "message": "invalid", "fields": fields}}
                return Reply(422, json.dumps(payload).encode())

    def _handle(self, route: str, payload: Any) -> Reply:
        if route == "PUT /v1/items":
            batch = ItemBatch.model_validate(payload)
            self.items.update({item.item_id: item.model_dump() for item in batch.items})
            return Reply(200, json.dumps({"upserted": len(batch.items), "catalog_version": 1}).encode())
        assert route == "POST /v1/events"
        events = EventBatch.model_validate(payload).events
        new = [e for e in events if (e.user_id, e.event_id) not in self.events]
        self.events.update({(e.user_id, e.event_id): e.model_dump() for e in new})
        return Reply(202, json.dumps({"accepted": len(new), "duplicates": len(events) - len(new)}).encode())


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "lastfm")


def run(data_dir: Path, api: FakeApi, *extra: str) -> int:
    argv = ["lastfm", "--data", str(data_dir), "--base-url", "http://api.test", *extra]
    return importer.main(argv, transport=api, clock_ms=lambda: NOW_MS)


def test_mirrored_limits_match_the_api_models():
    assert importer.MAX_ITEMS_PER_REQUEST == MAX_ITEMS_PER_BATCH
    assert importer.MAX_EVENTS_PER_REQUEST == MAX_EVENTS_PER_BATCH
    play = lastfm.Play(1, 2, importer.MAX_PLAY_COUNT)
    event = importer.play_events(play, NOW_MS)[0]
    assert ListeningEvent.model_validate(event).count == importer.MAX_PLAY_COUNT
    with pytest.raises(ValidationError, match="count"):
        ListeningEvent.model_validate({**event, "count": importer.MAX_PLAY_COUNT + 1})


def test_a_play_count_over_the_maximum_is_split_with_deterministic_ids():
    events = importer.play_events(lastfm.Play(7, 51, 7), NOW_MS, max_count=3)
    assert [(e["event_id"], e["count"]) for e in events] == [
        ("lfm-7-51", 3),
        ("lfm-7-51-2", 3),
        ("lfm-7-51-3", 1),
    ]
    assert events == importer.play_events(lastfm.Play(7, 51, 7), NOW_MS, max_count=3)
    for event in events:
        parsed = ListeningEvent.model_validate(event)
        assert (parsed.user_id, parsed.item_id, parsed.timestamp) == ("lfm-7", "lfm-art-51", NOW_MS)
    assert len(importer.play_events(lastfm.Play(7, 51, 3), NOW_MS, max_count=3)) == 1


def test_batches_keep_users_whole_unless_one_alone_is_too_big():
    groups = [["a"] * 3, ["b"] * 2, ["c"] * 4, ["d"] * 7, ["e"]]
    batches = importer.pack_groups(groups, 5)
    assert batches == [["a"] * 3 + ["b"] * 2, ["c"] * 4, ["d"] * 5, ["d"] * 2 + ["e"]]
    assert importer.pack_groups([["a"] * 3, ["b"] * 3], 5) == [["a"] * 3, ["b"] * 3]
    assert importer.pack_groups([], 5) == []


def test_the_plan_is_every_artist_and_the_first_users_plays(data_dir: Path):
    plan = importer.lastfm_plan(lastfm.load(data_dir), NOW_MS, limit_users=2)
    ItemBatch.model_validate({"items": plan.items})
    assert [item["item_id"] for item in plan.items] == ["lfm-art-1", "lfm-art-2", "lfm-art-3"]
    assert plan.items[1] == {
        "item_id": "lfm-art-2",
        "title": "Ünder Tøne",
        "artist_id": "lfm-2",
        "artist_name": "Ünder Tøne",
        "genres": ["jazz"],
    }
    [batch] = plan.event_batches
    events = EventBatch.model_validate({"events": batch}).events
    assert [(e.event_id, e.count) for e in events] == [("lfm-10-1", 100), ("lfm-10-2", 7), ("lfm-11-1", 40)]
    assert {e.timestamp for e in events} == {NOW_MS}


def test_send_retries_throttling_and_server_errors_with_backoff():
    replies = iter([Reply(503, b""), Reply(429, b""), Reply(0, b"refused"), Reply(202, b"{}")])
    sleeps: list[float] = []
    outcome = importer.send(lambda *_: next(replies), "POST", "u", {}, sleeps.append)
    assert (outcome.kind, outcome.retries) == (importer.SUCCESS, 3)
    assert sleeps == [0.5, 1.0, 2.0]


def always(status: int, calls: list[int]) -> importer.Transport:
    def transport(*_: object) -> Reply:
        calls.append(status)
        return Reply(status, b'{"error": {"code": "nope", "message": "no"}}')

    return transport


@pytest.mark.parametrize("status", [400, 404, 413, 415, 422])
def test_send_does_not_retry_a_4xx(status: int):
    calls: list[int] = []
    assert importer.send(always(status, calls), "POST", "u", {}, lambda _: None).kind == importer.REJECTED
    assert calls == [status]


@pytest.mark.parametrize("status", [0, 429, 500, 502, 503, 504])
def test_send_gives_up_on_throttling_and_server_errors_after_its_retries(status: int):
    calls: list[int] = []
    outcome = importer.send(always(status, calls), "POST", "u", {}, lambda _: None, retries=2)
    assert (outcome.kind, outcome.retries, len(calls)) == (importer.FAILED, 2, 3)


def test_a_phase_counts_every_rejected_batch_but_shows_each_kind_of_error_once():
    stream = io.StringIO()
    with ThreadPoolExecutor(max_workers=2) as pool:
        phase = importer.Importer("http://api.test", always(422, []), pool, stream, lambda _: None)
        tally = phase.run_phase("items", "PUT", "/v1/items", "items", [[{}]] * 3, importer.count_items)
    assert (tally.rejected, tally.sent, tally.failed) == (3, 0, 0)
    assert stream.getvalue().count("PUT /v1/items -> 422 nope: no") == 1


def test_error_summary_reads_the_json_error_and_survives_anything_else():
    body = {"error": {"code": "validation_error", "message": "1 invalid field(s)", "fields": [
        {"field": "events[3].count", "message": "too big"}]}}  # fmt: skip
    assert importer.error_summary(Reply(422, json.dumps(body).encode())) == (
        "422 validation_error",
        "422 validation_error: 1 invalid field(s) (events[3].count: too big)",
    )
    assert importer.error_summary(Reply(0, b"connection refused")) == (
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


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_one_line_on_a_terminal():
    clock, stream = FakeClock(), Tty()
    progress = importer.Progress("events", 1000, stream, clock)
    clock.now += 2
    progress.advance(500)
    assert stream.getvalue().startswith(
        "\revents [" + "#" * 15 + "." * 15 + "] 500/1,000  50%  250/s  ETA 2s"
    )
    progress.note("an error")
    progress.advance(500)
    progress.close()
    assert "\r\x1b[Kan error\n" in stream.getvalue()
    assert stream.getvalue().count("\n") == 2


def test_progress_writes_a_plain_line_per_interval_when_not_a_terminal():
    clock, stream = FakeClock(), io.StringIO()
    progress = importer.Progress("items", 4, stream, clock, interval=5)
    for _ in range(4):
        clock.now += 2
        progress.advance(1)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert [line.split("] ")[1].split()[0] for line in lines] == ["3/4", "4/4"]


@pytest.mark.parametrize(("seconds", "text"), [(0.4, "0s"), (59, "59s"), (61, "1m01s"), (3720, "1h02m")])
def test_format_duration(seconds: float, text: str):
    assert importer.format_duration(seconds) == text


def test_ctrl_c_stops_the_import_and_exits_130(data_dir: Path, capsys: pytest.CaptureFixture[str]):
    api = FakeApi()

    def interrupted(method: str, url: str, body: bytes | None) -> Reply:
        if method == "PUT":
            raise KeyboardInterrupt
        return api(method, url, body)

    assert importer.main(["lastfm", "--data", str(data_dir)], transport=interrupted) == 130
    assert "interrupted" in capsys.readouterr().err
    assert api.calls == ["GET /v1/health"]
