"""`make load`'s figures: what the clients saw per route (latencies, statuses) and the report's table."""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

ROUTES = ("POST /v1/events", "GET recommendations", "GET profile", "GET similar")
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
