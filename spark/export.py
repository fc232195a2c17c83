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


def listener_of(item: dict[str, Any]) -> str:
    """The listener an exported log item belongs to (the job groups a listener's items in one partition)."""
    return str(item["user_id"]["S"])


def interactions(
    items: Iterable[dict[str, Any]], fold: EventFoldSettings, now_ms: int
) -> Iterator[history.Interaction]:
    """Every (user_id, item_id, decayed weight > 0) of the exported log items, which must hold each of
    their listeners' items whole (a listener's weights are sums over all their events)."""
    return history.interactions((item_to_logged(item) for item in items), fold, now_ms)
