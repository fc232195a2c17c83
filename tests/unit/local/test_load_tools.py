"""The local load and drain tools: percentiles, the drain wait, the port check."""

import itertools
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local import moto_process
from local.load_report import Ledger, percentile
from local.queues import Backlog, backlog, wait_drained, work_queues
from local.stack import LocalFunction
from local.template import DEFAULT_TEMPLATE, Function, load_template


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0.01, 1.0), (0.50, 50.0), (0.95, 95.0), (0.99, 99.0), (1.0, 100.0)],
)
def test_percentile_is_the_nearest_rank(fraction: float, expected: float):
    samples = [float(n) for n in range(100, 0, -1)]  # 100..1, unsorted on purpose
    assert percentile(samples, fraction) == expected


def test_percentile_of_few_samples_never_interpolates():
    assert percentile([10.0, 20.0, 30.0], 0.5) == 20.0
    assert percentile([10.0, 20.0, 30.0], 0.99) == 30.0
    assert percentile([7.0], 0.5) == 7.0
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 0.5)
    with pytest.raises(ValueError, match="fraction"):
        percentile([1.0], 0.0)


def test_ledger_keeps_latencies_of_successes_only_and_counts_every_status():
    ledger = Ledger()
    ledger.record("GET profile", 200, 12.0)
    ledger.record("GET profile", 503, 900.0)
    ledger.record("setup", 200, 1.0)  # not a route of the load: ignored
    stats = ledger.routes["GET profile"]
    assert stats.latencies_ms == [12.0]
    summary = stats.summary(seconds=2.0)
    assert (summary["requests"], summary["requests_per_s"], summary["errors"]) == (2, 1.0, {"503": 1})
    assert "setup" not in ledger.routes


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def probes(*totals: int) -> Iterator[Backlog]:
    for total in totals:
        yield Backlog({"ProfileUpdateQueue": total})


def test_drain_needs_consecutive_empty_probes():
    clock = FakeClock()
    seen = probes(5, 0, 3, 0, 0, 9)  # an empty probe between two busy ones is not drained
    polls: list[int] = []
    left = wait_drained(
        lambda: next(seen), 60, on_poll=lambda b: polls.append(b.total), clock=clock, sleep=clock.sleep
    )
    assert left.total == 0
    assert polls == [5, 0, 3, 0, 0]


def test_drain_probes_a_long_queue_less_often():
    clock = FakeClock()
    seen = probes(500, 150, 20, 0, 0)
    times: list[float] = []
    wait_drained(
        lambda: next(seen), 60, on_poll=lambda _: times.append(clock.now), clock=clock, sleep=clock.sleep
    )
    assert [b - a for a, b in itertools.pairwise(times)] == [5.0, 5.0, 0.5, 0.5]


def test_drain_gives_up_at_the_timeout_with_the_backlog():
    clock = FakeClock()
    left = wait_drained(lambda: Backlog({"Q": 4, "R": 0}), 2.0, interval=0.5, clock=clock, sleep=clock.sleep)
    assert left.total == 4
    assert left.describe() == "Q 4"
    assert clock.now == 2.0


class FakeSqs:
    def __init__(self, attributes: dict[str, dict[str, str]]) -> None:
        self.attributes = attributes

    def get_queue_attributes(self, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:  # noqa: N803
        return {"Attributes": {k: v for k, v in self.attributes[QueueUrl].items() if k in AttributeNames}}


def test_backlog_counts_waiting_in_flight_and_delayed_messages():
    sqs = FakeSqs(
        {
            "url-a": {
                "ApproximateNumberOfMessages": "2",
                "ApproximateNumberOfMessagesNotVisible": "3",
                "ApproximateNumberOfMessagesDelayed": "1",
            },
            "url-b": {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"},
        }
    )
    found = backlog(sqs, {"A": "url-a", "B": "url-b"})
    assert found.by_queue == {"A": 6, "B": 0}
    assert (found.total, found.describe()) == (6, "A 6")
    assert Backlog({"B": 0}).describe() == "empty"


def test_work_queues_are_the_polled_ones_not_the_dead_letter_queues():
    assert work_queues(load_template(DEFAULT_TEMPLATE)) == ["IngestQueue", "ProfileUpdateQueue"]


def test_a_taken_port_fails_with_one_line_naming_the_variable():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as refused:
            moto_process.ensure_free(port, "AWS_PORT")
    assert str(refused.value) == f"port {port} is in use: pick another with `make run AWS_PORT=<port>`"
    moto_process.ensure_free(port, "AWS_PORT")  # free again once closed


def test_two_functions_of_one_process_never_run_events_at_the_same_time():
    """Powertools keeps the current event on a class every resolver shares: in one process, an event of
    one function running while another function's runs would let each read the other's event."""
    running, overlaps = [0], [0]
    guard = threading.Lock()

    def handler(_event: Any, _context: Any) -> dict[str, Any]:
        with guard:
            running[0] += 1
            overlaps[0] += running[0] > 1
        time.sleep(0.01)
        with guard:
            running[0] -= 1
        return {}

    functions = [
        LocalFunction(Function(name, Path("."), "app.handler", {}, 3, 128), handler) for name in "AB"
    ]
    threads = [threading.Thread(target=lambda f=f: [f.invoke({}) for _ in range(10)]) for f in functions * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == [0]


def test_a_trainer_is_refused_while_the_queues_hold_messages_and_runs_once_they_drained(monkeypatch):
    import local.queues as queues

    busy = Backlog({"ProfileUpdateQueue": 3})
    monkeypatch.setattr(queues, "stack_probe", lambda *_args, **_kw: lambda: busy)
    with pytest.raises(SystemExit, match=r"not running the Spark trainer: .* ProfileUpdateQueue 3 messages"):
        queues.require_drained(5000, None, 0.0, "the Spark trainer")  # type: ignore[arg-type]
    monkeypatch.setattr(
        queues, "stack_probe", lambda *_args, **_kw: lambda: Backlog({"ProfileUpdateQueue": 0})
    )
    queues.require_drained(5000, None, 5.0, "the Spark trainer")  # type: ignore[arg-type]


def _service(handler: Any) -> Any:
    import httpx
    from mixtape_client import AuthenticatedClient

    client = AuthenticatedClient(base_url="http://stack.invalid", token="t")
    client.set_httpx_client(
        httpx.Client(base_url="http://stack.invalid", transport=httpx.MockTransport(handler))
    )
    return client


def test_load_setup_retries_a_stack_that_does_not_answer_yet_and_stops_on_a_refusal(capsys):
    import httpx

    from local.load import catalog_sample

    seen: list[str] = []

    def busy(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if len(seen) % 2:
            raise httpx.ReadTimeout("loading a model", request=request)
        return httpx.Response(503, json={"error": {"code": "unavailable", "message": "try again"}})

    assert catalog_sample(_service(busy), attempts=3) is None
    assert (
        seen == ["/v1/users/u-load-cold/recommendations"] * 3
    )  # every attempt made, none mistaken for empty
    err = capsys.readouterr().err
    assert "did not answer" in err
    assert "catalog is empty" not in err

    refused: list[int] = []

    def forbidden(request: httpx.Request) -> httpx.Response:
        refused.append(1)
        return httpx.Response(403, json={"error": {"code": "forbidden", "message": "scope"}})

    assert catalog_sample(_service(forbidden), attempts=3) is None
    assert refused == [1]  # a 4xx is an answer: not retried
    assert "answered 403" in capsys.readouterr().err
