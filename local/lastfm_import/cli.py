"""The importer's command line: read the data, send items then events, wait for the profiles, summarise."""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
from mixtape_client import AuthenticatedClient
from mixtape_client.api.catalog import put_items
from mixtape_client.api.events import post_events
from mixtape_client.models import EventBatch, ItemBatch

from local import lastfm
from local.jwt_issuer import NoLocalIssuerError, service_token
from local.lastfm_import.plan import MAX_ITEMS_PER_REQUEST, Json, Plan, lastfm_plan
from local.lastfm_import.send import Call, Sender, Tally, count_events, count_items
from local.lastfm_import.wait import wait_for_profiles

DEFAULT_BASE_URL = "http://127.0.0.1:3000"
# The local stack runs a few invocations side by side (its execution environments); 4 in flight keeps
# them busy, and is polite to a deployed API.
DEFAULT_CONCURRENCY = 4
REQUEST_TIMEOUT_S = 120.0  # requests queue up for the local stack's few execution environments


def batches_of[T](values: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def item_calls(client: AuthenticatedClient, batches: Sequence[list[Json]]) -> list[tuple[int, Call]]:
    """One `PUT /v1/items` per batch, its body typed by the client's model (built once, sent on retries)."""
    return [
        (
            len(b),
            functools.partial(put_items.sync_detailed, client=client, body=ItemBatch.from_dict({"items": b})),
        )
        for b in batches
    ]


def event_calls(client: AuthenticatedClient, batches: Sequence[list[Json]]) -> list[tuple[int, Call]]:
    return [
        (
            len(b),
            functools.partial(
                post_events.sync_detailed, client=client, body=EventBatch.from_dict({"events": b})
            ),
        )
        for b in batches
    ]


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
    lfm.add_argument("--base-url", metavar="URL", default=DEFAULT_BASE_URL, help="Mixtape API base URL")
    lfm.add_argument(
        "--concurrency", type=int, metavar="N", default=DEFAULT_CONCURRENCY, help="requests in flight at once"
    )
    lfm.add_argument(
        "--token",
        default=os.environ.get("MIXTAPE_TOKEN"),
        help="bearer token with catalog:write, events:write and listeners:any (default: $MIXTAPE_TOKEN, "
        "else a service token from the running local stack's issuer)",
    )
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


def _now_ms() -> int:
    return int(time.time() * 1000)


def _client(args: argparse.Namespace, transport: httpx.BaseTransport | None) -> AuthenticatedClient:
    """One client (one keep-alive connection pool) for every request of the import."""
    httpx_args: dict[str, object] = {
        "limits": httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency),
    }
    if transport is not None:
        httpx_args["transport"] = transport
    client = AuthenticatedClient(
        base_url=args.base_url.rstrip("/"),
        token=args.token or service_token(),
        timeout=httpx.Timeout(REQUEST_TIMEOUT_S),
        headers={"user-agent": "mixtape-importer"},
        httpx_args=httpx_args,
    )
    client.get_httpx_client()  # made here, once: the worker threads then share it
    return client


def main(
    argv: Sequence[str] | None = None,
    transport: httpx.BaseTransport | None = None,
    clock_ms: Callable[[], int] = _now_ms,
) -> int:
    """Exit status: 0 when everything was accepted (or a duplicate), 1 when anything was rejected or
    failed, 2 when the data cannot be read or the API is not reachable."""
    args = _parse_args(argv)
    started_ms = clock_ms()
    started = time.monotonic()
    try:
        plan = lastfm_plan(lastfm.load(args.data), started_ms, args.limit_users)
    except (OSError, lastfm.LastFmFormatError) as exc:
        print(f"cannot read the {args.source} data: {exc}", file=sys.stderr)
        return 2
    when = datetime.fromtimestamp(started_ms / 1000, UTC).isoformat(timespec="seconds")
    print(f"events timestamped {started_ms} ({when}), the start of this run", file=sys.stderr)
    try:
        client = _client(args, transport)
    except NoLocalIssuerError as exc:
        print(f"{exc} (or pass --token)", file=sys.stderr)
        return 2
    with client, ThreadPoolExecutor(max_workers=args.concurrency, thread_name_prefix="import") as pool:
        sender = Sender(client, pool)
        if not sender.healthy():
            print(f"no Mixtape API at {args.base_url}: start it with `make run` first", file=sys.stderr)
            return 2
        try:
            items = None
            if not args.skip_items:
                batches = list(batches_of(plan.items, MAX_ITEMS_PER_REQUEST))
                items = sender.run_phase(
                    "items", "PUT /v1/items", item_calls(client, batches), count_items, "item"
                )
            calls = event_calls(client, plan.event_batches)
            events = sender.run_phase("events", "POST /v1/events", calls, count_events, "event")
        except KeyboardInterrupt:
            print(
                "\ninterrupted: run again to finish (what was sent comes back as duplicates)", file=sys.stderr
            )
            return 130
    print(summary(plan, items, events, time.monotonic() - started))
    if args.aws_port is not None and not wait_for_profiles(args.aws_port, args.drain_timeout, started):
        return 1
    problems = events.rejected + events.failed + (items.rejected + items.failed if items else 0)
    return 1 if problems else 0
