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
import math
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import requests

from local.jwt_issuer import LISTENER_SCOPES, LocalIssuer
from local.queues import stack_probe, wait_drained
from local.template import DEFAULT_TEMPLATE, load_template

ROUTES = ("POST /v1/events", "GET recommendations", "GET profile", "GET similar")
DEFAULT_MIX = (0.25, 0.40, 0.20, 0.15)  # shares of ROUTES
EVENTS_PER_POST = 5
LISTENERS = 50
TIMEOUT_S = 30.0
Json = dict[str, Any]


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `fraction` of the samples at or below
    it (so p99 of 100 samples is the 99th, never an interpolation between two)."""
    if not samples:
        raise ValueError("no samples")
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered) - 1e-9))  # 1e-9: 0.95 * 100 is 95.00000000000001
    return ordered[rank - 1]


@dataclass
class RouteStats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    first_error: dict[int, str] = field(default_factory=dict)  # status -> the first body seen

    def summary(self, seconds: float) -> Json:
        ok = self.latencies_ms
        return {
            "requests": sum(self.statuses.values()),
            "requests_per_s": round(sum(self.statuses.values()) / seconds, 1),
            "p50_ms": round(percentile(ok, 0.50), 1) if ok else None,
            "p95_ms": round(percentile(ok, 0.95), 1) if ok else None,
            "p99_ms": round(percentile(ok, 0.99), 1) if ok else None,
            "errors": {str(s): n for s, n in sorted(self.statuses.items()) if not 200 <= s < 300},
            "first_error": {str(s): body for s, body in sorted(self.first_error.items())},
        }


@dataclass
class Ledger:
    """What the clients saw, shared by their threads (under a lock)."""

    routes: dict[str, RouteStats] = field(default_factory=lambda: {r: RouteStats() for r in ROUTES})
    accepted: Counter[str] = field(default_factory=Counter)  # listener -> events the API accepted
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, status: int, elapsed_ms: float, body: str = "") -> None:
        if route not in self.routes:
            return  # set-up and check requests: not part of the load
        with self.lock:
            stats = self.routes[route]
            stats.statuses[status] += 1
            if 200 <= status < 300:
                stats.latencies_ms.append(elapsed_ms)
            else:
                stats.first_error.setdefault(status, body[:300])


def pick[T](rng: np.random.Generator, values: Sequence[T]) -> T:
    return values[int(rng.integers(len(values)))]


def event(listener: str, item_id: str) -> Json:
    return {
        "event_id": uuid.uuid4().hex,
        "user_id": listener,
        "item_id": item_id,
        "type": "play",
        "timestamp": int(time.time() * 1000) - 1000,
        "ms_played": 150_000,
    }


class Client:
    """One client: a keep-alive session, one request at a time."""

    def __init__(self, base_url: str, tokens: dict[str, str], items: list[str], ledger: Ledger) -> None:
        self.base, self.tokens, self.items, self.ledger = base_url.rstrip("/"), tokens, items, ledger
        self.listeners = [name for name in tokens if name != "service"]
        self.session = requests.Session()

    def call(self, route: str, method: str, path: str, token: str, body: Json | None = None) -> Any:
        headers = {"authorization": f"Bearer {token}"}
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, self.base + path, json=body, headers=headers, timeout=TIMEOUT_S
            )
            status = response.status_code
        except requests.RequestException:
            status, response = 0, None  # no answer: counted as status 0
        elapsed_ms = (time.perf_counter() - started) * 1000
        failed = response is not None and not 200 <= status < 300
        self.ledger.record(
            route, status, elapsed_ms, response.text if failed and response is not None else ""
        )
        return response.json() if response is not None and 200 <= status < 300 else None

    def post_events(self, listener: str, rng: np.random.Generator, route: str = ROUTES[0]) -> None:
        batch = [event(listener, pick(rng, self.items)) for _ in range(EVENTS_PER_POST)]
        reply = self.call(route, "POST", "/v1/events", self.tokens[listener], {"events": batch})
        if reply is not None:
            with self.ledger.lock:
                self.ledger.accepted[listener] += int(reply["accepted"])

    def one(self, route: str, rng: np.random.Generator) -> None:
        listener = pick(rng, self.listeners)
        if route == ROUTES[0]:
            self.post_events(listener, rng)
        elif route == ROUTES[1]:
            self.call(route, "GET", f"/v1/users/{listener}/recommendations?limit=20", self.tokens[listener])
        elif route == ROUTES[2]:
            self.call(route, "GET", f"/v1/users/{listener}/profile", self.tokens[listener])
        else:
            path = f"/v1/items/{pick(rng, self.items)}/similar?limit=20"
            self.call(route, "GET", path, self.tokens["service"])


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
        reply = client.call("check", "GET", f"/v1/users/{listener}/profile", client.tokens[listener])
        applied = sum(reply["counts"].values()) if reply else 0
        if applied != client.ledger.accepted[listener]:
            mismatches[listener] = (client.ledger.accepted[listener], applied)
    return mismatches


def table(report: Json) -> str:
    lines = [f"{'route':<22}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  errors"]
    for route, s in report["routes"].items():
        cells = [f"{s[k]:>9.1f}" if s[k] is not None else f"{'-':>9}" for k in ("p50_ms", "p95_ms", "p99_ms")]
        errors = ", ".join(f"{n}x{status}" for status, n in s["errors"].items()) or "0"
        lines.append(f"{route:<22}{s['requests']:>9}{s['requests_per_s']:>8.1f}{''.join(cells)}  {errors}")
    t = report["total"]
    lines.append(
        f"{'all':<22}{t['requests']:>9}{t['requests_per_s']:>8.1f}{t['p50_ms']:>9.1f}{t['p95_ms']:>9.1f}"
        f"{t['p99_ms']:>9.1f}  {t['errors']}"
    )
    for route, s in report["routes"].items():
        lines.extend(f"  {route} {status}: {body}" for status, body in s["first_error"].items())
    drain = report["drain"]
    lines.append(
        f"drain: queues {'empty' if drain['drained'] else 'NOT empty: ' + drain['backlog']} after "
        f"{drain['seconds']:.1f} s; events accepted {drain['accepted']:,}, applied {drain['applied']:,}"
        f" ({'OK' if drain['ok'] else 'MISMATCH'})"
    )
    return "\n".join(lines)


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
    setup = Client(args.base_url, tokens, [], ledger)
    cold = setup.call("setup", "GET", "/v1/users/u-load-cold/recommendations?limit=100", tokens["service"])
    if not cold or not cold["items"]:
        print("the catalog is empty: start the stack with its demo catalog or import one", file=sys.stderr)
        return 1
    setup.items = [item["item_id"] for item in cold["items"]]
    # Every listener gets a profile first, so profile reads during the load find one (not 404).
    warmup = np.random.default_rng(args.seed)
    for listener in listeners:
        setup.post_events(listener, warmup, route="setup")
    wait_drained(probe, args.drain_timeout)

    print(f"{args.clients} clients for {args.duration:.0f} s against {args.base_url} ...", file=sys.stderr)
    clients = [Client(args.base_url, tokens, setup.items, ledger) for _ in range(args.clients)]
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
