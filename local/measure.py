"""Quick figures through the running local stack (`make run` first): HTTP latency, ingest rate, freshness.

python -m local.measure [--base-url http://127.0.0.1:3000] [--requests 200] [--batches 10]

These include the local HTTP adapter and moto, so they bound the *local* experience; the compute-only
figures of the handlers belong to the benchmark suite.
"""

import argparse
import functools
import json
import os
import statistics
import time
import uuid
from typing import Any

import requests

from local.jwt_issuer import service_token


def _call(method: str, url: str, body: Any = None, *, token: str) -> tuple[int, float, Any]:
    # requests speaks http(s) only: urllib's urlopen would also open file: and custom schemes.
    headers = {"authorization": f"Bearer {token}"}
    started = time.perf_counter()
    response = requests.request(method, url, json=body, headers=headers, timeout=30)
    elapsed_ms = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return response.status_code, elapsed_ms, json.loads(response.content or b"null")


def _summary(name: str, samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"{name:<38} n={len(ordered):<5} median={statistics.median(ordered):7.2f} ms  p99={p99:7.2f} ms"


def _event(user: str, item: str, kind: str = "play") -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": uuid.uuid4().hex,
        "user_id": user,
        "item_id": item,
        "type": kind,
        "timestamp": int(time.time() * 1000) - 1000,
    }
    if kind == "play":
        event["ms_played"] = 150_000
    return event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:3000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--token", default=os.environ.get("MIXTAPE_TOKEN"), help="default: a service token")
    args = parser.parse_args()
    # A service token (every scope + listeners:any): measure acts for many listeners.
    call = functools.partial(_call, token=args.token or service_token())
    base = args.base_url
    catalog = call("GET", f"{base}/v1/users/u-measure-cold/recommendations?limit=100")[2]
    items = [i["item_id"] for i in catalog["items"]]

    user = f"u-measure-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    call("POST", f"{base}/v1/events", {"events": [_event(user, items[0]), _event(user, items[1], "like")]})
    while True:
        try:
            call("GET", f"{base}/v1/users/{user}/profile")
            break
        except requests.HTTPError:
            time.sleep(0.02)
    freshness_s = time.perf_counter() - started

    def timed(path: str) -> list[float]:
        return [call("GET", f"{base}{path}")[1] for _ in range(args.requests)]

    recommend = timed(f"/v1/users/{user}/recommendations?limit=20")
    profile = timed(f"/v1/users/{user}/profile")
    cold = timed("/v1/users/u-nobody/recommendations?limit=20")

    batch_ms = []
    for b in range(args.batches):
        batch = [_event(f"u-load-{b}-{i % 50}", items[i % len(items)]) for i in range(500)]
        batch_ms.append(call("POST", f"{base}/v1/events", {"events": batch})[1])
    events_per_s = 500 * len(batch_ms) / (sum(batch_ms) / 1000)

    print(_summary("GET recommendations (warm profile)", recommend))
    print(_summary("GET recommendations (cold start)", cold))
    print(_summary("GET profile", profile))
    print(_summary("POST /v1/events, 500 events", batch_ms))
    print(f"{'ingest rate through HTTP':<38} {events_per_s:,.0f} events/s (sequential batches of 500)")
    print(f"{'POST → profile visible':<38} {freshness_s:.2f} s")


if __name__ == "__main__":
    main()
