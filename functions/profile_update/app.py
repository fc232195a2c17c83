"""ProfileUpdateFunction: folds the profile-update queue into taste profiles; DELETE /v1/users/{user_id}."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter, ValidationError

from mixtape import clock
from mixtape.api.resolver import create_app, ok_doc
from mixtape.config import ProfileSettings, profile_settings
from mixtape.errors import StorageUnavailableError
from mixtape.learning.cache import ModelCache
from mixtape.models.api import ErasureResponse
from mixtape.models.events import ErasureFollowUp, ProfileUpdateMessage
from mixtape.models.ids import UserId
from mixtape.profiles.batch import process_messages
from mixtape.profiles.erasure import erase_user, finish_erasure
from mixtape.runtime import gc_tuning
from mixtape.runtime.observability import logger, metrics, tracer
from mixtape.storage.dynamo.catalog import DynamoCatalogStore
from mixtape.storage.dynamo.events import DynamoEventStore
from mixtape.storage.dynamo.profiles import DynamoProfileStore
from mixtape.storage.ports import CatalogStore, EventStore, ProfileStore, ProfileUpdateQueue
from mixtape.storage.queues import SqsProfileUpdateQueue
from mixtape.storage.s3.models import S3ModelStore


@dataclass(frozen=True)
class Dependencies:
    settings: ProfileSettings
    events: EventStore
    profiles: ProfileStore
    catalog: CatalogStore
    models: ModelCache | None
    follow_up: ProfileUpdateQueue  # this function's own queue: delayed erasure follow-ups


@cache
def dependencies() -> Dependencies:
    settings = profile_settings()
    bucket = settings.models_bucket
    return Dependencies(
        settings=settings,
        events=DynamoEventStore(settings.events_table),
        profiles=DynamoProfileStore(settings.profiles_table),
        catalog=DynamoCatalogStore(settings.catalog_table),
        models=ModelCache(
            S3ModelStore(bucket),
            settings.model_check_seconds,
            join_after_seconds=settings.refresh_join_seconds,
        )
        if bucket
        else None,
        follow_up=SqsProfileUpdateQueue(settings.profile_update_queue_url),
    )


app = create_app()
processor = BatchProcessor(event_type=EventType.SQS)
_queue_body = TypeAdapter[ProfileUpdateMessage | ErasureFollowUp](ProfileUpdateMessage | ErasureFollowUp)


@app.delete(
    "/v1/users/<user_id>",
    summary="Erase a listener's events and profile",
    tags=["users"],
    responses=ok_doc(ErasureResponse),
)
@tracer.capture_method(capture_response=False)
def delete_user(user_id: Annotated[UserId, Path()]) -> ErasureResponse:
    deps = dependencies()
    result = erase_user(user_id, deps.events, deps.profiles, deps.follow_up, deps.settings, clock.now_ms())
    metrics.add_metric(name="UsersErased", unit=MetricUnit.Count, value=1)
    return ErasureResponse(
        user_id=result.user_id, deleted_events=result.deleted_events, profile_deleted=result.profile_deleted
    )


def _handle_queue_batch(event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
    """Parse every record, fold the whole batch grouped by listener (one commit per listener), run any
    erasure follow-ups, then let Powertools build the partial-batch response from which records failed."""
    updates: list[tuple[str, ProfileUpdateMessage]] = []
    follow_ups: list[tuple[str, ErasureFollowUp]] = []
    poison: set[str] = set()
    for record in event["Records"]:
        try:
            body = _queue_body.validate_json(record["body"])
        except ValidationError:
            poison.add(record["messageId"])
            continue
        if isinstance(body, ProfileUpdateMessage):
            updates.append((record["messageId"], body))
        else:
            follow_ups.append((record["messageId"], body))
    deps = dependencies()
    model = deps.models.get() if deps.models is not None else None
    outcome = process_messages(
        updates, deps.profiles, deps.events, deps.catalog, deps.settings, clock.now_ms(), model
    )
    failed = poison | outcome.failed_message_ids
    for message_id, follow_up in follow_ups:
        try:
            purged = finish_erasure(follow_up, deps.events)
        except StorageUnavailableError:
            failed.add(message_id)  # retried; after maxReceiveCount it waits in the DLQ
        else:
            metrics.add_metric(name="ErasureFollowUpPurged", unit=MetricUnit.Count, value=purged)
    metrics.add_metric(name="ProfileUpdates", unit=MetricUnit.Count, value=outcome.profile_writes)
    metrics.add_metric(name="EventsApplied", unit=MetricUnit.Count, value=outcome.applied)
    metrics.add_metric(name="DuplicateDeliveries", unit=MetricUnit.Count, value=outcome.already_applied)
    if outcome.erased:
        metrics.add_metric(name="EventsDroppedAfterErasure", unit=MetricUnit.Count, value=outcome.erased)
    if poison:
        logger.warning("poison profile-update messages", extra={"message_ids": sorted(poison)})

    def record_outcome(record: SQSRecord) -> None:
        if record.message_id in failed:
            raise RuntimeError(f"message {record.message_id} not applied")

    return process_partial_response(
        event=event, record_handler=record_outcome, processor=processor, context=context
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
    if "Records" in event:
        return _handle_queue_batch(event, context)
    return app.resolve(event, context)


gc_tuning.end_of_init()  # last statement of init: see the top of the module
