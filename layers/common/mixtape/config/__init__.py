"""Typed configuration: environment variables parsed once per function into a frozen settings model.

Logic receives these objects; nothing else reads `os.environ`. The modules hold one concern each
(`events`, `ranking`, `overrides`, `environment`, `settings`); their public names are imported from here.
"""

from mixtape.config.environment import NESTED_DELIMITER, environment_values, json_text
from mixtape.config.events import DAY_MS, HOUR_MS, EventWeights, ProfileLimits
from mixtape.config.overrides import (
    DEFAULT_ACTIVITY_LEVELS,
    MAX_ACTIVITY_LEVELS,
    ActivityLevel,
    ActivityLevels,
    Experiment,
    RankingOverride,
    Variant,
)
from mixtape.config.ranking import RankingIndex, RankingWeights, TrendingSettings
from mixtape.config.settings import (
    CatalogSnapshotSettings,
    EventFoldSettings,
    IngestSettings,
    ProfileSettings,
    RecommendSettings,
    TrainSettings,
    catalog_snapshot_settings,
    ingest_settings,
    profile_settings,
    recommend_settings,
    train_settings,
)

__all__ = [
    "DAY_MS",
    "DEFAULT_ACTIVITY_LEVELS",
    "HOUR_MS",
    "MAX_ACTIVITY_LEVELS",
    "NESTED_DELIMITER",
    "ActivityLevel",
    "ActivityLevels",
    "CatalogSnapshotSettings",
    "EventFoldSettings",
    "EventWeights",
    "Experiment",
    "IngestSettings",
    "ProfileLimits",
    "ProfileSettings",
    "RankingIndex",
    "RankingOverride",
    "RankingWeights",
    "RecommendSettings",
    "TrainSettings",
    "TrendingSettings",
    "Variant",
    "catalog_snapshot_settings",
    "environment_values",
    "ingest_settings",
    "json_text",
    "profile_settings",
    "recommend_settings",
    "train_settings",
]
