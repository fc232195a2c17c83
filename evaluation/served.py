"""The served path, in process: the real Lambda handlers (ingest, profile update, train, recommend),
invoked with API Gateway and SQS events exactly as the local stack invokes them, over the in-memory
stores (same semantics as DynamoDB/SQS/S3; `mixtape.storage.memory`) so a full replay takes seconds.

What this measures is what a client gets back from GET /v1/users/{id}/recommendations after its
history went through POST /v1/events, the profile-update queue and a trainer run.
"""

import contextlib
import hashlib
import io
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from types import ModuleType
from typing import Any

from local.http_adapter import http_api_event
from local.jwt_issuer import SERVICE_SCOPES, SERVICE_SUBJECT
from local.pollers import sqs_record
from local.stack import LocalFunction, function_module, load_function, mount_layers
from local.template import Template, load_template, match_route
from mixtape import clock
from mixtape.api.dependencies import Overridable, resolve
from mixtape.catalog.cache import CatalogCache
from mixtape.config import (
    DEFAULT_ACTIVITY_LEVELS,
    ActivityLevel,
    Experiment,
    IngestSettings,
    ProfileSettings,
    RankingIndex,
    RankingWeights,
    RecommendSettings,
    TrainSettings,
)
from mixtape.learning.aligned import AlignedModelCache
from mixtape.learning.cache import ModelCache
from mixtape.models.artifact import ModelArtifact
from mixtape.models.training_params import TrainingParams
from mixtape.storage import memory

PROFILE_BATCH = 100  # the template's SQS BatchSize for ProfileUpdateFunction
QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:mixtape-eval-ProfileUpdateQueue"
# The handlers are called directly, as API Gateway calls them once its JWT authorizer let a service token
# (every scope, any listener) through.
SERVICE_AUTHORIZER = {
    "jwt": {
        "claims": {"sub": SERVICE_SUBJECT, "scope": " ".join(SERVICE_SCOPES)},
        "scopes": list(SERVICE_SCOPES),
    }
}


class _Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


_SINK = _Discard()
FUNCTIONS = ("IngestFunction", "ProfileUpdateFunction", "TrainFunction", "RecommendFunction")


class ServedError(RuntimeError):
    """A handler answered something the replay did not expect (a 4xx/5xx, failed batch items)."""


def _overrides(module: ModuleType) -> Overridable:
    """Where a handler looks up its dependencies' overrides: its HTTP resolver, or (without one) its
    `overrides` (mixtape.api.dependencies)."""
    owner: Overridable = module.app if hasattr(module, "app") else module.overrides
    return owner


def _wire(module: ModuleType, deps: Callable[[], Any]) -> None:
    """The handler gets `deps()` (in-memory stores) in place of its `dependencies()` (AWS clients), for
    as long as this stack's copy of the module lives."""
    _overrides(module).dependency_overrides[module.dependencies] = deps


class ServedStack:
    """One fresh Mixtape (empty stores) with its four handlers wired to in-memory storage."""

    def __init__(
        self,
        ranking: RankingWeights | None = None,
        training: TrainingParams | None = None,
        template: Template | None = None,
        experiments: Sequence[Experiment] = (),
    ) -> None:
        self.template = template or load_template()
        mount_layers(self.template)
        self.functions: dict[str, LocalFunction] = {
            lid: load_function(self.template.functions[lid]) for lid in FUNCTIONS
        }
        self.events = memory.MemoryEventStore()
        self.profiles = memory.MemoryProfileStore()
        self.catalog = memory.MemoryCatalogStore()
        self.queue = memory.MemoryQueue()
        self.models = memory.MemoryModelStore()
        self.stdout: io.TextIOBase | io.StringIO = _SINK

        ingest = function_module("IngestFunction")
        ingest_deps = ingest.Dependencies(
            settings=IngestSettings(catalog_table="-", events_table="-", profile_update_queue_url="-"),
            events=self.events,
            catalog=self.catalog,
            queue=self.queue,
        )
        _wire(ingest, lambda: ingest_deps)

        profile = function_module("ProfileUpdateFunction")
        profile_deps = profile.Dependencies(
            settings=ProfileSettings(
                events_table="-", profiles_table="-", catalog_table="-", profile_update_queue_url="-"
            ),
            events=self.events,
            profiles=self.profiles,
            catalog=self.catalog,
            models=ModelCache(self.models, check_seconds=0),
            follow_up=self.queue,
        )
        _wire(profile, lambda: profile_deps)

        train = function_module("TrainFunction")
        train_deps = train.Dependencies(
            settings=TrainSettings(
                events_table="-", models_bucket="-", training=training or TrainingParams()
            ),
            source=self.events,  # the applied-events log, as TrainFunction reads its table
            models=self.models,
        )
        _wire(train, lambda: train_deps)

        recommend = function_module("RecommendFunction")
        settings = RecommendSettings(
            profiles_table="-",
            catalog_table="-",
            ranking=ranking or RankingWeights(),
            catalog_check_seconds=0,
            experiments=tuple(experiments),
        )
        # Probed in the background once loaded: `train()` refreshes it so the next request has the new model.
        self._served_models = ModelCache(self.models, check_seconds=0)
        self._recommend_deps = recommend.Recommender(
            settings=settings,
            profiles=self.profiles,
            catalog=CatalogCache(self.catalog, settings, clock.now_ms),
            model=AlignedModelCache(self._served_models),
        )
        _wire(recommend, lambda: self._recommend_deps)  # replaced by use_ranking

    def use_training(self, training: TrainingParams) -> None:
        """Train with other hyper-parameters on the next `train()` (same stores): for tuning."""
        module = function_module("TrainFunction")
        deps = resolve(_overrides(module), module.dependencies)
        tuned = replace(deps, settings=deps.settings.model_copy(update={"training": training}))
        _wire(module, lambda: tuned)

    def use_ranking(
        self,
        ranking: RankingWeights,
        index: RankingIndex | None = None,
        activity: tuple[ActivityLevel, ...] | None = None,
    ) -> None:
        """Serve with other ranking weights, index and activity levels (same stores, catalog and model):
        for ablations and the approximate index's quality (`index`: RANKING_INDEX__*, default the exact
        scan; `activity`: RANKING_ACTIVITY, default the deployment's levels, `()` none)."""
        deps = self._recommend_deps
        settings = RecommendSettings.model_validate(
            {
                **dict(deps.settings),
                "ranking": ranking,
                "ranking_index": index or RankingIndex(),
                "ranking_activity": DEFAULT_ACTIVITY_LEVELS if activity is None else activity,
            }
        )  # validated: the levels' weights are checked against `ranking`, as at a cold start
        self._recommend_deps = replace(deps, settings=settings)

    def _invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Invoke a handler; its stdout (EMF metrics lines, in Lambda CloudWatch's) goes to `self.stdout`
        (dropped unless a caller set it to read the metrics)."""
        with contextlib.redirect_stdout(self.stdout):
            return self.functions[logical_id].invoke(event)

    # ---------- HTTP ----------

    def http(self, method: str, path: str, body: Any = None, query: str = "") -> Any:
        match = match_route(self.template.routes, method, path)
        if match is None:
            raise ServedError(f"no route for {method} {path}")
        event = http_api_event(
            match,
            method=method,
            raw_path=path,
            raw_query=query,
            headers=[("content-type", "application/json")],
            body=json.dumps(body).encode() if body is not None else b"",
            authorizer=SERVICE_AUTHORIZER,
        )
        result = self._invoke(match.route.function_id, event)
        if not 200 <= result["statusCode"] < 300:
            raise ServedError(f"{method} {path} -> {result['statusCode']}: {result.get('body', '')[:500]}")
        return json.loads(result["body"])

    def put_items(self, items: Sequence[dict[str, Any]], batch: int = 500) -> int:
        for start in range(0, len(items), batch):
            self.http("PUT", "/v1/items", {"items": list(items[start : start + batch])})
        return len(items)

    def post_events(self, batches: Iterable[Sequence[dict[str, Any]]]) -> tuple[int, int]:
        accepted = duplicates = 0
        for events in batches:
            answer = self.http("POST", "/v1/events", {"events": list(events)})
            accepted += answer["accepted"]
            duplicates += answer["duplicates"]
        return accepted, duplicates

    def recommend(self, user_id: str, limit: int = 20, query: str = "") -> dict[str, Any]:
        response: dict[str, Any] = self.http(
            "GET", f"/v1/users/{user_id}/recommendations", query=f"limit={limit}" + (query and f"&{query}")
        )
        return response

    # ---------- queue and trainer ----------

    def drain(self) -> int:
        """Deliver every queued profile-update message in template-sized SQS batches, as Lambda would."""
        delivered = 0
        while self.queue.messages:
            bodies = self.queue.messages[:PROFILE_BATCH]
            del self.queue.messages[:PROFILE_BATCH]
            records = [sqs_record(_message(body), QUEUE_ARN) for body in bodies]
            result = self._invoke("ProfileUpdateFunction", {"Records": records})
            if result.get("batchItemFailures"):
                raise ServedError(f"profile update failed for {result['batchItemFailures'][:3]}")
            delivered += len(bodies)
        return delivered

    def publish(self, artifact: ModelArtifact) -> None:
        """Make `artifact` the live model (as another trainer would publish it); the next request has it."""
        self.models.publish(artifact)
        self._served_models.refresh()

    def train(self) -> dict[str, Any]:
        result: dict[str, Any] = self._invoke("TrainFunction", {})
        if not result.get("published"):
            raise ServedError(f"training did not publish: {result}")
        self._served_models.refresh()
        return result


def _message(body: str) -> dict[str, Any]:
    return {
        "MessageId": str(uuid.uuid4()),
        "ReceiptHandle": uuid.uuid4().hex,
        "Body": body,
        "MD5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),  # SQS's own checksum
        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "0"},
    }
