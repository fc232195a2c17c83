"""CatalogSnapshotFunction: publishes the catalog table as one S3 object for recommend containers to load
with one GET (EventBridge schedule, every minute; republishes only on a new version or a stale snapshot).

Invoke with any event (`{}`); the result says whether a snapshot was published and why.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mixtape import clock
from mixtape.api.dependencies import DependencyOverrides, resolve
from mixtape.catalog.snapshot import refresh_snapshot
from mixtape.config import CatalogSnapshotSettings, catalog_snapshot_settings
from mixtape.runtime import gc_tuning
from mixtape.runtime.observability import logger, metrics, tracer
from mixtape.storage.dynamo.catalog import DynamoCatalogStore
from mixtape.storage.ports import CatalogReader
from mixtape.storage.s3.catalog import S3CatalogSnapshots


@dataclass(frozen=True)
class Dependencies:
    settings: CatalogSnapshotSettings
    table: CatalogReader
    snapshots: S3CatalogSnapshots


@cache
def dependencies() -> Dependencies:
    settings = catalog_snapshot_settings()
    return Dependencies(
        settings=settings,
        table=DynamoCatalogStore(settings.catalog_table),
        snapshots=S3CatalogSnapshots(settings.models_bucket),
    )


overrides = DependencyOverrides()  # no resolver here: this is where tests and tools override `dependencies`


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = resolve(overrides, dependencies)
    outcome = refresh_snapshot(
        deps.table, deps.snapshots, clock.now_ms(), deps.settings.catalog_snapshot_refresh_seconds * 1000
    )
    # Published or not, one data point a minute: an alarm on its absence catches a stopped schedule.
    metrics.add_metric(name="CatalogSnapshotPublished", unit=MetricUnit.Count, value=int(outcome.published))
    if outcome.published:
        logger.info(
            "catalog snapshot published", extra={"version": outcome.version, "reason": outcome.reason}
        )
        metrics.add_metric(name="CatalogSnapshotItems", unit=MetricUnit.Count, value=outcome.items)
    return {
        "published": outcome.published,
        "version": outcome.version,
        "items": outcome.items,
        "reason": outcome.reason,
    }


gc_tuning.end_of_init()  # last statement of init: freeze the init heap, register the SnapStart hooks
