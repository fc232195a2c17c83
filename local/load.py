"""`make load`: a bounded, mixed load on the running local stack, then a check that nothing was lost.

python -m local.load [--base-url http://127.0.0.1:3000] [--aws-port 5000] [--duration 60] [--clients 8]

Each client sends one request at a time for `--duration` seconds, drawing the route from a fixed mix:
listeners posting small batches of their own events, reading their recommendations and profile, and a
service reading similar items. Listener routes carry that listener's token; similar items the service
token. Afterwards it waits for the queues to drain and checks, listener by listener, that every event
the API accepted was applied to the profile (`counts` of the profile == events accepted).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from mixtape_client import AuthenticatedClient
from mixtape_client.api.catalog import get_similar
from mixtape_client.api.events import post_events
from mixtape_client.api.users import get_profile, get_recommendations
from mixtape_client.models import EventBatch, EventType, IngestResponse, ListeningEvent, ProfileResponse
from mixtape_client.types import Response

from local.jwt_issuer import LISTENER_SCOPES, LocalIssuer
from local.load_report import ROUTES, Ledger, RouteStats, table
from local.queues import stack_probe, wait_drained
from local.template import DEFAULT_TEMPLATE, load_template

DEFAULT_MIX = (0.25, 0.40, 0.20, 0.15)  # shares of ROUTES
EVENTS_PER_POST = 5
LISTENERS = 50
TIMEOUT_S = 30.0
SETUP_ATTEMPTS = 4  # the first request may wait for a worker that is loading a model or catalog


def pick[T](rng: np.random.Generator, values: Sequence[T]) -> T:
    return values[int(rng.integers(len(values)))]


def event(listener: str, item_id: str) -> ListeningEvent:
    return ListeningEvent(
        event_id=uuid.uuid4().hex,
        user_id=listener,
        item_id=item_id,
        type_=EventType.PLAY,
        timestamp=int(time.time() * 1000) - 1000,
        ms_played=150_000,
    )


def clients_for(base_url: str, tokens: dict[str, str], connections: int) -> dict[str, AuthenticatedClient]:
    """One generated client per identity (its token), each one keep-alive connection pool that every load
    thread shares (httpx clients are thread-safe)."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    clients = {
        name: AuthenticatedClient(
            base_url=base_url.rstrip("/"),
            token=token,
            timeout=httpx.Timeout(TIMEOUT_S),
            httpx_args={"limits": limits},
        )
        for name, token in tokens.items()
    }
    for client in clients.values():
        client.get_httpx_client()  # made here, once, before the threads share it
    return clients


def catalog_sample(service: AuthenticatedClient, attempts: int = SETUP_ATTEMPTS) -> list[str] | None:
    """Item ids of a cold listener's first page: what the load's events play. Retried while the stack
    does not answer or answers 5xx (right after `make train` or an import its workers may be reloading a
    model or the catalog); None, with the reason on stderr, when there is none to take."""
    for attempt in range(1, attempts + 1):
        try:
            reply = get_recommendations.sync_detailed("u-load-cold", client=service, limit=100)
            status, problem = int(reply.status_code), reply.content.decode(errors="replace")[:200]
        except httpx.HTTPError as error:
            reply, status, problem = None, 0, f"no answer ({type(error).__name__})"
        if reply is not None and status == 200:
            items = getattr(reply.parsed, "items", None) or []
            if not items:
                empty = "the catalog is empty: start the stack with its demo catalog or import one"
                print(empty, file=sys.stderr)
                return None
            return [item.item_id for item in items]
        if status != 0 and status < 500:
            print(f"setup: GET recommendations answered {status}: {problem}", file=sys.stderr)
            return None
        print(f"setup: attempt {attempt} of {attempts}: {problem or status}; retrying", file=sys.stderr)
    print("setup: the stack did not answer GET recommendations; is it still loading?", file=sys.stderr)
    return None


class Client:
    """One load client: one request at a time, through the identities' generated clients."""

    def __init__(self, clients: dict[str, AuthenticatedClient], items: list[str], ledger: Ledger) -> None:
        self.clients, self.items, self.ledger = clients, items, ledger
        self.listeners = [name for name in clients if name != "service"]

    def call[T](self, route: str, request: Callable[[], Response[T]]) -> T | None:
        """The typed reply of a 2xx, else None; the status and latency go to the ledger either way."""
        started = time.perf_counter()
        try:
            response: Response[T] | None = request()
            status = int(response.status_code) if response is not None else 0
        except httpx.HTTPError:
            status, response = 0, None  # no answer: counted as status 0
        elapsed_ms = (time.perf_counter() - started) * 1000
        ok = response is not None and 200 <= status < 300
        body = response.content.decode(errors="replace") if response is not None and not ok else ""
        self.ledger.record(route, status, elapsed_ms, body)
        return response.parsed if ok and response is not None else None

    def post_events(self, listener: str, rng: np.random.Generator, route: str = ROUTES[0]) -> None:
        batch = EventBatch(events=[event(listener, pick(rng, self.items)) for _ in range(EVENTS_PER_POST)])
        client = self.clients[listener]
        reply = self.call(route, lambda: post_events.sync_detailed(client=client, body=batch))
        if isinstance(reply, IngestResponse):
            with self.ledger.lock:
                self.ledger.accepted[listener] += reply.accepted

    def one(self, route: str, rng: np.random.Generator) -> None:
        listener = pick(rng, self.listeners)
        client = self.clients[listener]
        if route == ROUTES[0]:
            self.post_events(listener, rng)
        elif route == ROUTES[1]:
            self.call(route, lambda: get_recommendations.sync_detailed(listener, client=client, limit=20))
        elif route == ROUTES[2]:
            self.call(route, lambda: get_profile.sync_detailed(listener, client=client))
        else:
            item = pick(rng, self.items)
            self.call(
                route, lambda: get_similar.sync_detailed(item, client=self.clients["service"], limit=20)
            )


def run_clients(clients: list[Client], duration: float, mix: Sequence[float], seed: int) -> float:
    """Every client loops until `duration` has passed; returns the seconds the load really took."""
    deadline = time.monotonic() + duration

    def loop(index: int) -> None:
        rng = np.random.default_rng(seed + index)
        while time.monotonic() < deadline:
            clients[index].one(ROUTES[int(rng.choice(len(ROUTES), p=mix))], rng)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        list(pool.map(loop, range(len(clients))))
    return time.monotonic() - started


def check_applied(client: Client, listeners: list[str]) -> dict[str, tuple[int, int]]:
    """Listeners whose profile does not hold every accepted event: listener -> (accepted, applied)."""
    mismatches = {}
    for listener in listeners:
        identity = client.clients[listener]
        reply = client.call("check", lambda: get_profile.sync_detailed(listener, client=identity))  # noqa: B023
        applied = (
            sum(reply.counts.additional_properties.values()) if isinstance(reply, ProfileResponse) else 0
        )
        if applied != client.ledger.accepted[listener]:
            mismatches[listener] = (client.ledger.accepted[listener], applied)
    return mismatches


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.load", description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:3000")
    parser.add_argument("--aws-port", type=int, default=5000, help="the running stack's moto port")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients, one request each")
    parser.add_argument("--listeners", type=int, default=LISTENERS)
    parser.add_argument("--drain-timeout", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("reports/load.json"))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 when there was no error and every accepted event was applied, else 1."""
    args = _parse_args(argv)
    issuer = LocalIssuer.of_running_stack()
    run = uuid.uuid4().hex[:6]
    listeners = [f"u-load-{run}-{n:03d}" for n in range(args.listeners)]
    tokens = {name: issuer.sign(name, LISTENER_SCOPES) for name in listeners}
    tokens["service"] = issuer.service_token()
    probe = stack_probe(args.aws_port, load_template(DEFAULT_TEMPLATE))

    ledger = Ledger()
    identities = clients_for(args.base_url, tokens, args.clients)
    setup = Client(identities, [], ledger)
    service = identities["service"]
    items = catalog_sample(service)
    if items is None:
        return 1
    setup.items = items
    # Every listener gets a profile first, so profile reads during the load find one (not 404).
    warmup = np.random.default_rng(args.seed)
    for listener in listeners:
        setup.post_events(listener, warmup, route="setup")
    wait_drained(probe, args.drain_timeout)

    print(f"{args.clients} clients for {args.duration:.0f} s against {args.base_url} ...", file=sys.stderr)
    clients = [Client(identities, setup.items, ledger) for _ in range(args.clients)]
    seconds = run_clients(clients, args.duration, DEFAULT_MIX, args.seed)

    drain_started = time.monotonic()
    left = wait_drained(probe, args.drain_timeout)
    drain_seconds = time.monotonic() - drain_started
    mismatches = check_applied(setup, listeners)
    accepted = sum(ledger.accepted.values())
    applied = accepted - sum(a - b for a, b in mismatches.values())

    everything = RouteStats()
    for stats in ledger.routes.values():
        everything.latencies_ms += stats.latencies_ms
        everything.statuses.update(stats.statuses)
    total = everything.summary(seconds)
    report = {
        "command": "make load",
        "base_url": args.base_url,
        "clients": args.clients,
        "duration_s": round(seconds, 1),
        "mix": dict(zip(ROUTES, DEFAULT_MIX, strict=True)),
        "routes": {route: stats.summary(seconds) for route, stats in ledger.routes.items()},
        "total": {**total, "errors": sum(total["errors"].values())},
        "drain": {
            "drained": left.total == 0,
            "backlog": left.describe(),
            "seconds": round(drain_seconds, 1),
            "accepted": accepted,
            "applied": applied,
            "listeners_short": len(mismatches),
            "ok": left.total == 0 and not mismatches,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(report))
    print(f"report: {args.out}", file=sys.stderr)
    return 0 if report["drain"]["ok"] and report["total"]["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
