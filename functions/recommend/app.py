"""RecommendFunction (read-only): recommendations, rerank, blend, similar items, profiles, health, API docs
and console."""

import json
import time
from functools import cache
from importlib import resources
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.request import Request
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mixtape import clock
from mixtape.api.access import Caller, protected
from mixtape.api.pages import asset_response, page_response, precompressed
from mixtape.api.resolver import create_app, with_embedding_dim
from mixtape.auth import Scope, authorize
from mixtape.catalog.cache import CatalogCache
from mixtape.config import recommend_settings
from mixtape.errors import FieldError, InvalidInputError
from mixtape.learning.aligned import AlignedModelCache
from mixtape.learning.cache import ModelCache
from mixtape.models.api import HealthResponse, ProfileResponse, RecommendationsResponse, SimilarItemsResponse
from mixtape.models.blend import MAX_BLEND_USERS, MIN_BLEND_USERS, BlendResponse
from mixtape.models.context import ContextName, LocalTime, RankingContext, Share
from mixtape.models.ids import ID_PATTERN, ItemId, UserId
from mixtape.models.rerank import RerankRequest, RerankResponse
from mixtape.models.trending import TrendingResponse, TrendWindowName
from mixtape.recommender import Recommender
from mixtape.runtime import gc_tuning
from mixtape.runtime.observability import logger, metrics, tracer
from mixtape.storage.dynamo.catalog import DynamoCatalogStore
from mixtape.storage.dynamo.profiles import DynamoProfileStore
from mixtape.storage.ports import CatalogReader
from mixtape.storage.s3.catalog import S3CatalogSnapshots, SnapshotCatalogReader
from mixtape.storage.s3.models import S3ModelStore

VARIANT_HEADER = "X-Mixtape-Variant"


@cache
def dependencies() -> Recommender:
    settings = recommend_settings()
    models = settings.models_bucket
    table = DynamoCatalogStore(settings.catalog_table)
    # With a models bucket the catalog comes from its snapshot there (one GET) while it is current.
    catalog: CatalogReader = (
        SnapshotCatalogReader(
            table, S3CatalogSnapshots(models), settings.catalog_snapshot_max_age_seconds * 1000, clock.now_ms
        )
        if models
        else table
    )
    model_cache = (
        ModelCache(
            S3ModelStore(models),
            settings.model_check_seconds,
            join_after_seconds=settings.refresh_join_seconds,
        )
        if models
        else None
    )
    # A new catalog index or a new model is aligned (and its IVF index built) by the background refresh
    # that found it, before requests see it.
    aligned = AlignedModelCache(model_cache, warm=settings.ranking_index)
    catalog_cache = CatalogCache(catalog, settings, clock.now_ms)
    catalog_cache.on_new_index(lambda index: aligned.prepare(index=index))
    if model_cache is not None:
        model_cache.on_new_model(lambda model: aligned.prepare(model=model))
    return Recommender(
        settings=settings,
        profiles=DynamoProfileStore(settings.profiles_table),
        catalog=catalog_cache,
        model=aligned,
    )


app = create_app()
# Every route gets the container's Recommender (tests and tools override it: mixtape.api.dependencies).
Served = Annotated[Recommender, Depends(dependencies)]


def _context_doc(name: str) -> str | None:
    return RankingContext.model_fields[name].description


def _json(body: str) -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body)


def _recommendations_doc() -> dict[str, Any]:
    """The route's documentation, with the header that names the listener's experiment variants."""
    doc = protected(Scope.RECOMMENDATIONS_READ, RecommendationsResponse)
    doc["responses"][200]["headers"] = {
        VARIANT_HEADER: {
            "description": "The listener's variant of each running experiment, `experiment=variant` pairs "
            "separated by commas (absent when no experiment runs)",
            "schema": {"type": "string"},
            "examples": {"one": {"value": "ranker=bold"}},
        }
    }
    return doc


@app.get(
    "/v1/users/<user_id>/recommendations",
    operation_id="get_recommendations",
    summary="Ranked, filtered, explained items",
    tags=["users"],
    **_recommendations_doc(),
)
@tracer.capture_method(capture_response=False)
def get_recommendations(
    user_id: Annotated[UserId, Path()],
    recommender: Served,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    exclude_explicit: Annotated[bool, Query()] = False,
    genre: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    surface: Annotated[ContextName | None, Query(description=_context_doc("surface"))] = None,
    device: Annotated[ContextName | None, Query(description=_context_doc("device"))] = None,
    local_time: Annotated[LocalTime | None, Query(description=_context_doc("local_time"))] = None,
    explore: Annotated[Share | None, Query(description=_context_doc("explore"))] = None,
) -> Response[str]:
    # Replies with items are serialised by mixtape.api.replies; `responses=` above documents the model.
    authorize(caller, Scope.RECOMMENDATIONS_READ, [user_id])
    started = time.perf_counter()
    context = RankingContext(surface=surface, device=device, local_time=local_time, explore=explore)
    reply = recommender.recommendations(
        user_id, limit=limit, exclude_explicit=exclude_explicit, genre=genre, context=context
    )
    if reply.cold_start:
        metrics.add_metric(name="ColdStartListServed", unit=MetricUnit.Count, value=1)
    metrics.add_metric(
        name="RecommendationLatency",
        unit=MetricUnit.Milliseconds,
        value=(time.perf_counter() - started) * 1000,
    )
    if reply.variant is None:
        return _json(reply.body)
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=reply.body,
        headers={VARIANT_HEADER: reply.variant},
    )


@app.post(
    "/v1/users/<user_id>/rerank",
    operation_id="post_rerank",
    summary="Rank the caller's candidate items (up to 500) for the listener",
    tags=["users"],
    **protected(Scope.RECOMMENDATIONS_READ, RerankResponse),
)
@tracer.capture_method(capture_response=False)
def post_rerank(
    user_id: Annotated[UserId, Path()], ask: RerankRequest, recommender: Served, caller: Caller
) -> RerankResponse:
    authorize(caller, Scope.RECOMMENDATIONS_READ, [user_id])
    return recommender.rerank(user_id, ask)


# 2..10 listener ids, comma-separated.
_ID = ID_PATTERN.removeprefix("^").removesuffix("$")
BLEND_USERS = rf"^{_ID}(,{_ID}){{{MIN_BLEND_USERS - 1},{MAX_BLEND_USERS - 1}}}$"


@app.get(
    "/v1/blend",
    operation_id="get_blend",
    summary="One list for a group of 2..10 listeners",
    tags=["users"],
    **protected(Scope.RECOMMENDATIONS_READ, BlendResponse),
)
@tracer.capture_method(capture_response=False)
def get_blend(
    users: Annotated[
        str,
        Query(
            pattern=BLEND_USERS, description="2..10 distinct listener ids, comma-separated", examples=["a,b"]
        ),
    ],
    recommender: Served,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> BlendResponse:
    user_ids = users.split(",")
    # Every listener must be the caller's: with distinct ids, only a service token can blend.
    authorize(caller, Scope.RECOMMENDATIONS_READ, user_ids)
    if len(set(user_ids)) != len(user_ids):
        raise InvalidInputError([FieldError("users", "a listener is listed twice", type="value_error")])
    return recommender.blend(user_ids, limit=limit)


@app.get(
    "/v1/users/<user_id>/profile",
    operation_id="get_profile",
    summary="The listener's taste profile",
    tags=["users"],
    **protected(Scope.PROFILES_READ, ProfileResponse),
)
@tracer.capture_method(capture_response=False)
def get_profile(user_id: Annotated[UserId, Path()], recommender: Served, caller: Caller) -> ProfileResponse:
    authorize(caller, Scope.PROFILES_READ, [user_id])
    return recommender.profile(user_id)


@app.get(
    "/v1/items/<item_id>/similar",
    operation_id="get_similar",
    summary="Items similar to one item",
    tags=["catalog"],
    **protected(Scope.RECOMMENDATIONS_READ, SimilarItemsResponse),
)
@tracer.capture_method(capture_response=False)
def get_similar(
    item_id: Annotated[ItemId, Path()],
    recommender: Served,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response[str]:
    authorize(caller, Scope.RECOMMENDATIONS_READ)  # no listener's data: any holder of the scope
    return _json(recommender.similar_items(item_id, limit=limit))


@app.get(
    "/v1/trending",
    operation_id="get_trending",
    summary="What is trending: distinct listeners per window, rising vs merely popular",
    tags=["catalog"],
    **protected(Scope.RECOMMENDATIONS_READ, TrendingResponse),
)
@tracer.capture_method(capture_response=False)
def get_trending(
    recommender: Served,
    caller: Caller,
    window: Annotated[TrendWindowName, Query()] = "24h",
    genre: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> TrendingResponse:
    authorize(caller, Scope.RECOMMENDATIONS_READ)  # no listener's data: any holder of the scope
    return recommender.trending(window, limit=limit, genre=genre)


@app.get(
    "/v1/health",
    operation_id="get_health",
    summary="Liveness and this container's catalog state",
    tags=["ops"],
    security=[],
)
def get_health(recommender: Served) -> HealthResponse:
    return recommender.health()


@cache
def _openapi_json() -> str:
    """The generated document, stating this deployment's EMBEDDING_DIM as the embedding length."""
    document = json.loads(resources.files("mixtape.api").joinpath("openapi.json").read_text())
    return json.dumps(with_embedding_dim(document, recommend_settings().embedding_dim))


@app.get(
    "/v1/openapi.json", summary="The OpenAPI document of the whole API", tags=["ops"], include_in_schema=False
)
def get_openapi() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=_openapi_json())


# ---------- static pages: Swagger UI and the operator console (public; files of the layer, no CDN) ----------
# An asset's URL carries `v`, its digest (mixtape.web.static), so the browser may keep it for good.
AssetVersion = Annotated[str | None, Query(max_length=16)]


@app.get("/v1/docs", summary="Swagger UI", tags=["ops"], include_in_schema=False)
def get_docs() -> Response[str]:
    return page_response("docs", "index.html")


@app.get(
    "/v1/docs/<asset>",
    summary="Swagger UI's files",
    tags=["ops"],
    include_in_schema=False,
    middlewares=[precompressed("docs")],
)
def get_docs_asset(asset: str, request: Request, v: AssetVersion = None) -> Response[str]:
    return asset_response("docs", asset, v, request.headers)


@app.get("/console", summary="The operator console", tags=["ops"], include_in_schema=False)
def get_console() -> Response[str]:
    return page_response("console", "index.html")


@app.get(
    "/console/<asset>",
    summary="The console's files",
    tags=["ops"],
    include_in_schema=False,
    middlewares=[precompressed("console")],
)
def get_console_asset(asset: str, request: Request, v: AssetVersion = None) -> Response[str]:
    return asset_response("console", asset, v, request.headers)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


gc_tuning.end_of_init()  # last statement of init: freeze the init heap, register the SnapStart hooks
