"""Each function's settings, read once from its environment by a cached getter."""

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from mixtape.config.environment import environment_values, json_text
from mixtape.config.events import DAY_MS, HOUR_MS, EventWeights, ProfileLimits
from mixtape.config.overrides import (
    DEFAULT_ACTIVITY_LEVELS,
    MAX_ACTIVITY_LEVELS,
    ActivityLevels,
    Experiment,
    RankingOverride,
)
from mixtape.config.ranking import RankingIndex, RankingWeights, TrendingSettings
from mixtape.models.catalog import MAX_EMBEDDING_DIM, MIN_EMBEDDING_DIM
from mixtape.models.context import ContextName
from mixtape.models.experiment import MAX_EXPERIMENTS
from mixtape.models.heard import HeardShape
from mixtape.models.training_params import TrainingParams


class _Settings(BaseModel):
    """A function's settings. `from_environ()` reads them from the environment (`environment_values`);
    constructed directly, they hold the values given and the defaults, nothing from the environment."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Self:
        return cls.model_validate(environment_values(cls, environ))

    embedding_dim: int = Field(default=32, ge=MIN_EMBEDDING_DIM, le=MAX_EMBEDDING_DIM)
    half_life_days: float = Field(default=30.0, gt=0)
    popularity_half_life_days: float = Field(default=7.0, gt=0)
    # How fast an item shown without a play recovers (the profile fold and the ranker both decay with it).
    impression_half_life_hours: float = Field(default=48.0, gt=0)

    @property
    def half_life_ms(self) -> float:
        return self.half_life_days * DAY_MS

    @property
    def popularity_half_life_ms(self) -> float:
        return self.popularity_half_life_days * DAY_MS

    @property
    def impression_half_life_ms(self) -> float:
        return self.impression_half_life_hours * HOUR_MS


class _ModelSettings(_Settings):
    models_bucket: str | None = Field(
        default=None, description="S3 bucket of model artifacts; none = no model"
    )
    model_check_seconds: float = Field(default=5.0, ge=0, description="How often to look for a new model")
    # Catalog and model refreshes run in the background (mixtape.runtime.background); a request waits for one
    # that has run longer than this (a container frozen between rare invocations barely advances it).
    refresh_join_seconds: float = Field(default=30.0, ge=0)


class IngestSettings(_Settings):
    events_table: str
    catalog_table: str
    profile_update_queue_url: str
    write_concurrency: int = Field(default=16, ge=1, le=64)


class EventFoldSettings(_Settings):
    """How an event weighs in a listener's item weights: the profile fold and the trainer's history fold
    (mixtape.learning.history) read the same settings, so both count an event alike."""

    quick_skip_ms: int = Field(default=30_000, ge=0)
    event_weights: EventWeights = EventWeights()


class ProfileSettings(_ModelSettings, EventFoldSettings):
    events_table: str
    profiles_table: str
    catalog_table: str
    limits: ProfileLimits = ProfileLimits()
    heard: HeardShape = HeardShape()  # the complete "already heard" filter (mixtape.models.heard)
    max_update_attempts: int = Field(default=8, ge=1)
    # Listeners of one batch applied at once (threads): each waits on its own few DynamoDB round trips.
    apply_concurrency: int = Field(default=8, ge=1, le=32)
    event_retention_days: int = Field(default=30, ge=1, description="TTL of the applied-events log")
    # An erasure tombstone must outlive every message that could still carry the listener's older
    # events: the profile-update queue and its DLQ keep messages for at most 14 days.
    tombstone_days: int = Field(default=15, ge=1)
    # The erasure's second purge runs this long after the first: longer than the function timeout, so an
    # update that committed before the tombstone has logged its events by then (SQS delays up to 900 s).
    erasure_follow_up_seconds: int = Field(default=180, ge=0, le=900)
    profile_update_queue_url: str = Field(description="This function's own queue: erasure follow-ups")
    # Shards per popularity/trend counter (mixtape.storage.dynamo.counters): more shards, smaller items
    # (a write is billed on its item's size) but more writes per batch. Safe to change at any time.
    counter_shards: int = Field(default=64, ge=1, le=100_000)
    # Item features a warm container keeps between batches (dropped when the catalog version moves).
    feature_cache_items: int = Field(default=100_000, ge=0)


class RecommendSettings(_ModelSettings):
    profiles_table: str
    catalog_table: str
    ranking: RankingWeights = RankingWeights()
    ranking_index: RankingIndex = RankingIndex()
    trending: TrendingSettings = TrendingSettings()
    catalog_check_seconds: float = Field(default=2.0, ge=0, description="How often to look for a new catalog")
    catalog_max_age_seconds: float = Field(default=300.0, ge=0, description="Reload for fresh popularity")
    # A catalog snapshot (models bucket, `catalog/`) older than this is not used: the table is scanned.
    catalog_snapshot_max_age_seconds: float = Field(default=600.0, ge=0)
    # Ranking overrides, merged over `ranking` in this order: activity level < device preset < surface
    # preset < experiment variants < the request's own parameters (mixtape.ranking.context). JSON in the
    # environment; RANKING_ACTIVITY='[]': one set of weights for every listener.
    ranking_activity: ActivityLevels = Field(
        default=DEFAULT_ACTIVITY_LEVELS, validate_default=True, max_length=MAX_ACTIVITY_LEVELS
    )
    ranking_devices: Annotated[dict[ContextName, RankingOverride], BeforeValidator(json_text)] = Field(
        default_factory=dict
    )
    ranking_surfaces: Annotated[dict[ContextName, RankingOverride], BeforeValidator(json_text)] = Field(
        default_factory=dict
    )
    experiments: Annotated[tuple[Experiment, ...], BeforeValidator(json_text)] = Field(
        default=(), max_length=MAX_EXPERIMENTS
    )

    @model_validator(mode="after")
    def _overrides_apply(self) -> Self:
        """Every override makes valid weights on its own over `ranking` (so any combination does too: each
        field is checked alone)."""
        overrides = [
            *(("RANKING_ACTIVITY level", level.name, level.ranking) for level in self.ranking_activity),
            *(("device", name, o) for name, o in self.ranking_devices.items()),
            *(("surface", name, o) for name, o in self.ranking_surfaces.items()),
            *((f"experiment {e.name}", v.name, v.ranking) for e in self.experiments for v in e.variants),
        ]
        for kind, name, override in overrides:
            try:
                self.ranking.model_validate({**self.ranking.model_dump(), **override})
            except ValueError as error:
                raise ValueError(f"{kind} {name}: {error}") from error
        if len({e.name for e in self.experiments}) != len(self.experiments):
            raise ValueError("experiment names must be unique")
        return self


class CatalogSnapshotSettings(_Settings):
    catalog_table: str
    models_bucket: str
    # Republish at least this often (popularity moves), and whenever the catalog version changes.
    catalog_snapshot_refresh_seconds: float = Field(default=240.0, ge=0)


class TrainSettings(EventFoldSettings):
    events_table: str  # the applied-events log: the trainer's input (mixtape.learning.history)
    models_bucket: str
    training: TrainingParams = TrainingParams()
    min_interactions: int = Field(default=20, ge=1, description="Skip training below this many interactions")
    scan_segments: int = Field(default=4, ge=1, le=64)


@lru_cache(maxsize=1)
def ingest_settings() -> IngestSettings:
    return IngestSettings.from_environ()


@lru_cache(maxsize=1)
def profile_settings() -> ProfileSettings:
    return ProfileSettings.from_environ()


@lru_cache(maxsize=1)
def recommend_settings() -> RecommendSettings:
    return RecommendSettings.from_environ()


@lru_cache(maxsize=1)
def catalog_snapshot_settings() -> CatalogSnapshotSettings:
    return CatalogSnapshotSettings.from_environ()


@lru_cache(maxsize=1)
def train_settings() -> TrainSettings:
    return TrainSettings.from_environ()
