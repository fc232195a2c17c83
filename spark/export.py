"""Reading a DynamoDB export of the applied-events log (format DYNAMODB_JSON): one `{"Item": {...}}` line
per item, in gzipped files under `<export>/data/`; binary attributes are base64 text. Items become logged
events through the storage adapter's own decoding (`item_to_logged`), and events become the trainer's
input through the one history fold (mixtape.learning.history), as the table scan does."""

import base64
import json
from collections.abc import Iterable, Iterator
from typing import Any

from mixtape.config import EventFoldSettings
from mixtape.learning import history
from mixtape.storage.dynamo.events import item_to_logged
from mixtape.storage.ports import LoggedEvent

DATA_DIR = "data"
MANIFEST_SUMMARY = "manifest-summary.json"


def data_path(export: str) -> str:
    """The data files of an export given as its directory or its `manifest-summary.json` (the key that
    DescribeExport returns as `ExportManifest`)."""
    root = export.removesuffix(MANIFEST_SUMMARY).rstrip("/")
    return f"{root}/{DATA_DIR}/"


def attribute_value(value: dict[str, Any]) -> dict[str, Any]:
    """One DynamoDB JSON attribute value as botocore returns it: base64 text back to bytes."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if kind == "M":
        return {"M": {k: attribute_value(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [attribute_value(v) for v in inner]}
    return {kind: inner}


def item_from_line(line: str) -> dict[str, Any] | None:
    """The item of one export line; None for a blank line."""
    if not line.strip():
        return None
    record = json.loads(line)
    return {name: attribute_value(value) for name, value in record["Item"].items()}


def items_of(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The items of export lines (blank lines skipped)."""
    return (item for line in lines if (item := item_from_line(line)) is not None)


Probe = tuple[int, str]  # (expires_at_s, event_id) of a listener's latest-expiring exported entry
Folded = tuple[dict[str, float], Probe]  # a listener's weights per item (partial sums) and their probe


def folded(
    items: Iterable[dict[str, Any]], fold: EventFoldSettings, now_ms: int
) -> Iterator[tuple[str, Folded]]:
    """The map side of one partition of export lines: per listener, the decayed weights summed per item
    over the partition's events (the history fold's own sums, so the shuffle carries one record per
    listener and partition, not one per event) and the probe the erasure check reads (spark.erasure).
    Partial sums keep their sign: an event in another file can still outweigh them."""
    probes: dict[str, Probe] = {}

    def noted(lines: Iterable[dict[str, Any]]) -> Iterator[LoggedEvent]:
        for item in lines:
            entry = item_to_logged(item)
            user_id, probe = entry.event.user_id, (entry.expires_at_s, entry.event.event_id)
            probes[user_id] = max(probes.get(user_id, probe), probe)
            yield entry

    totals = history.add_events({}, noted(items), fold, now_ms)
    by_listener: dict[str, Folded] = {}
    for (user_id, item_id), value in totals.items():
        by_listener.setdefault(user_id, ({}, probes[user_id]))[0][item_id] = value
    return iter(by_listener.items())


def merged(left: Folded, right: Folded) -> Folded:
    """Two partial folds of one listener as one: weights added per item, the later-expiring probe."""
    weights, other = (left[0], right[0]) if len(left[0]) >= len(right[0]) else (right[0], left[0])
    for item_id, value in other.items():
        weights[item_id] = weights.get(item_id, 0.0) + value
    return weights, max(left[1], right[1])


def interactions(
    items: Iterable[dict[str, Any]], fold: EventFoldSettings, now_ms: int
) -> Iterator[history.Interaction]:
    """Every (user_id, item_id, decayed weight > 0) of exported log items, folded at once (one partition
    holding its listeners whole; the job folds per file and merges per listener, to the same rows)."""
    return history.interactions((item_to_logged(item) for item in items), fold, now_ms)
