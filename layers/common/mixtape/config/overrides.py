"""What overrides the ranking weights: partial weights, experiments and their variants, activity levels."""

from itertools import pairwise
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from mixtape.config.environment import json_text
from mixtape.config.ranking import RankingWeights
from mixtape.models.context import ContextName
from mixtape.models.experiment import ExperimentName


def _known_weights(override: dict[str, float]) -> dict[str, float]:
    unknown = sorted(set(override) - set(RankingWeights.model_fields))
    if unknown:
        raise ValueError(f"not ranking weights: {', '.join(unknown)}")
    return override


# A partial `RankingWeights`: the weights a surface preset or an experiment variant changes. Checked against
# the deployment's weights when the settings load, so a bad one fails the cold start, not a request.
RankingOverride = Annotated[dict[str, float], AfterValidator(_known_weights)]


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


# RANKING_ACTIVITY: JSON in the environment, levels a listener is in at most one of.
ActivityLevels = Annotated[tuple[ActivityLevel, ...], BeforeValidator(json_text), AfterValidator(_disjoint)]


# The weights per activity level (RANKING_ACTIVITY): the popularity and exposure debias lift the long tail
# for the typical listener but cost the lightest and the heaviest histories, and a short history's few EASE
# rows say less than its ALS vector (README, "Model quality").
# Plain data, validated with the settings: importing this module builds no validator.
DEFAULT_ACTIVITY_LEVELS: tuple[dict[str, Any], ...] = (
    {"name": "light", "up_to": 20, "ranking": {"debias": 0.0, "debias_exposure": 0.0, "factors": 3.0}},
    {"name": "heavy", "above": 150, "ranking": {"debias": 0.0, "debias_exposure": 0.0}},
)
