"""Typed configuration: environment variables parsed once per function into a frozen settings model.

Logic receives these objects; nothing else reads `os.environ`.
"""

import json
import os
from collections.abc import Mapping
from functools import lru_cache
from itertools import pairwise
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from mixtape.models.catalog import MAX_EMBEDDING_DIM, MIN_EMBEDDING_DIM
from mixtape.models.context import ContextName, Share
from mixtape.models.event_type import EventType
from mixtape.models.experiment import MAX_EXPERIMENTS, ExperimentName
from mixtape.models.heard import HeardShape
from mixtape.models.training_params import TrainingParams

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


class EventWeights(BaseModel):
    """How much one event of each type moves a listener's affinities (negative = dislike signal).

    Override with EVENT_WEIGHTS='{"play": 1.0, ...}' or EVENT_WEIGHTS__LIKE=4.
    """

    # defer_build: validators are built at first use, not at import; each function builds only the models
    # it uses (mixtape.models says why).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    play: float = 1.0
    skip: float = -0.3
    quick_skip: float = -1.0
    like: float = 4.0
    dislike: float = -6.0
    save: float = 3.0
    playlist_add: float = 3.0

    def weight(self, event_type: EventType, ms_played: int | None, quick_skip_ms: int) -> float:
        if event_type is EventType.IMPRESSION:  # shown, not heard: moves no affinity
            return 0.0
        if event_type is EventType.SKIP and (ms_played or 0) < quick_skip_ms:
            return self.quick_skip
        return float(getattr(self, event_type.value))


class ProfileLimits(BaseModel):
    """Bounds that keep a profile item small (DynamoDB bills a write per started KB) and a request's work
    bounded."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    max_items: int = Field(default=300, ge=1)
    max_artists: int = Field(default=100, ge=1)
    max_genres: int = Field(default=50, ge=1)
    max_daypart_genres: int = Field(default=10, ge=1, description="Genres kept per daypart")
    max_recent: int = Field(default=50, ge=1)
    max_disliked: int = Field(default=200, ge=0)
    max_impressions: int = Field(default=50, ge=0)  # items whose showings a profile counts (fatigue)


class RankingWeights(BaseModel):
    """Term weights of the ranker, chosen with `make eval` (README, "Model quality")."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    neighbors: float = 1.0  # learned model: EASE item->item rows of the listener's history
    # learned model: the EASE remainder (mixtape.learning.remainder), on the rows' scale (0: rows only)
    remainder: float = Field(default=1.0, ge=0)
    # learned model: ALS fold-in, divided by |v|·max|f| (mixtape.ranking.terms), so the term lies
    # within [-1, 1] whatever the listener's vector length.
    factors: float = 1.7
    debias: float = 0.2  # learned model: minus log(listeners), lifts the long tail
    # learned model: minus log(exposure) (mixtape.learning.exposure: how many training listeners the model
    # alone would show the item), pushes down what crowds most lists; a model without exposure counts gets
    # this weight on the popularity debias instead.
    debias_exposure: float = Field(default=0.25, ge=0)
    taste: float = 1.0
    artist: float = 0.6
    genre: float = 0.35
    popularity: float = 0.25  # cold start, and the prior while no model is live
    max_per_artist: int = Field(default=2, ge=1)
    # Fatigue (mixtape.ranking.fatigue): an item shown about `fatigue_impressions` times (decayed count)
    # without a play loses up to `fatigue` from its score, and recovers as the count decays.
    fatigue: float = Field(default=1.0, ge=0)
    fatigue_impressions: float = Field(default=3.0, ge=1)
    # Sequencing: no artist twice within this many places of a list (1: no two adjacent; 0: off).
    artist_spacing: int = Field(default=1, ge=0)
    # EASE rows read per request: the listener's strongest liked items. Bounds a request's work whatever
    # the profile holds (profiles keep max_items = 300 weighted items by default, so none is cut then).
    max_neighbor_rows: int = Field(default=300, ge=0)
    # Context (README, "Context, exploration and experiments"): the genres the listener plays at the
    # request's time of day (only with a `local_time`), and the share of the list given to exploration.
    daypart: float = 0.5
    explore: Share = 0.0


def _known_weights(override: dict[str, float]) -> dict[str, float]:
    unknown = sorted(set(override) - set(RankingWeights.model_fields))
    if unknown:
        raise ValueError(f"not ranking weights: {', '.join(unknown)}")
    return override


# A partial `RankingWeights`: the weights a surface preset or an experiment variant changes. Checked against
# the deployment's weights when the settings load, so a bad one fails the cold start, not a request.
RankingOverride = Annotated[dict[str, float], AfterValidator(_known_weights)]


def _json_text(value: Any) -> Any:
    """A JSON environment variable's text parsed; anything else as it is."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as error:
        raise ValueError(f"not valid JSON: {error}") from error


class Variant(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: ExperimentName
    share: float = Field(gt=0, le=1, description="Share of listeners in this variant")
    ranking: RankingOverride = Field(default_factory=dict)


class Experiment(BaseModel):
    """An A/B test of ranking weights: each listener is in one variant (mixtape.ranking.experiments)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: ExperimentName
    variants: tuple[Variant, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _shares_add_up(self) -> Self:
        if abs(sum(v.share for v in self.variants) - 1.0) > 1e-9:
            raise ValueError(f"experiment {self.name}: variant shares must add up to 1")
        if len({v.name for v in self.variants}) != len(self.variants):
            raise ValueError(f"experiment {self.name}: variant names must be unique")
        return self


MAX_ACTIVITY_LEVELS = 8  # bounds the merged-weights cache (mixtape.ranking.context)


class ActivityLevel(BaseModel):
    """Listeners who heard more than `above` and at most `up_to` distinct items (`Profile.items_heard`)
    rank with `ranking` merged over the deployment's weights (mixtape.ranking.context)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: ContextName = Field(description="Reported as the reply's `context.activity`")
    above: int = Field(default=0, ge=0, description="heard more than this many items")
    up_to: int | None = Field(default=None, ge=1, description="and at most this many; None: no bound")
    ranking: RankingOverride = Field(default_factory=dict)

    @model_validator(mode="after")
    def _a_range(self) -> Self:
        if self.up_to is not None and self.above >= self.up_to:
            raise ValueError(f"activity level {self.name}: above must be less than up_to")
        return self

    def holds(self, heard: int) -> bool:
        return heard > self.above and (self.up_to is None or heard <= self.up_to)


def _disjoint(levels: tuple[ActivityLevel, ...]) -> tuple[ActivityLevel, ...]:
    """Levels whose ranges do not overlap and whose names differ: a listener is in at most one."""
    if len({level.name for level in levels}) != len(levels):
        raise ValueError("RANKING_ACTIVITY: level names must be unique")
    ordered = sorted(levels, key=lambda level: level.above)
    for low, high in pairwise(ordered):
        if low.up_to is None or low.up_to > high.above:
            raise ValueError(f"RANKING_ACTIVITY: levels {low.name} and {high.name} overlap")
    return levels


# The weights per activity level (RANKING_ACTIVITY): the popularity and exposure debias lift the long tail
# for the typical listener but cost the lightest and the heaviest histories, and a short history's few EASE
# rows say less than its ALS vector (README, "Model quality").
# Plain data, validated with the settings: importing this module builds no validator.
DEFAULT_ACTIVITY_LEVELS: tuple[dict[str, Any], ...] = (
    {"name": "light", "up_to": 20, "ranking": {"debias": 0.0, "debias_exposure": 0.0, "factors": 3.0}},
    {"name": "heavy", "above": 150, "ranking": {"debias": 0.0, "debias_exposure": 0.0}},
)


class RankingIndex(BaseModel):
    """How the ranker finds the best items of its dense (learned model) term. `exact` scores every item
    (memory-bandwidth bound, so its cost grows with items x factors); `ivf` probes the `n_probe` best of
    ~√n k-means lists of the factors (mixtape.search.ivf.IvfIndex, indexed once per model and catalog in
    the container) and merges the sparse terms (EASE neighbours, liked artists) exactly. IVF applies only
    from `ivf_min_items` catalog items: below that the exact scan is cheap enough. The lists are the
    trainer's (`ModelArtifact.ivf_lists`, ~√ model items) unless `n_lists` asks for others, which each
    container then clusters itself, on its own CPU. RANKING_INDEX__KIND=ivf switches it on."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: Literal["exact", "ivf"] = "exact"
    ivf_min_items: int = Field(default=250_000, ge=1)
    n_lists: int | None = Field(default=None, ge=1, description="None: the model's lists (√ items)")
    n_probe: int = Field(default=8, ge=1)
    rescore: int = Field(default=1_024, ge=0, description="EASE-boosted items outside the probed lists")
    # The genre term is dense and unrelated to the factor lists: liked-genre items of lists not probed are
    # candidates too, from the (genre, list) cells routing ranks best (IvfIndex.cells, read wider than the
    # items kept by the ranker's CELL_OVERSCAN): probing more lists does not make up for them. `n_probe`
    # and `genre_items` trade recall against work (README, "Performance and cost").
    genre_items: int = Field(default=6_000, ge=0, description="liked-genre items outside the probed lists")
    genre_columns: int = Field(default=64, ge=0, description="the most frequent genres indexed for that")


class TrendingSettings(BaseModel):
    """How `GET /v1/trending` weighs what it counts (mixtape.catalog.trending)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    # velocity = (listeners - previous) / (previous + smoothing): a few listeners more on an item nobody
    # played before is not yet a rise.
    smoothing: float = Field(default=5.0, gt=0)
    rising_velocity: float = Field(default=0.5, ge=0, description="velocity from which an item is rising")
    max_items: int = Field(default=1_000, ge=1, description="items held per window, best first")


NESTED_DELIMITER = "__"


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _deep_update(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in update.items():
        old = merged.get(key)
        merged[key] = _deep_update(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return merged


def environment_values(model: type[BaseModel], environ: Mapping[str, str]) -> dict[str, Any]:
    """The values `model`'s fields take from `environ`: each field from the variable of the same name in
    any case (EMBEDDING_DIM=64); a nested model from JSON (EVENT_WEIGHTS='{"like": 4}') and per field
    (EVENT_WEIGHTS__LIKE=4, which wins over the same key in the JSON). Variables of no field are ignored.

    These are pydantic-settings' rules for such fields (`env_nested_delimiter="__"`); pulling that
    package in would add its imports to every cold start for what these lines do.
    """
    env = {key.lower(): value for key, value in environ.items()}
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        nested = _is_model(field.annotation)
        if name in env:
            if not nested:
                values[name] = env[name]
                continue
            try:
                values[name] = json.loads(env[name])
            except ValueError as error:
                raise ValueError(f"{name.upper()} is not valid JSON: {error}") from error
        prefix = name + NESTED_DELIMITER
        parts: dict[str, Any] = {}
        for key, value in env.items():
            if nested and key.startswith(prefix):
                *path, leaf = key.removeprefix(prefix).split(NESTED_DELIMITER)
                target = parts
                for step in path:
                    target = target.setdefault(step, {})
                target[leaf] = value
        if parts and isinstance(values.get(name, {}), dict):
            values[name] = _deep_update(values.get(name, {}), parts)
    return values


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
    ranking_activity: Annotated[
        tuple[ActivityLevel, ...], BeforeValidator(_json_text), AfterValidator(_disjoint)
    ] = Field(default=DEFAULT_ACTIVITY_LEVELS, validate_default=True, max_length=MAX_ACTIVITY_LEVELS)
    ranking_devices: Annotated[dict[ContextName, RankingOverride], BeforeValidator(_json_text)] = Field(
        default_factory=dict
    )
    ranking_surfaces: Annotated[dict[ContextName, RankingOverride], BeforeValidator(_json_text)] = Field(
        default_factory=dict
    )
    experiments: Annotated[tuple[Experiment, ...], BeforeValidator(_json_text)] = Field(
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
