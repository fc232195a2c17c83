"""A DynamoDB table export written the way `ExportTableToPointInTime` writes one (format DYNAMODB_JSON),
for the local stack, whose moto server does not export (`make train-spark` exports its applied-events log
with it): the same layout, from a Scan (a local tool only; deployed, the Spark job reads DynamoDB's own
export and nothing scans the live table).

    <out>/AWSDynamoDB/<export id>/manifest-summary.json   the export's summary (JSON)
    <out>/AWSDynamoDB/<export id>/manifest-files.json     one JSON line per data file
    <out>/AWSDynamoDB/<export id>/data/<name>.json.gz     one {"Item": {...}} line per item, gzipped

Attribute values are DynamoDB JSON as the low-level API writes them, binary values base64-encoded.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import secrets
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ITEMS_PER_FILE = 10_000  # DynamoDB splits an export into several gzipped files; several here too
MANIFEST_VERSION = "2020-06-30"


def attribute_json(value: dict[str, Any]) -> dict[str, Any]:
    """One attribute value of a botocore item as DynamoDB JSON: binary as base64 text, nested types
    recursively, the rest (S, N, BOOL, NULL, SS, NS) as they are."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in inner]}
    if kind == "M":
        return {"M": {k: attribute_json(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [attribute_json(v) for v in inner]}
    return {kind: inner}


def scan_items(client: Any, table: str) -> Iterator[dict[str, Any]]:
    """Every item of the table (a paginated Scan: the local tool's stand-in for the export's own read)."""
    for page in client.get_paginator("scan").paginate(TableName=table):
        yield from page.get("Items", [])


def write_export(
    items: Iterable[dict[str, Any]],
    out: Path,
    table_arn: str,
    *,
    bucket: str = "local",
    prefix: str = "exports",
    export_time_ms: int | None = None,
) -> Path:
    """Write `items` (botocore items) as one export under `out`; returns the export's directory."""
    export_id = f"{int(time.time() * 1000):014d}-{secrets.token_hex(4)}"
    root = Path("AWSDynamoDB") / export_id
    directory = out / root
    (directory / "data").mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    files: list[dict[str, Any]] = []
    batch: list[str] = []
    written: list[str] = []  # every line, for the summary's billed size (uncompressed, as DynamoDB bills)
    total = 0

    def flush() -> None:
        body = gzip.compress("".join(batch).encode())
        name = root / "data" / f"{secrets.token_hex(13)}.json.gz"
        (out / name).write_bytes(body)
        digest = hashlib.md5(
            body, usedforsecurity=False
        )  # S3's checksum of the object, as the manifest has it
        files.append(
            {
                "itemCount": len(batch),
                "md5Checksum": base64.b64encode(digest.digest()).decode(),
                "etag": digest.hexdigest(),
                "dataFileS3Key": f"{prefix}/{name.as_posix()}",
            }
        )
        batch.clear()

    for item in items:
        batch.append(json.dumps({"Item": {k: attribute_json(v) for k, v in item.items()}}) + "\n")
        written.append(batch[-1])
        total += 1
        if len(batch) >= ITEMS_PER_FILE:
            flush()
    if batch or not files:
        flush()
    (directory / "manifest-files.json").write_text("".join(json.dumps(f) + "\n" for f in files))
    exported_at = export_time_ms if export_time_ms is not None else int(time.time() * 1000)
    summary = {
        "version": MANIFEST_VERSION,
        "exportArn": f"{table_arn}/export/{export_id}",
        "startTime": started,
        "endTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "tableArn": table_arn,
        "exportTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(exported_at / 1000)),
        "s3Bucket": bucket,
        "s3Prefix": prefix,
        "s3SseAlgorithm": "AES256",
        "s3SseKmsKeyId": None,
        "manifestFilesS3Key": f"{prefix}/{(root / 'manifest-files.json').as_posix()}",
        "billedSizeBytes": sum(
            (out / f["dataFileS3Key"].removeprefix(f"{prefix}/")).stat().st_size for f in files
        ),
        "itemCount": total,
        "outputFormat": "DYNAMODB_JSON",
    }
    (directory / "manifest-summary.json").write_text(json.dumps(summary))
    return directory
