"""Sending an import's batches through the generated client: retries, a tally per phase, one progress bar."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, TextIO

import httpx
from mixtape_client import AuthenticatedClient
from mixtape_client.api.ops import get_health
from mixtape_client.types import Response
from tqdm import tqdm

RETRIES = 5
BACKOFF_S = 0.5  # doubled per attempt: 0.5, 1, 2, 4, 8 s
SUCCESS, REJECTED, FAILED = "success", "rejected", "failed"

Call = Callable[[], Response[Any]]  # one request through the generated client


@dataclass(frozen=True)
class Reply:
    status: int  # 0 when no HTTP answer came (connection refused, timeout)
    body: bytes
    parsed: Any = None  # the client's typed reply model


def retryable(status: int) -> bool:
    return status in {0, 429} or status >= 500


@dataclass(frozen=True)
class Outcome:
    kind: str  # SUCCESS, REJECTED (4xx: resending cannot help) or FAILED (still failing after retries)
    reply: Reply
    retries: int


def attempt(call: Call) -> Reply:
    try:
        response = call()
    except httpx.HTTPError as exc:  # no answer: refused, reset, timed out
        return Reply(0, str(exc).encode())
    return Reply(int(response.status_code), response.content, response.parsed)


def send(call: Call, sleep: Callable[[float], None] = time.sleep, retries: int = RETRIES) -> Outcome:
    """Send with exponential backoff on 429/5xx/no answer; safe because every request is idempotent."""
    for tries in range(retries + 1):
        reply = attempt(call)
        if 200 <= reply.status < 300:
            return Outcome(SUCCESS, reply, tries)
        if not retryable(reply.status):
            return Outcome(REJECTED, reply, tries)
        if tries < retries:
            sleep(BACKOFF_S * 2**tries)
    return Outcome(FAILED, reply, retries)


def error_summary(reply: Reply) -> tuple[str, str]:
    """(a key to show each kind of error once, a one-line description) of an error reply."""
    try:
        error = json.loads(reply.body)["error"]
        code, message = str(error["code"]), str(error["message"])
        fields = "; ".join(f"{f['field']}: {f['message']}" for f in error.get("fields", [])[:3])
    except (ValueError, KeyError, TypeError):
        code, message, fields = "-", reply.body.decode(errors="replace")[:300], ""
    status = str(reply.status) if reply.status else "no answer"
    return f"{status} {code}", f"{status} {code}: {message}" + (f" ({fields})" if fields else "")


@dataclass
class Tally:
    sent: int = 0  # items or events acknowledged with a 2xx
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    failed: int = 0
    retries: int = 0
    seconds: float = 0.0
    errors_shown: set[str] = field(default_factory=set)

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0


CountReply = Callable[[Tally, Any, int], None]  # folds a 2xx reply model for a batch of n into the tally


def count_items(tally: Tally, reply: Any, size: int) -> None:
    tally.accepted += int(getattr(reply, "upserted", size))


def count_events(tally: Tally, reply: Any, _size: int) -> None:
    tally.accepted += int(reply.accepted)
    tally.duplicates += int(reply.duplicates)


@dataclass
class Sender:
    """Runs an import's phases on `pool` through one `client` (one httpx connection pool for all)."""

    client: AuthenticatedClient
    pool: ThreadPoolExecutor
    stream: TextIO = field(default_factory=lambda: sys.stderr)  # looked up late: tests capture it
    sleep: Callable[[float], None] = time.sleep

    def healthy(self) -> bool:
        """A Mixtape health reply (something else on the port answers with another shape, or not at all)."""
        try:
            reply = attempt(lambda: get_health.sync_detailed(client=self.client))
        except (KeyError, TypeError, ValueError):
            return False
        return 200 <= reply.status < 300

    def run_phase(
        self, label: str, route: str, calls: Sequence[tuple[int, Call]], count: CountReply, unit: str
    ) -> Tally:
        """Send the (batch size, call) pairs concurrently; tally in this thread as they complete."""
        tally = Tally()
        started = time.monotonic()
        futures: dict[Future[Outcome], int] = {
            self.pool.submit(send, call, self.sleep): size for size, call in calls
        }
        bar = tqdm(
            total=sum(size for size, _ in calls), desc=label, unit=unit, file=self.stream, disable=None
        )
        try:
            for future in as_completed(futures):
                size, outcome = futures[future], future.result()
                tally.retries += outcome.retries
                if outcome.kind == SUCCESS:
                    tally.sent += size
                    count(tally, outcome.reply.parsed, size)
                else:
                    self._record_error(tally, route, outcome, size)
                bar.update(size)
        finally:  # on Ctrl-C, drop the queued batches instead of sending them while the pool shuts down
            for future in futures:
                future.cancel()
            bar.close()
        tally.seconds = time.monotonic() - started
        return tally

    def _record_error(self, tally: Tally, route: str, outcome: Outcome, size: int) -> None:
        if outcome.kind == REJECTED:
            tally.rejected += size
        else:
            tally.failed += size
        key, text = error_summary(outcome.reply)
        if key not in tally.errors_shown:
            tally.errors_shown.add(key)
            note = f"{route} -> {text}  [{outcome.kind}; further errors like this are only counted]"
            tqdm.write(note, file=self.stream)  # above the bar, which is redrawn below it
