"""IngestFunction: POST /v1/events, PUT /v1/items, and the bulk ingest queue (SQS)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mixtape import clock
from mixtape.api.access import Caller, protected
from mixtape.api.dependencies import resolve
from mixtape.api.resolver import create_app, json_response
from mixtape.auth import Scope, authorize
from mixtape.config import IngestSettings, ingest_settings
from mixtape.ingestion import IngestResult, ingest_events, queue_message_events, upsert_items
from mixtape.models.api import IngestResponse, UpsertItemsResponse
from mixtape.models.catalog import ItemBatch
from mixtape.models.events import EventBatch, ListeningEvent
from mixtape.runtime import gc_tuning
from mixtape.runtime.observability import logger, metrics, tracer
from mixtape.storage.dynamo.catalog import DynamoCatalogStore
from mixtape.storage.dynamo.events import DynamoEventStore
from mixtape.storage.ports import CatalogStore, EventStore, ProfileUpdateQueue
from mixtape.storage.queues import SqsProfileUpdateQueue


@dataclass(frozen=True)
class Dependencies:
    settings: IngestSettings
    events: EventStore
    catalog: CatalogStore
    queue: ProfileUpdateQueue


@cache
def dependencies() -> Dependencies:
    settings = ingest_settings()
    return Dependencies(
        settings=settings,
        events=DynamoEventStore(settings.events_table),
        catalog=DynamoCatalogStore(settings.catalog_table, settings.write_concurrency),
        queue=SqsProfileUpdateQueue(settings.profile_update_queue_url),
    )


app = create_app()
processor = BatchProcessor(event_type=EventType.SQS)


def _ingest(events: Sequence[ListeningEvent], deps: Dependencies) -> IngestResult:
    result = ingest_events(events, deps.events, deps.queue, clock.now_ms())
    metrics.add_metric(name="EventsAccepted", unit=MetricUnit.Count, value=result.accepted)
    metrics.add_metric(name="EventsDuplicate", unit=MetricUnit.Count, value=result.duplicates)
    return result


@app.post(
    "/v1/events",
    operation_id="post_events",
    summary="Send a batch of 1..500 listening events",
    tags=["events"],
    **protected(Scope.EVENTS_WRITE, IngestResponse, 202, "Accepted: queued for the profile"),
)
@tracer.capture_method(capture_response=False)
def post_events(
    batch: EventBatch, deps: Annotated[Dependencies, Depends(dependencies)], caller: Caller
) -> Response[IngestResponse]:
    # Before anything is queued: one event of another listener refuses the whole batch.
    authorize(caller, Scope.EVENTS_WRITE, [e.user_id for e in batch.events])
    result = _ingest(batch.events, deps)
    return json_response(202, IngestResponse(accepted=result.accepted, duplicates=result.duplicates))


@app.put(
    "/v1/items",
    operation_id="put_items",
    summary="Upsert a batch of 1..500 catalog items",
    tags=["catalog"],
    **protected(Scope.CATALOG_WRITE, UpsertItemsResponse),
)
@tracer.capture_method(capture_response=False)
def put_items(
    batch: ItemBatch, deps: Annotated[Dependencies, Depends(dependencies)], caller: Caller
) -> UpsertItemsResponse:
    authorize(caller, Scope.CATALOG_WRITE)
    version = upsert_items(batch.items, deps.catalog, deps.settings, clock.now_ms())
    metrics.add_metric(name="ItemsUpserted", unit=MetricUnit.Count, value=len(batch.items))
    return UpsertItemsResponse(upserted=len(batch.items), catalog_version=version)


def _record_handler(record: SQSRecord) -> None:
    """Raise to fail this record alone: it is retried, and after maxReceiveCount lands in the DLQ."""
    try:
        events = queue_message_events(record.body)
    except ValueError:
        metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=1)
        logger.warning("rejected ingest-queue message", extra={"message_id": record.message_id})
        raise
    _ingest(events, resolve(app, dependencies))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
    if "Records" in event:
        return process_partial_response(
            event=event, record_handler=_record_handler, processor=processor, context=context
        )
    return app.resolve(event, context)


gc_tuning.end_of_init()  # last statement of init: what init built is frozen (mixtape.runtime.gc_tuning)
