"""Count DynamoDB requests and capacity units the way DynamoDB bills them, from the requests themselves.

`CapacityMeter` hooks a boto3 DynamoDB client's event system, so the real storage code runs unchanged
(paginators and worker threads included). Why not `ReturnConsumedCapacity`: the storage code does not
ask for it, and moto (which the benchmarks run against, in-process) reports a flat 1.0 per write whatever
the item size. So the meter computes units itself, from item sizes (AWS developer guide, "Item sizes and
formats" and "capacity unit consumption"):

- write: 1 unit per started KB of the larger of the item before and after (PutItem, UpdateItem,
  DeleteItem, each BatchWriteItem entry); a write whose condition fails still consumes it;
- TransactWriteItems: 2 units per started KB per action (prepare + commit); a cancelled transaction is
  counted in `cancelled` but consumes nothing here (the benchmarks' scenarios cancel none);
- read: 1 unit per started 4 KB (strongly consistent), 0.5 unit (eventually consistent); each GetItem
  and BatchGetItem key is rounded on its own (on the whole item, whatever the projection), Query and Scan
  round the page's total; a missing item still consumes the minimum.

On-demand tables bill exactly these units as write and read request units (WRU, RRU).
"""

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
TRANSACTION_FACTOR = 2
_WRITE_OPS = frozenset({"PutItem", "UpdateItem", "DeleteItem"})


def number_size(text: str) -> int:
    """Bytes of a DynamoDB number: 1 per two significant digits, plus 1."""
    mantissa = text.strip().lstrip("+-").lower().split("e")[0]
    digits = mantissa.replace(".", "").strip("0")
    return math.ceil(len(digits) / 2) + 1 if digits else 1


_SCALAR_SIZES: dict[str, Callable[[Any], int]] = {
    "S": lambda data: len(str(data).encode()),
    "N": lambda data: number_size(str(data)),
    "B": len,
    "BOOL": lambda _: 1,
    "NULL": lambda _: 1,
    "SS": lambda data: sum(len(str(s).encode()) for s in data),
    "NS": lambda data: sum(number_size(str(n)) for n in data),
    "BS": lambda data: sum(len(b) for b in data),
}


def value_size(value: Mapping[str, Any]) -> int:
    """Bytes of one attribute value in the low-level wire format (`{"S": "..."}`, `{"N": "..."}`, …)."""
    ((kind, data),) = value.items()
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in data.items())
    if kind not in _SCALAR_SIZES:
        raise ValueError(f"unknown DynamoDB type {kind!r}")
    return _SCALAR_SIZES[kind](data)


def item_size(item: Mapping[str, Mapping[str, Any]] | None) -> int:
    """Bytes of an item: attribute names plus values."""
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(size_bytes: int, transactional: bool = False) -> int:
    units = max(1, math.ceil(size_bytes / WRITE_UNIT_BYTES))
    return units * TRANSACTION_FACTOR if transactional else units


def read_units(size_bytes: int, consistent: bool) -> float:
    units = max(1, math.ceil(size_bytes / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


@dataclass
class Usage:
    """Requests by operation; write and read units by "Operation table"."""

    requests: Counter[str] = field(default_factory=Counter)
    write_units: Counter[str] = field(default_factory=Counter)
    read_units: dict[str, float] = field(default_factory=dict)
    cancelled: int = 0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def total_write_units(self) -> int:
        return sum(self.write_units.values())

    @property
    def total_read_units(self) -> float:
        return sum(self.read_units.values())

    def add(self, op: str, writes: Mapping[str, int], reads: Mapping[str, float], cancelled: int) -> None:
        self.requests[op] += 1
        self.write_units.update(writes)
        for key, units in reads.items():
            self.read_units[key] = self.read_units.get(key, 0.0) + units
        self.cancelled += cancelled

    def minus(self, before: "Usage") -> "Usage":
        return Usage(
            requests=self.requests - before.requests,
            write_units=self.write_units - before.write_units,
            read_units={
                k: v - before.read_units.get(k, 0.0)
                for k, v in self.read_units.items()
                if v != before.read_units.get(k, 0.0)
            },
            cancelled=self.cancelled - before.cancelled,
        )

    def copy(self) -> "Usage":
        return Usage(Counter(self.requests), Counter(self.write_units), dict(self.read_units), self.cancelled)


class CapacityMeter:
    """Attach to a boto3 DynamoDB client; `peek` is a second client on the same backend (moto) that the
    meter uses, uncounted, to read items before and after a write."""

    def __init__(self, client: Any, peek: Any) -> None:
        self.usage = Usage()
        self._peek = peek
        self._keys: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._pending = threading.local()
        self._paused = False
        client.meta.events.register("before-parameter-build.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Seed data without counting it."""
        self._paused = True
        try:
            yield
        finally:
            self._paused = False

    def snapshot(self) -> Usage:
        with self._lock:
            return self.usage.copy()

    # ---------- hooks ----------

    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if self._paused:
            return
        op = model.name
        before: list[int] = []
        if op in _WRITE_OPS:
            before = [self._current_size(params["TableName"], params.get("Key") or params["Item"])]
        elif op == "TransactWriteItems":
            before = [self._current_size(*self._target(action)) for action in params["TransactItems"]]
        self._pending.call = (op, params, before)

    def _after(self, http_response: Any, parsed: Mapping[str, Any], model: Any, **_: Any) -> None:
        pending = getattr(self._pending, "call", None)
        self._pending.call = None
        if self._paused or pending is None or pending[0] != model.name:
            return
        op, params, before = pending
        code = parsed.get("Error", {}).get("Code") if http_response.status_code >= 300 else None
        writes = self._writes(op, params, parsed, before, code)
        reads = self._reads(op, params, parsed) if code is None else {}
        cancelled = int(op == "TransactWriteItems" and code is not None)
        with self._lock:
            self.usage.add(op, writes, reads, cancelled)

    def _writes(
        self,
        op: str,
        params: Mapping[str, Any],
        parsed: Mapping[str, Any],
        before: list[int],
        code: str | None,
    ) -> Counter[str]:
        writes: Counter[str] = Counter()
        if op in _WRITE_OPS and code in {None, "ConditionalCheckFailedException"}:
            table = params["TableName"]
            new = item_size(params["Item"]) if op == "PutItem" else 0
            if op == "UpdateItem":
                new = self._current_size(table, params["Key"])
            writes[f"{op} {table}"] += write_units(max(before[0], new))
        elif op == "TransactWriteItems" and code is None:
            for action, old in zip(params["TransactItems"], before, strict=True):
                table, key = self._target(action)
                new = item_size(action["Put"]["Item"]) if "Put" in action else 0
                if "Update" in action:
                    new = self._current_size(table, key)
                writes[f"{op} {table}"] += write_units(max(old, new), transactional=True)
        elif op == "BatchWriteItem" and code is None:
            for table, requests in params["RequestItems"].items():
                unprocessed = len(parsed.get("UnprocessedItems", {}).get(table, []))
                for request in requests[: len(requests) - unprocessed]:
                    put = request.get("PutRequest")
                    writes[f"{op} {table}"] += write_units(item_size(put["Item"]) if put else 0)
        return writes

    def _reads(self, op: str, params: Mapping[str, Any], parsed: Mapping[str, Any]) -> dict[str, float]:
        if op == "GetItem":
            size = item_size(parsed.get("Item"))
            return {f"{op} {params['TableName']}": read_units(size, bool(params.get("ConsistentRead")))}
        if op == "BatchGetItem":
            # Billed per requested key, found or not, on the whole item (a projection saves nothing).
            reads: dict[str, float] = {}
            for table, request in params["RequestItems"].items():
                left = parsed.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
                keys = request["Keys"][: len(request["Keys"]) - len(left)]
                consistent = bool(request.get("ConsistentRead"))
                reads[f"{op} {table}"] = sum(
                    read_units(self._current_size(table, key), consistent) for key in keys
                )
            return reads
        if op in {"Query", "Scan"}:
            size = sum(item_size(row) for row in parsed.get("Items", []))
            return {f"{op} {params['TableName']}": read_units(size, bool(params.get("ConsistentRead")))}
        return {}

    # ---------- helpers ----------

    @staticmethod
    def _target(action: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
        ((kind, body),) = action.items()
        return body["TableName"], body["Key"] if kind != "Put" else body["Item"]

    def _key_names(self, table: str) -> list[str]:
        if table not in self._keys:
            schema = self._peek.describe_table(TableName=table)["Table"]["KeySchema"]
            self._keys[table] = [k["AttributeName"] for k in schema]
        return self._keys[table]

    def _current_size(self, table: str, item_or_key: Mapping[str, Any]) -> int:
        key = {name: item_or_key[name] for name in self._key_names(table)}
        found = self._peek.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return item_size(found)


@dataclass
class SqsUsage:
    calls: Counter[str] = field(default_factory=Counter)
    billed_requests: int = 0  # one per started 64 KB of payload, per call
    messages: int = 0
    payload_bytes: int = 0


SQS_CHUNK_BYTES = 64 * 1024


def sqs_billed_requests(payload_bytes: int) -> int:
    return max(1, math.ceil(payload_bytes / SQS_CHUNK_BYTES))


class SqsMeter:
    """Attach to a boto3 SQS client: counts calls, messages and billed 64 KB request chunks."""

    def __init__(self, client: Any) -> None:
        self.usage = SqsUsage()
        self._lock = threading.Lock()
        client.meta.events.register("before-parameter-build.sqs", self._before)

    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "SendMessageBatch":
            bodies = [e["MessageBody"] for e in params["Entries"]]
        elif model.name == "SendMessage":
            bodies = [params["MessageBody"]]
        else:
            bodies = []
        size = sum(len(b.encode()) for b in bodies)
        with self._lock:
            self.usage.calls[model.name] += 1
            self.usage.billed_requests += sqs_billed_requests(size)
            self.usage.messages += len(bodies)
            self.usage.payload_bytes += size
