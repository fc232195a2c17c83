"""The Spark trainer on the served path (`make eval`): after the numpy trainer's model was measured, the
same stack's applied-events log is exported in DynamoDB's format, the Spark job (local[2]) trains on them, its
artifact is published to the same model store, and the same requests are served from it.
"""

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evaluation.served import ServedStack
from local.export import write_export
from mixtape import clock
from mixtape.config import TrainSettings
from mixtape.storage.dynamo.events import event_to_item

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/mixtape-eval-EventsTable"


def train_with_spark(
    stack: ServedStack, spark: "SparkSession", reg_param: float | None = None
) -> dict[str, Any]:
    """Export the stack's events log, train with Spark, publish to the stack's model store; the summary."""
    from spark.erasure import LogKeys  # noqa: PLC0415  # pyspark only when asked for
    from spark.job import SparkOptions, train_from_export  # noqa: PLC0415

    settings = TrainSettings(events_table="-", models_bucket="-")  # the trainer function's defaults
    options = SparkOptions(blocks=2) if reg_param is None else SparkOptions(blocks=2, reg_param=reg_param)
    logged = list(stack.events.logged_events())
    items = [event_to_item(entry.event, entry.expires_at_s) for entry in logged]
    live = LogKeys(frozenset((entry.event.user_id, entry.event.event_id) for entry in logged))
    with tempfile.TemporaryDirectory() as out:
        export = write_export(items, Path(out), TABLE_ARN)
        started = time.perf_counter()
        timings: dict[str, float] = {}
        artifact = train_from_export(
            spark,
            str(export),
            settings.training,
            now_ms=clock.now_ms(),
            fold=settings,
            min_interactions=settings.min_interactions,
            options=options,
            timings=timings,
            live=live,
        )
        seconds = time.perf_counter() - started
    if artifact is None:
        raise RuntimeError("the Spark job found too few interactions")
    stack.publish(artifact)
    return {**artifact.summary(), "seconds": seconds, "phases": timings}
