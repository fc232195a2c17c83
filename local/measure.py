"""Quick figures through the running local stack (`make run` first): HTTP latency, ingest rate, freshness.

python -m local.measure [--base-url http://127.0.0.1:3000] [--requests 200] [--batches 10]

These include the local HTTP adapter and moto, so they bound the *local* experience; the compute-only
figures of the handlers belong to the benchmark suite.
"""

import argparse
import functools
import os
import statistics
import time
import uuid
from collections.abc import Callable

import httpx
from mixtape_client import AuthenticatedClient
from mixtape_client.api.events import post_events
from mixtape_client.api.users import get_profile, get_recommendations
from mixtape_client.models import EventBatch, EventType, ListeningEvent, RecommendationsResponse
from mixtape_client.types import UNSET, Response

from local.jwt_issuer import service_token


def _timed[T](call: Callable[[], Response[T]]) -> tuple[Response[T], float]:
    """The reply of one call through the generated client (clients/python) and its wall time in ms."""
    started = time.perf_counter()
    reply = call()
    return reply, (time.perf_counter() - started) * 1000


def _ok[T](call: Callable[[], Response[T]]) -> tuple[T, float]:
    reply, elapsed_ms = _timed(call)
    if reply.status_code >= 300 or reply.parsed is None:
        raise SystemExit(f"HTTP {reply.status_code}: {reply.content[:300]!r}")
    return reply.parsed, elapsed_ms


def _summary(name: str, samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"{name:<38} n={len(ordered):<5} median={statistics.median(ordered):7.2f} ms  p99={p99:7.2f} ms"


def _event(user: str, item: str, kind: EventType = EventType.PLAY) -> ListeningEvent:
    return ListeningEvent(
        event_id=uuid.uuid4().hex,
        user_id=user,
        item_id=item,
        type_=kind,
        timestamp=int(time.time() * 1000) - 1000,
        ms_played=150_000 if kind is EventType.PLAY else UNSET,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:3000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--token", default=os.environ.get("MIXTAPE_TOKEN"), help="default: a service token")
    args = parser.parse_args()
    # A service token (every scope + listeners:any): measure acts for many listeners.
    client = AuthenticatedClient(
        base_url=args.base_url, token=args.token or service_token(), timeout=httpx.Timeout(30.0)
    )
    catalog, _ = _ok(lambda: get_recommendations.sync_detailed("u-measure-cold", client=client, limit=100))
    if not isinstance(catalog, RecommendationsResponse):
        raise SystemExit(f"unexpected reply: {catalog}")
    items = [i.item_id for i in catalog.items]

    user = f"u-measure-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    first = EventBatch(events=[_event(user, items[0]), _event(user, items[1], EventType.LIKE)])
    _ok(lambda: post_events.sync_detailed(client=client, body=first))
    while get_profile.sync_detailed(user, client=client).status_code != 200:
        time.sleep(0.02)
    freshness_s = time.perf_counter() - started

    def timed[T](call: Callable[[], Response[T]]) -> list[float]:
        return [_ok(call)[1] for _ in range(args.requests)]

    recommend = timed(lambda: get_recommendations.sync_detailed(user, client=client, limit=20))
    profile = timed(lambda: get_profile.sync_detailed(user, client=client))
    cold = timed(lambda: get_recommendations.sync_detailed("u-nobody", client=client, limit=20))

    batch_ms = []
    for b in range(args.batches):
        batch = EventBatch(events=[_event(f"u-load-{b}-{i % 50}", items[i % len(items)]) for i in range(500)])
        batch_ms.append(_ok(functools.partial(post_events.sync_detailed, client=client, body=batch))[1])
    events_per_s = 500 * len(batch_ms) / (sum(batch_ms) / 1000)

    print(_summary("GET recommendations (warm profile)", recommend))
    print(_summary("GET recommendations (cold start)", cold))
    print(_summary("GET profile", profile))
    print(_summary("POST /v1/events, 500 events", batch_ms))
    print(f"{'ingest rate through HTTP':<38} {events_per_s:,.0f} events/s (sequential batches of 500)")
    print(f"{'POST → profile visible':<38} {freshness_s:.2f} s")


if __name__ == "__main__":
    main()
