"""`make train-spark`: the Spark training job (spark.job) with `local[2]` against the running local stack.

Writes an export of the stack's applied-events log (its events table) in DynamoDB's export format
(local.export: moto does not export), runs the job on it and publishes the artifact to the stack's S3,
where the recommend and profile-update functions pick it up at their next pointer check, as they do any
model.

python -m local.train_spark --aws-port 5000
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import boto3

from local.export import scan_items, write_export
from local.queues import require_drained
from local.stack import aws_endpoint, prepare, setup_logging
from local.template import DEFAULT_TEMPLATE, load_template

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = ROOT / ".local" / "exports"
LOCAL_MASTER = "local[2]"
LOCAL_PARTITIONS = 2  # shuffle partitions and ALS blocks: a small job on two cores


def local_spark() -> SparkSession:
    """A `local[2]` session whose Python workers run this interpreter with the layer and the job importable
    (they are started with the driver's environment, so it is set before the session)."""
    os.environ["PYSPARK_PYTHON"] = sys.executable
    paths = [str(ROOT / "layers" / "common"), str(ROOT)]
    existing = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([*paths, *([existing] if existing else [])])
    from spark.job import session  # pyspark loads only when a Spark job runs

    return session(LOCAL_MASTER, LOCAL_PARTITIONS)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.train_spark", description=__doc__.splitlines()[0])
    parser.add_argument("--aws-port", type=int, default=5000, help="port of the running stack's moto server")
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--exports", type=Path, default=EXPORTS, help="where the export is written")
    parser.add_argument(
        "--after-drain",
        type=float,
        default=None,
        metavar="S",
        help="first wait up to S seconds for the stack's queues to drain, and refuse if they do not",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    setup_logging()
    try:  # fail fast instead of waiting out botocore's connection retries
        socket.create_connection(("127.0.0.1", args.aws_port), timeout=1).close()
    except OSError as exc:
        raise SystemExit(
            f"no local stack at {aws_endpoint(args.aws_port)}: start it with `make run` first"
        ) from exc
    template = load_template(args.template)
    prepare(template, args.aws_port, create=False)
    if args.after_drain is not None:
        require_drained(args.aws_port, template, args.after_drain, "the Spark trainer")
    from mixtape.config import train_settings  # the layer is on sys.path from here on
    from mixtape.storage.dynamo.events import DynamoEventStore
    from mixtape.storage.s3.models import S3ModelStore
    from spark.job import SparkOptions, train_from_export

    settings = train_settings()
    started = time.perf_counter()
    dynamodb = boto3.client("dynamodb")
    table_arn = dynamodb.describe_table(TableName=settings.events_table)["Table"]["TableArn"]
    export = write_export(scan_items(dynamodb, settings.events_table), args.exports, table_arn)
    exported = time.perf_counter() - started
    spark = local_spark()
    try:
        artifact = train_from_export(
            spark,
            str(export),
            settings.training,
            now_ms=int(time.time() * 1000),
            fold=settings,
            min_interactions=settings.min_interactions,
            options=SparkOptions(blocks=LOCAL_PARTITIONS),
            live=DynamoEventStore(settings.events_table),  # listeners erased since the export
        )
    finally:
        spark.stop()
    if artifact is None:
        raise SystemExit(f"training skipped: fewer than {settings.min_interactions} interactions in {export}")
    key = S3ModelStore(settings.models_bucket).publish(artifact)
    print(  # the tool's report
        f"export {export} in {exported:.1f}s; published s3://{settings.models_bucket}/{key} "
        f"in {time.perf_counter() - started:.1f}s: {artifact.summary()}"
    )


if __name__ == "__main__":
    main()
