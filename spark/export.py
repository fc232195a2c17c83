"""Reading a DynamoDB export (format DYNAMODB_JSON): one `{"Item": {...}}` line per item, in gzipped
files under `<export>/data/`; binary attributes are base64 text. Items become profiles through the
storage adapter's own decoding (`profile_from_item`), and profiles become the trainer's input through
`Profile.interactions_as_of`, as the table scan does."""

import base64
import json
from collections.abc import Iterable, Iterator
from typing import Any

from mixtape.storage.dynamo.profiles import profile_from_item
from mixtape.storage.ports import Interaction

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


def interactions(lines: Iterable[str], now_ms: int, half_life_ms: float) -> Iterator[Interaction]:
    """Every (user_id, item_id, decayed weight > 0) of the exported profiles (tombstones yield none)."""
    for line in lines:
        item = item_from_line(line)
        if item is not None and "doc" in item:
            yield from profile_from_item(item).interactions_as_of(now_ms, half_life_ms)
