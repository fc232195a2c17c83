"""ProfileUpdateFunction: folds the profile-update queue into taste profiles; the listener's rights over
the data held about them: GET /v1/users/{user_id}/export (access) and DELETE /v1/users/{user_id} (erasure).
PUT /v1/users/{user_id}/preferences (the listener's seeds and mutes). The queue path is internal (IAM):
no token."""

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from mixtape import clock
from mixtape.api.access import Caller, protected
from mixtape.api.dependencies import resolve
from mixtape.api.resolver import create_app
from mixtape.auth import Scope, authorize
from mixtape.config import ProfileSettings, profile_settings
from mixtape.learning.cache import ModelCache
from mixtape.models.api import ErasureResponse, ExportResponse
from mixtape.models.ids import EventId, UserId
from mixtape.models.preferences import Preferences, PreferencesResponse
from mixtape.profiles.attribution import Attributions, metric_name
from mixtape.profiles.erasure import erase_user
from mixtape.profiles.export import DEFAULT_EVENTS_PER_PAGE, MAX_EVENTS_PER_PAGE, export_user
from mixtape.profiles.preferences import save_preferences
from mixtape.profiles.queue import apply_queue_batch
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
        catalog=DynamoCatalogStore(
            settings.catalog_table,
            counter_shards=settings.counter_shards,
            feature_cache_items=settings.feature_cache_items,
        ),
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


@app.delete(
    "/v1/users/<user_id>",
    operation_id="delete_user",
    summary="Erase a listener's events and profile",
    tags=["users"],
    **protected(Scope.USERS_ERASE, ErasureResponse),
)
@tracer.capture_method(capture_response=False)
def delete_user(
    user_id: Annotated[UserId, Path()], deps: Annotated[Dependencies, Depends(dependencies)], caller: Caller
) -> ErasureResponse:
    authorize(caller, Scope.USERS_ERASE, [user_id])
    result = erase_user(user_id, deps.events, deps.profiles, deps.follow_up, deps.settings, clock.now_ms())
    metrics.add_metric(name="UsersErased", unit=MetricUnit.Count, value=1)
    return ErasureResponse(
        user_id=result.user_id, deleted_events=result.deleted_events, profile_deleted=result.profile_deleted
    )


@app.get(
    "/v1/users/<user_id>/export",
    operation_id="export_user_data",
    summary="Export every datum held about a listener: profile, events log, erasure state",
    tags=["users"],
    **protected(Scope.USERS_EXPORT, ExportResponse),
)
@tracer.capture_method(capture_response=False)
def export_user_data(
    user_id: Annotated[UserId, Path()],
    deps: Annotated[Dependencies, Depends(dependencies)],
    caller: Caller,
    after: Annotated[EventId | None, Query(description="`next_after` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS_PER_PAGE)] = DEFAULT_EVENTS_PER_PAGE,
) -> ExportResponse:
    authorize(caller, Scope.USERS_EXPORT, [user_id])
    return export_user(user_id, deps.events, deps.profiles, clock.now_ms(), after=after, limit=limit)


@app.put(
    "/v1/users/<user_id>/preferences",
    operation_id="put_preferences",
    summary="Set the listener's onboarding seeds and muted artists and genres (replaces them all)",
    tags=["users"],
    **protected(Scope.PREFERENCES_WRITE, PreferencesResponse),
)
@tracer.capture_method(capture_response=False)
def put_preferences(
    user_id: Annotated[UserId, Path()],
    preferences: Preferences,
    deps: Annotated[Dependencies, Depends(dependencies)],
    caller: Caller,
) -> PreferencesResponse:
    authorize(caller, Scope.PREFERENCES_WRITE, [user_id])
    return save_preferences(user_id, preferences, deps.profiles, clock.now_ms())


def _attributed_metrics(attributed: Attributions) -> None:
    """One EMF line per (experiment, variant, event type): its own dimensions, so not the shared `metrics`."""
    for (experiment, variant, event_type), count in sorted(attributed.items()):
        with single_metric(
            name=metric_name(event_type),
            unit=MetricUnit.Count,
            value=count,
            default_dimensions=metrics.default_dimensions,
        ) as metric:
            metric.add_dimension(name="experiment", value=experiment)
            metric.add_dimension(name="variant", value=variant)


def _handle_queue_batch(records: list[dict[str, Any]]) -> dict[str, Any]:
    deps = resolve(app, dependencies)
    outcome = apply_queue_batch(
        records, deps.profiles, deps.events, deps.catalog, deps.settings, clock.now_ms(), deps.models
    )
    updates = outcome.updates
    metrics.add_metric(name="ProfileUpdates", unit=MetricUnit.Count, value=updates.profile_writes)
    metrics.add_metric(name="EventsApplied", unit=MetricUnit.Count, value=updates.applied)
    metrics.add_metric(name="DuplicateDeliveries", unit=MetricUnit.Count, value=updates.already_applied)
    if updates.erased:
        metrics.add_metric(name="EventsDroppedAfterErasure", unit=MetricUnit.Count, value=updates.erased)
    if outcome.follow_ups:
        metrics.add_metric(name="ErasureFollowUpPurged", unit=MetricUnit.Count, value=outcome.purged)
    _attributed_metrics(updates.attributed)
    # The response ReportBatchItemFailures documents: only these records return to the queue.
    return {"batchItemFailures": [{"itemIdentifier": i} for i in outcome.failed_message_ids]}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:
        return _handle_queue_batch(event["Records"])
    return app.resolve(event, context)


gc_tuning.end_of_init()  # last statement of init: what init built is frozen (mixtape.runtime.gc_tuning)
