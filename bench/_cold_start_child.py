"""One cold start, measured inside a fresh interpreter (spawned by `bench.cold_start`; not run directly).

Only the standard library is imported at module level, so the `imports` phase is the handler's own import
cost. Phases, in the order a real container pays them:

- `startup`: from the parent's spawn to the first line of this script (interpreter start, site, `-m`).
- `imports`: executing `functions/<name>/app.py` (loaded with importlib, as the Lambda runtime does): the
  function's init, ending with `gc_tuning.end_of_init()`.
- `snapshot` and `restore` (with `snapstart` as the last argument; 0 otherwise): the SnapStart hooks of
  `mixtape.runtime.snapstart`, before the snapshot (in it, with init) and after a restore (what a
  restored environment runs before its first request; none of init is repeated).
- `clients`: building the botocore clients the function uses (dummy credentials and endpoint; no network).
- `dependencies`: the handler's own `dependencies()` (settings from the environment, store objects; no
  I/O), which a real first request builds. Its stores are then replaced by in-memory ones for the requests
  (`mixtape.api.dependencies.overridden`).
- `catalog_load`: the recommend function's in-memory catalog index (`CatalogCache.get()`), 0 elsewhere.
- `first_request` / `second_request`: one invocation through `lambda_handler` against in-memory stores.
- `catalog_scan` (recommend only, reported apart): what `catalog_load` leaves out, the catalog's read from
  DynamoDB. `DynamoCatalogStore.load_all()` on the function's own DynamoDB client, its requests answered
  in-process with the same catalog as DynamoDB JSON (prepared beforehand): request building, signing,
  response parsing and record decoding, no network. Measured after the requests, so it is not in the
  phases above; a real cold start pays it, plus the round trips, inside its first request.
- `catalog_snapshot` (recommend only, reported apart): the same catalog read the way a container reads it
  while the catalog snapshot in S3 is current (`SnapshotCatalogReader.load_all()`: the version GetItem and
  two S3 GETs, answered in-process with the snapshot `CatalogSnapshotFunction` would publish).

Each phase has its wall time and, as `cpu_<phase>`, its CPU time (steadier on a busy machine).
`bytecode_compile` is measured last: see `bytecode_compile_ms`.

The result is one line `COLD_START_RESULT {json}` on stdout (the handlers' own logs go there too).
"""

# ruff: noqa: PLC0415 - deferred imports are the point: they must not count as the handler's.
# Keep the module-level imports to what the interpreter has loaded anyway: anything imported here
# would be missing from the handler's measured import time.
from __future__ import annotations

import importlib.util
import os
import sys
import time

TYPE_CHECKING = False  # not `from typing import TYPE_CHECKING`: typing is one of the handler's imports
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType
    from typing import Any

RESULT_PREFIX = "COLD_START_RESULT "
USER = "u-bench"


class _Context:
    """The attributes of the runtime's LambdaContext that Powertools reads."""

    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:mixtape-bench"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/mixtape-bench"
    log_stream_name = "bench"
    function_version = "$LATEST"

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


class _Clock:
    """Wall and CPU time of consecutive phases (CPU: this process, all threads)."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, phase: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.phases[phase] = (wall - self._wall) * 1000.0
        self.phases[f"cpu_{phase}"] = (cpu - self._cpu) * 1000.0
        self._wall, self._cpu = wall, cpu

    def restart(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()


def _load_handler(root: str, function: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("app", os.path.join(root, "functions", function, "app.py"))
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load functions/{function}/app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module
    spec.loader.exec_module(module)
    return module


BENCH_SCOPES = "events:write catalog:write recommendations:read listeners:any"


def _http_event(method: str, path: str, route_key: str, body: Any = None, **extra: Any) -> dict[str, Any]:
    import json

    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": extra.pop("query", ""),
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "requestId": "bench-request",
            "routeKey": route_key,
            "stage": "$default",
            "timeEpoch": 0,
            # What API Gateway's JWT authorizer passes on for a service token (any listener, every scope).
            "authorizer": {"jwt": {"claims": {"sub": "bench", "scope": BENCH_SCOPES}, "scopes": None}},
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
        **extra,
    }


def _replaced(built: Any, stores: dict[str, Any]) -> Any:
    """The handler's own dependencies with `stores` in place of its AWS-backed ones. Fields this bench
    does not know about stay as the handler built them."""
    from dataclasses import replace

    return replace(built, **stores)


def _catalog_records(n: int, dim: int) -> list[Any]:
    import numpy as np

    from mixtape.models.catalog import CatalogRecord

    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    genres = ("rock", "jazz", "pop", "hip-hop", "electronic", "folk", "classical", "soul")
    return [
        CatalogRecord(
            item_id=f"trk-{i:06d}",
            title=f"Track {i}",
            artist_id=f"art-{i % max(1, n // 10):05d}",
            artist_name=f"Artist {i % max(1, n // 10)}",
            genres=(genres[i % len(genres)],),
            explicit=i % 11 == 0,
            release_date=f"20{10 + i % 16:02d}-0{1 + i % 9}-15",
            duration_ms=180_000,
            embedding=vectors[i],
            popularity={20_000 + (i % 3): float(i % 97)},
        )
        for i in range(n)
    ]


def _stored_events(n: int, items: int, now_ms: int) -> list[dict[str, Any]]:
    return [
        {
            "event_id": f"evt-{i:06d}",
            "user_id": USER,
            "item_id": f"trk-{(i * 37) % items:06d}",
            "type": "play",
            "timestamp": now_ms - 60_000 * (n - i),
            "ms_played": 200_000,
            "count": 1,
            "context": {"source": "home", "device": "ios"},
            "ingested_at": now_ms - 1000,
        }
        for i in range(n)
    ]


def _dynamodb_item(record: Any) -> dict[str, Any]:
    """A catalog record as the catalog table holds it (mixtape.storage.dynamo.catalog.record_from_item)."""
    import base64

    from mixtape.storage.dynamo.catalog import POP_PREFIX

    item: dict[str, Any] = {
        "item_id": {"S": record.item_id},
        "title": {"S": record.title},
        "artist_id": {"S": record.artist_id},
        "artist_name": {"S": record.artist_name},
        "genres": {"L": [{"S": g} for g in record.genres]},
        "explicit": {"BOOL": record.explicit},
        "duration_ms": {"N": str(record.duration_ms)},
        "embedding": {"B": base64.b64encode(record.embedding.tobytes()).decode()},
        **{f"{POP_PREFIX}{epoch}": {"N": repr(v)} for epoch, v in record.popularity.items()},
    }
    if record.release_date:
        item["release_date"] = {"S": record.release_date}
    return item


class _Body:
    """The raw body botocore reads a response from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data

    def read(self, amt: int | None = None) -> bytes:  # streaming payloads (S3 GetObject) are read directly
        data, self._data = (self._data, b"") if amt is None else (self._data[:amt], self._data[amt:])
        return data


class _Served:
    """The client's requests answered in-process by `answer` (botocore's before-send hook), while in the
    `with` block. A class, not contextlib: nothing the handler would import may be loaded here first."""

    def __init__(self, client: Any, service: str, answer: Callable[..., Any]) -> None:
        self._events, self._name, self._answer = client.meta.events, f"before-send.{service}", answer

    def __enter__(self) -> None:
        self._events.register(self._name, self._answer)

    def __exit__(self, *_: object) -> None:
        self._events.unregister(self._name, self._answer)


def _version_item() -> bytes:
    """GetItem's answer for the catalog's `#meta` item at version 1."""
    import json

    from mixtape.storage.dynamo.catalog import META_KEY

    return json.dumps({"Item": {"item_id": {"S": META_KEY}, "version": {"N": "1"}}}).encode()


def _read_back(measured: tuple[int, list[Any]], records: list[Any], source: str) -> None:
    version, loaded = measured
    # The same items (a snapshot holds them in catalog index order, a scan in the table's).
    if version != 1 or sorted(r.item_id for r in loaded) != sorted(r.item_id for r in records):
        raise RuntimeError(f"the catalog read back from {source} differs from the catalog")


def _catalog_scan(records: list[Any]) -> dict[str, float]:
    """`catalog_scan` (see the module docstring): load_all() with DynamoDB's answers served in-process."""
    import json

    from botocore.awsrequest import AWSResponse

    from mixtape.storage import clients
    from mixtape.storage.dynamo.catalog import SCAN_PAGE_ITEMS, DynamoCatalogStore

    items = [_dynamodb_item(r) for r in records]
    version = _version_item()
    pages: dict[str | None, bytes] = {}  # by the ExclusiveStartKey's item id
    for start in range(0, len(items), SCAN_PAGE_ITEMS):
        page = items[start : start + SCAN_PAGE_ITEMS]
        payload: dict[str, Any] = {"Items": page, "Count": len(page), "ScannedCount": len(page)}
        if start + SCAN_PAGE_ITEMS < len(items):
            payload["LastEvaluatedKey"] = {"item_id": page[-1]["item_id"]}
        previous = items[start - 1]["item_id"]["S"] if start else None
        pages[previous] = json.dumps(payload).encode()

    def answer(request: Any, **_: Any) -> Any:
        target = request.headers["X-Amz-Target"]
        target = target.decode() if isinstance(target, bytes) else target
        if target.endswith(".GetItem"):
            body = version
        else:
            start_key = json.loads(request.body).get("ExclusiveStartKey")
            body = pages[start_key["item_id"]["S"] if start_key else None]
        return AWSResponse(request.url, 200, {"x-amzn-requestid": "bench"}, _Body(body))

    client = clients.dynamodb()
    with _Served(client, "dynamodb", answer):
        clock = _Clock()
        loaded = DynamoCatalogStore("mixtape-bench-catalog", client=client).load_all()
        clock.lap("catalog_scan")
    _read_back(loaded, records, "the served Scan pages")
    return clock.phases


def _catalog_snapshot(records: list[Any]) -> dict[str, float]:
    """`catalog_snapshot` (see the module docstring): the catalog from its S3 snapshot, served in-process."""
    import json
    from urllib.parse import urlsplit

    from botocore.awsrequest import AWSResponse

    from mixtape.storage import clients
    from mixtape.storage.dynamo.catalog import DynamoCatalogStore
    from mixtape.storage.s3.catalog import (
        POINTER_KEY,
        S3CatalogSnapshots,
        SnapshotCatalogReader,
        encode_snapshot,
        snapshot_key,
    )

    bucket, written_at = "mixtape-bench-artifacts", 1_000
    key = snapshot_key(1, written_at)
    pointer = {"version": 1, "key": key, "written_at_ms": written_at, "items": len(records)}
    objects = {POINTER_KEY: json.dumps(pointer).encode(), key: encode_snapshot(1, written_at, records)}
    version = _version_item()

    def answer_s3(request: Any, **_: Any) -> Any:
        path = urlsplit(request.url).path.lstrip("/").removeprefix(f"{bucket}/")
        data = objects[path]
        return AWSResponse(request.url, 200, {"content-length": str(len(data))}, _Body(data))

    def answer_dynamodb(request: Any, **_: Any) -> Any:
        return AWSResponse(request.url, 200, {"x-amzn-requestid": "bench"}, _Body(version))

    dynamodb, s3 = clients.dynamodb(), clients.s3()
    reader = SnapshotCatalogReader(
        DynamoCatalogStore("mixtape-bench-catalog", client=dynamodb),
        S3CatalogSnapshots(bucket, client=s3),
        max_age_ms=60_000,
        wall_clock_ms=lambda: written_at,
    )
    with _Served(dynamodb, "dynamodb", answer_dynamodb), _Served(s3, "s3", answer_s3):
        clock = _Clock()
        loaded = reader.load_all()
        clock.lap("catalog_snapshot")
    _read_back(loaded, records, "the served snapshot")
    return clock.phases


def _prepare_recommend(built: Any, items: int, now_ms: int) -> tuple[Any, dict[str, Any], list[Any]]:
    import numpy as np

    from mixtape import clock
    from mixtape.catalog.cache import CatalogCache
    from mixtape.models.profile import Profile, RecentItem
    from mixtape.storage.memory import MemoryCatalogStore, MemoryProfileStore

    catalog = MemoryCatalogStore(catalog_version=1)
    records = _catalog_records(items, int(os.environ.get("EMBEDDING_DIM", "32")))
    catalog.records = {r.item_id: r for r in records}
    profiles = MemoryProfileStore()
    history = records[: min(300, items)]
    profiles.profiles[USER] = Profile(
        user_id=USER,
        version=3,
        ref_ms=now_ms - 86_400_000,
        updated_at=now_ms,
        last_event_at=now_ms,
        items={r.item_id: 1.0 + (i % 5) for i, r in enumerate(history)},
        artists={r.artist_id: 2.0 for r in history[:100]},
        genres={g: 1.5 for r in history for g in r.genres},
        counts={"play": len(history)},
        recent=[RecentItem(item_id=r.item_id, ts=now_ms - i) for i, r in enumerate(history[:50])],
        taste_sum=np.ones(records[0].embedding.shape[0], dtype=np.float64),
        taste_weight=10.0,
    )

    deps = _replaced(
        built, {"profiles": profiles, "catalog": CatalogCache(catalog, built.settings, clock.now_ms)}
    )
    path = f"/v1/users/{USER}/recommendations"
    event = _http_event(
        "GET",
        path,
        "GET /v1/users/{user_id}/recommendations",
        query="limit=20",
        pathParameters={"user_id": USER},
        queryStringParameters={"limit": "20"},
    )
    return deps, event, records


def _prepare_ingest(built: Any, now_ms: int) -> tuple[Any, dict[str, Any]]:
    from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryQueue

    events, queue, catalog = MemoryEventStore(), MemoryQueue(), MemoryCatalogStore()

    deps = _replaced(built, {"events": events, "catalog": catalog, "queue": queue})
    body = {
        "events": [
            {k: v for k, v in e.items() if k != "ingested_at"} for e in _stored_events(10, 1000, now_ms)
        ]
    }
    return deps, _http_event("POST", "/v1/events", "POST /v1/events", body)


def _prepare_profile_update(built: Any, now_ms: int) -> tuple[Any, dict[str, Any]]:
    import json

    from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore

    catalog = MemoryCatalogStore(catalog_version=1)
    records = _catalog_records(1000, int(os.environ.get("EMBEDDING_DIM", "32")))
    catalog.records = {r.item_id: r for r in records}
    events = MemoryEventStore()
    profiles = MemoryProfileStore()
    raw = _stored_events(20, len(records), now_ms)

    deps = _replaced(built, {"events": events, "profiles": profiles, "catalog": catalog})
    # Ten messages of two events each (the second invocation redelivers them: already applied).
    return deps, {
        "Records": [
            {
                "messageId": f"msg-{i}",
                "receiptHandle": f"rh-{i}",
                "body": json.dumps({"user_id": USER, "events": raw[2 * i : 2 * i + 2]}),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:mixtape-ProfileUpdateQueue",
                "awsRegion": "us-east-1",
            }
            for i in range(10)
        ]
    }


def _check(function: str, response: Any) -> None:
    if function == "profile_update":
        if response.get("batchItemFailures"):
            raise RuntimeError(f"profile update failed: {response}")
    elif response.get("statusCode") not in {200, 202}:
        raise RuntimeError(f"{function} answered {response.get('statusCode')}: {response.get('body')}")


def bytecode_compile_ms() -> float:
    """CPU time to compile every non-stdlib module this process has loaded from source: what each cold
    start pays on top when the deployment package carries no valid .pyc (Lambda's filesystem is
    read-only, so the compiled code cannot be cached there). Slightly high: loading a .pyc is not free."""
    import sysconfig

    stdlib = sysconfig.get_paths()["stdlib"]
    files = {
        path
        for module in list(sys.modules.values())
        if isinstance(path := getattr(module, "__dict__", {}).get("__file__"), str)  # a deferred one stays so
        and path.endswith(".py")
        and not path.startswith(stdlib)
    }
    started = time.process_time()
    for path in files:
        with open(path, "rb") as source:
            compile(source.read(), path, "exec", dont_inherit=True)
    return (time.process_time() - started) * 1000.0


def measure(
    root: str, function: str, catalog_items: int, spawn_ns: int | None, snapstart_on: bool
) -> dict[str, float]:
    startup_wall = (time.time_ns() - spawn_ns) / 1e6 if spawn_ns else 0.0
    startup_cpu = time.process_time() * 1000.0  # CPU since the process started
    clock = _Clock()
    module = _load_handler(root, function)
    clock.lap("imports")

    from mixtape.runtime import snapstart

    for phase, hooks in (
        ("snapshot", snapstart.run_before_snapshot),
        ("restore", snapstart.run_after_restore),
    ):
        clock.restart()
        if snapstart_on:
            hooks()
        clock.lap(phase)

    from mixtape.storage import clients

    clock.restart()
    clients.dynamodb()
    if function == "ingest":
        clients.sqs()
    clock.lap("clients")

    clock.restart()
    built = module.dependencies()
    clock.lap("dependencies")

    now_ms = time.time_ns() // 1_000_000
    records: list[Any] = []
    if function == "recommend":
        deps, event, records = _prepare_recommend(built, catalog_items, now_ms)
    elif function == "ingest":
        deps, event = _prepare_ingest(built, now_ms)
    else:
        deps, event = _prepare_profile_update(built, now_ms)

    from mixtape.api.dependencies import overridden

    context = _Context(function_name=f"mixtape-bench-{function}")
    with overridden(module.app, module.dependencies, deps):
        clock.restart()
        if records:
            deps.catalog.get()
        clock.lap("catalog_load")
        for phase in ("first_request", "second_request"):
            clock.restart()
            response = module.lambda_handler(event, context)
            clock.lap(phase)
            _check(function, response)
    apart = {
        "catalog_scan": 0.0,
        "cpu_catalog_scan": 0.0,
        "catalog_snapshot": 0.0,
        "cpu_catalog_snapshot": 0.0,
    }
    if records and not snapstart_on:  # the same with SnapStart: measured once
        apart |= _catalog_scan(records) | _catalog_snapshot(records)
    return {
        "startup": startup_wall,
        "cpu_startup": startup_cpu,
        **clock.phases,
        **apart,
        "bytecode_compile": 0.0 if snapstart_on else bytecode_compile_ms(),
    }


def main(argv: list[str]) -> int:
    root, function, catalog_items = argv[0], argv[1], int(argv[2])
    spawn = os.environ.get("BENCH_SPAWN_NS")
    phases = measure(root, function, catalog_items, int(spawn) if spawn else None, argv[3:] == ["snapstart"])
    import json

    sys.stdout.write(RESULT_PREFIX + json.dumps(phases) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
