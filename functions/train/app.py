"""TrainFunction: learns the model from the applied-events log and publishes it (EventBridge schedule or
on demand).

Invoke with any event (`{}`); the result summarises the published artifact or why training was skipped.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mixtape import clock
from mixtape.api.dependencies import DependencyOverrides, resolve
from mixtape.config import TrainSettings, train_settings
from mixtape.learning.pipeline import train_and_publish
from mixtape.runtime import gc_tuning
from mixtape.runtime.observability import logger, metrics, tracer
from mixtape.storage.dynamo.events import DynamoEventStore
from mixtape.storage.ports import InteractionSource, ModelStore
from mixtape.storage.s3.models import S3ModelStore


@dataclass(frozen=True)
class Dependencies:
    settings: TrainSettings
    source: InteractionSource
    models: ModelStore


@cache
def dependencies() -> Dependencies:
    settings = train_settings()
    return Dependencies(
        settings=settings,
        source=DynamoEventStore(settings.events_table, scan_segments=settings.scan_segments),
        models=S3ModelStore(settings.models_bucket),
    )


overrides = DependencyOverrides()  # no resolver here: this is where tests and tools override `dependencies`


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = resolve(overrides, dependencies)
    settings = deps.settings
    outcome = train_and_publish(
        deps.source,
        deps.models,
        settings.training,
        clock.now_ms(),
        settings,
        settings.min_interactions,
    )
    if outcome.artifact is None:
        logger.info("training skipped", extra={"reason": outcome.reason})
        return {"published": False, "reason": outcome.reason}
    metrics.add_metric(name="ModelPublished", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ModelInteractions", unit=MetricUnit.Count, value=outcome.artifact.interactions)
    return {"published": True, **outcome.artifact.summary()}


gc_tuning.end_of_init()  # last statement of init: freeze the init heap, register the SnapStart hooks
