"""Import listening history into a running Mixtape through its public API (`make run` first).

python -m local.importer lastfm [--data DIR] [--base-url http://127.0.0.1:3000] [--limit-users N]
                                [--concurrency 4] [--aws-port 5000]

Items go through `PUT /v1/items` and plays through `POST /v1/events`, the same paths clients use, so
the import exercises validation, deduplication and profile updates exactly as production traffic would.
Re-running is safe: item upserts are idempotent and event ids are deterministic, so the server counts
every event of a second run as a duplicate. With `--aws-port` (the local stack's moto, as `make
import-lastfm` passes it) it then waits until the profile-update queue has drained, so when it says
every profile is applied, `make train` learns from the whole history.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

import requests

from local import lastfm
from local.jwt_issuer import NoLocalIssuerError, service_token
from local.queues import stack_probe, wait_reporting
from local.template import DEFAULT_TEMPLATE, load_template

DEFAULT_BASE_URL = "http://127.0.0.1:3000"
# The local stack runs a few invocations side by side (its execution environments); 4 in flight keeps
# them busy, and is polite to a deployed API.
DEFAULT_CONCURRENCY = 4
# Mirrors of the API's limits (mixtape/models: ItemBatch, EventBatch, ListeningEvent.count); mirrored so
# the importer runs without the layer on sys.path; tests/unit/local/test_importer.py checks they agree.
MAX_ITEMS_PER_REQUEST = 500
MAX_EVENTS_PER_REQUEST = 500
MAX_PLAY_COUNT = 1_000_000
# Plays require ms_played, but the dataset has no durations. A play's weight ignores ms_played (only
# skips use it), so a nominal track length is honest enough.
NOMINAL_MS_PLAYED = 180_000
IMPORT_SOURCE = "lastfm-import"  # event context.source, so imported history is recognisable

RETRIES = 5
BACKOFF_S = 0.5  # doubled per attempt: 0.5, 1, 2, 4, 8 s
REQUEST_TIMEOUT_S = 120.0  # requests queue up for the local stack's few execution environments
SUCCESS, REJECTED, FAILED = "success", "rejected", "failed"

Json = dict[str, Any]


# --- what to send ---


@dataclass(frozen=True)
class Plan:
    """Everything one import sends: catalog items, then event batches."""

    source: str
    items: list[Json]
    event_batches: list[list[Json]]  # each ≤ MAX_EVENTS_PER_REQUEST events, whole users where possible
    notes: list[str]  # what the reader skipped or dropped, for the summary


def catalog_item(artist: lastfm.Artist) -> Json:
    """Items are artists: the dataset has no tracks, and its play counts are per artist."""
    return {
        "item_id": lastfm.item_id_for(artist.artist_id),
        "title": artist.name,
        "artist_id": lastfm.artist_id_for(artist.artist_id),
        "artist_name": artist.name,
        "genres": list(artist.genres),
    }


def play_events(play: lastfm.Play, timestamp_ms: int, max_count: int = MAX_PLAY_COUNT) -> list[Json]:
    """One `play` event carrying the play count, split into several when it exceeds the API's maximum.

    Splitting (not capping) keeps every play: `lfm-<user>-<artist>` carries the first `max_count`
    plays, `lfm-<user>-<artist>-2`, `-3`, ... the rest. The ids depend only on the data, so a re-run
    sends the same ids and the server's deduplication makes it a no-op. (No Last.fm HetRec weight
    reaches the maximum; other sources may.)
    """
    base_id = f"lfm-{play.user_id}-{play.artist_id}"
    events = []
    for part, start in enumerate(range(0, play.weight, max_count), start=1):
        events.append(
            {
                "event_id": base_id if part == 1 else f"{base_id}-{part}",
                "user_id": lastfm.user_id_for(play.user_id),
                "item_id": lastfm.item_id_for(play.artist_id),
                "type": "play",
                "timestamp": timestamp_ms,
                "ms_played": NOMINAL_MS_PLAYED,
                "count": min(max_count, play.weight - start),
                "context": {"source": IMPORT_SOURCE},
            }
        )
    return events


def pack_groups[T](groups: Iterable[Sequence[T]], size: int) -> list[list[T]]:
    """Batches of at most `size`, keeping each group whole unless it alone exceeds `size`.

    Groups are users: the ingest handler sends one profile-update message per user and batch, so a user
    kept in one batch is folded in one profile commit instead of several racing ones.
    """
    batches: list[list[T]] = []
    current: list[T] = []
    for group in groups:
        for start in range(0, len(group), size):
            chunk = list(group[start : start + size])
            if len(current) + len(chunk) > size:
                batches.append(current)
                current = []
            current.extend(chunk)
    if current:
        batches.append(current)
    return batches


def lastfm_plan(data: lastfm.LastFm, timestamp_ms: int, limit_users: int | None = None) -> Plan:
    """Every artist as an item, and the play counts of the first `limit_users` users (by id) as events.

    All events of a run share one timestamp, the run's start time: the dataset has no play times, and
    its 2011 tagging dates would be useless anyway, since profiles decay with a 30-day half-life (an
    event from 2011 would weigh nothing). Sharing "now" makes the play counts the whole signal.
    Deduplication is by event id for `EventRetentionDays` after ingestion (30 days), so a re-run within
    that window changes nothing; after it, a re-run would count the history again.
    """
    all_users = data.users()
    users = all_users[:limit_users]
    by_user = data.plays_by_user()
    groups = [
        [event for play in by_user[user] for event in play_events(play, timestamp_ms)] for user in users
    ]
    notes = [
        f"{len(data.artists):,} artists, {len(all_users):,} users, {len(data.plays):,} play counts; "
        f"importing the plays of {len(users):,} users",
        f"{len(data.dropped_tags):,} tags dropped as genres (too long or control characters)",
        f"{data.skipped_plays:,} play rows and {data.skipped_taggings:,} tag rows skipped "
        "(unknown artist or tag, or weight < 1)",
    ]
    return Plan(
        source="lastfm",
        items=[catalog_item(artist) for artist in data.artists.values()],
        event_batches=pack_groups(groups, MAX_EVENTS_PER_REQUEST),
        notes=notes,
    )


# --- progress ---


def format_duration(seconds: float) -> str:
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


class Progress:
    """A `\\r` progress bar on a terminal; a plain line every `interval` seconds otherwise (logs, CI)."""

    WIDTH = 30

    def __init__(
        self,
        label: str,
        total: int,
        stream: TextIO,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 5.0,
    ) -> None:
        self.label, self.total, self.stream, self.clock, self.interval = label, total, stream, clock, interval
        self.tty = stream.isatty()
        self.done = 0
        self.started = self._last_line = clock()
        self._shown = -1  # `done` when the last plain line was written

    def render(self) -> str:
        elapsed = self.clock() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = format_duration((self.total - self.done) / rate) if rate > 0 else "?"
        filled = self.WIDTH * self.done // self.total if self.total else self.WIDTH
        bar = "#" * filled + "." * (self.WIDTH - filled)
        percent = 100 * self.done // self.total if self.total else 100
        return f"{self.label} [{bar}] {self.done:,}/{self.total:,} {percent:3d}%  {rate:,.0f}/s  ETA {eta}"

    def advance(self, count: int) -> None:
        self.done += count
        if self.tty:
            self.stream.write("\r" + self.render() + "\x1b[K")
        elif self.clock() - self._last_line >= self.interval:
            self._write_line()
        self.stream.flush()

    def _write_line(self) -> None:
        self._last_line, self._shown = self.clock(), self.done
        self.stream.write(self.render() + "\n")

    def note(self, text: str) -> None:
        """A message above the bar (the bar is redrawn by the next `advance`)."""
        self.stream.write(("\r\x1b[K" if self.tty else "") + text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r" + self.render() + "\x1b[K\n")
        elif self._shown != self.done:
            self._write_line()
        self.stream.flush()


# --- HTTP ---


@dataclass(frozen=True)
class Reply:
    status: int  # 0 when no HTTP answer came (connection refused, timeout)
    body: bytes


Transport = Callable[[str, str, bytes | None], Reply]


class RequestsTransport:
    """One keep-alive `requests.Session` per worker thread (sessions are not thread-safe)."""

    def __init__(self, token: str, timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.timeout = timeout
        self._token = token
        self._local = threading.local()

    def __call__(self, method: str, url: str, body: bytes | None) -> Reply:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        headers = {
            "content-type": "application/json",
            "user-agent": "mixtape-importer",
            "authorization": f"Bearer {self._token}",
        }
        try:
            response = session.request(method, url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            return Reply(0, str(exc).encode())
        return Reply(response.status_code, response.content)


def retryable(status: int) -> bool:
    return status in {0, 429} or status >= 500


@dataclass(frozen=True)
class Outcome:
    kind: str  # SUCCESS, REJECTED (4xx: resending cannot help) or FAILED (still failing after retries)
    reply: Reply
    retries: int


def send(
    transport: Transport,
    method: str,
    url: str,
    payload: Json,
    sleep: Callable[[float], None] = time.sleep,
    retries: int = RETRIES,
) -> Outcome:
    """Send with exponential backoff on 429/5xx/no answer; safe because every request is idempotent."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    for attempt in range(retries + 1):
        reply = transport(method, url, body)
        if 200 <= reply.status < 300:
            return Outcome(SUCCESS, reply, attempt)
        if not retryable(reply.status):
            return Outcome(REJECTED, reply, attempt)
        if attempt < retries:
            sleep(BACKOFF_S * 2**attempt)
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


# --- running a phase ---


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


CountReply = Callable[[Tally, Json, int], None]  # folds a 2xx body for a batch of n into the tally


def count_items(tally: Tally, body: Json, size: int) -> None:
    tally.accepted += int(body.get("upserted", size))


def count_events(tally: Tally, body: Json, _size: int) -> None:
    tally.accepted += int(body["accepted"])
    tally.duplicates += int(body["duplicates"])


@dataclass
class Importer:
    base_url: str
    transport: Transport
    pool: ThreadPoolExecutor
    stream: TextIO = field(default_factory=lambda: sys.stderr)  # looked up late: tests capture it
    sleep: Callable[[float], None] = time.sleep

    def run_phase(
        self, label: str, method: str, path: str, key: str, batches: Sequence[list[Json]], count: CountReply
    ) -> Tally:
        """Send the batches concurrently; tally in this thread as they complete (no shared state)."""
        url = self.base_url.rstrip("/") + path
        progress = Progress(label, sum(len(b) for b in batches), self.stream)
        tally = Tally()
        futures: dict[Future[Outcome], int] = {
            self.pool.submit(send, self.transport, method, url, {key: batch}, self.sleep): len(batch)
            for batch in batches
        }
        try:
            for future in as_completed(futures):
                size, outcome = futures[future], future.result()
                tally.retries += outcome.retries
                if outcome.kind == SUCCESS:
                    tally.sent += size
                    count(tally, json.loads(outcome.reply.body), size)
                else:
                    self._record_error(tally, progress, f"{method} {path}", outcome, size)
                progress.advance(size)
        finally:  # on Ctrl-C, drop the queued batches instead of sending them while the pool shuts down
            for future in futures:
                future.cancel()
        progress.close()
        tally.seconds = progress.clock() - progress.started
        return tally

    @staticmethod
    def _record_error(tally: Tally, progress: Progress, route: str, outcome: Outcome, size: int) -> None:
        if outcome.kind == REJECTED:
            tally.rejected += size
        else:
            tally.failed += size
        key, text = error_summary(outcome.reply)
        if key not in tally.errors_shown:
            tally.errors_shown.add(key)
            progress.note(f"{route} -> {text}  [{outcome.kind}; further errors like this are only counted]")

    def healthy(self) -> bool:
        return 200 <= self.transport("GET", self.base_url.rstrip("/") + "/v1/health", None).status < 300


def batches_of[T](values: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def summary(plan: Plan, items: Tally | None, events: Tally, elapsed: float) -> str:
    def line(label: str, tally: Tally, unit: str, outcome: str) -> str:
        return (
            f"  {label:<7} {outcome}, {tally.rejected:,} rejected, {tally.failed:,} failed"
            f" ({tally.retries} retries) in {tally.seconds:.1f} s, {tally.rate:,.0f} {unit}/s"
        )

    return "\n".join(
        [
            f"{plan.source} import:",
            *(f"  data    {note}" for note in plan.notes),
            line("items", items, "items", f"{items.accepted:,} upserted")
            if items
            else "  items   not sent (--skip-items)",
            line(
                "events", events, "events", f"{events.accepted:,} accepted, {events.duplicates:,} duplicates"
            ),
            f"  total   {elapsed:.1f} s",
        ]
    )


# --- command line ---


def _add_api_arguments(parser: argparse.ArgumentParser) -> None:
    """Options every source shares."""
    parser.add_argument("--base-url", metavar="URL", default=DEFAULT_BASE_URL, help="Mixtape API base URL")
    parser.add_argument(
        "--concurrency", type=int, metavar="N", default=DEFAULT_CONCURRENCY, help="requests in flight at once"
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("MIXTAPE_TOKEN"),
        help="bearer token with catalog:write, events:write and listeners:any (default: $MIXTAPE_TOKEN, "
        "else a service token from the running local stack's issuer)",
    )


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.importer", description=__doc__.splitlines()[0])
    sources = parser.add_subparsers(dest="source", required=True)
    lfm = sources.add_parser("lastfm", help="Last.fm HetRec 2011 (hetrec2011-lastfm-2k): artists, plays")
    lfm.add_argument(
        "--data",
        metavar="DIR",
        help=f"dataset directory (default: ${lastfm.DATA_DIR_ENV}, else {lastfm.DEFAULT_DATA_DIR})",
    )
    lfm.add_argument(
        "--limit-users", type=int, metavar="N", help="import the plays of the first N users (by id) only"
    )
    lfm.add_argument(
        "--skip-items",
        action="store_true",
        help="send only the events (the catalog is loaded already; re-sending it makes recommenders reload)",
    )
    _add_api_arguments(lfm)
    lfm.add_argument(
        "--aws-port",
        type=int,
        metavar="PORT",
        help="the local stack's moto port: wait until every profile is applied (its queue drained)",
    )
    lfm.add_argument("--drain-timeout", type=float, default=3600.0, metavar="S", help="with --aws-port")
    args = parser.parse_args(argv)
    if args.concurrency < 1 or (args.limit_users is not None and args.limit_users < 1):
        parser.error("--concurrency and --limit-users must be at least 1")
    return args


def _load_plan(args: argparse.Namespace, timestamp_ms: int) -> Plan:
    data = lastfm.load(args.data)
    return lastfm_plan(data, timestamp_ms, args.limit_users)


def _now_ms() -> int:
    return int(time.time() * 1000)


def main(
    argv: Sequence[str] | None = None,
    transport: Transport | None = None,
    clock_ms: Callable[[], int] = _now_ms,
) -> int:
    """Exit status: 0 when everything was accepted (or a duplicate), 1 when anything was rejected or
    failed, 2 when the data cannot be read or the API is not reachable."""
    args = _parse_args(argv)
    started_ms = clock_ms()
    started = time.monotonic()
    try:
        plan = _load_plan(args, started_ms)
    except (OSError, lastfm.LastFmFormatError) as exc:
        print(f"cannot read the {args.source} data: {exc}", file=sys.stderr)
        return 2
    when = datetime.fromtimestamp(started_ms / 1000, UTC).isoformat(timespec="seconds")
    print(f"events timestamped {started_ms} ({when}), the start of this run", file=sys.stderr)
    if transport is None:
        try:
            transport = RequestsTransport(args.token or service_token())
        except NoLocalIssuerError as exc:
            print(f"{exc} (or pass --token)", file=sys.stderr)
            return 2
    with ThreadPoolExecutor(max_workers=args.concurrency, thread_name_prefix="import") as pool:
        importer = Importer(args.base_url, transport, pool)
        if not importer.healthy():
            print(f"no Mixtape API at {args.base_url}: start it with `make run` first", file=sys.stderr)
            return 2
        try:
            items = None
            if not args.skip_items:
                items_batches = list(batches_of(plan.items, MAX_ITEMS_PER_REQUEST))
                items = importer.run_phase("items ", "PUT", "/v1/items", "items", items_batches, count_items)
            events = importer.run_phase(
                "events", "POST", "/v1/events", "events", plan.event_batches, count_events
            )
        except KeyboardInterrupt:
            print(
                "\ninterrupted: run again to finish (what was sent comes back as duplicates)", file=sys.stderr
            )
            return 130
    print(summary(plan, items, events, time.monotonic() - started))
    if args.aws_port is not None and not _wait_for_profiles(args.aws_port, args.drain_timeout, started):
        return 1
    problems = events.rejected + events.failed + (items.rejected + items.failed if items else 0)
    return 1 if problems else 0


def _wait_for_profiles(aws_port: int, timeout: float, started: float) -> bool:
    """Wait for the local stack's queues to drain; say whether every accepted event reached its profile."""
    template = load_template(DEFAULT_TEMPLATE)
    left, _ = wait_reporting(stack_probe(aws_port, template), timeout, sys.stderr, label="profiles")
    if left.total:
        print(f"profiles: NOT all applied after {timeout:.0f} s ({left.describe()} left)", file=sys.stderr)
        return False
    dead = stack_probe(aws_port, template, dead_letters=True)()
    if dead.total:
        print(f"profiles: NOT all applied: dead-letter queues hold {dead.describe()}", file=sys.stderr)
        return False
    print(f"  profiles every accepted event applied, {time.monotonic() - started:.1f} s after the start")
    return True


if __name__ == "__main__":
    sys.exit(main())
