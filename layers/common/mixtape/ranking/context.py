"""One request's ranking settings from its context: the deployment's weights with the overrides that apply
merged over them, in this order (later wins, field by field):

    deployment (RANKING) < activity level (RANKING_ACTIVITY) < device preset (RANKING_DEVICES)
    < surface preset (RANKING_SURFACES) < experiment variants (EXPERIMENTS, in configuration order)
    < the request's own `explore`

The activity level is the one whose range holds the listener's count of distinct items heard
(`Profile.items_heard`, from the profile the request reads anyway); a listener without a profile, or
outside every range, has none. A device or surface without a preset ranks with what comes before it.
Every override was validated against the deployment's weights when the settings loaded
(mixtape.config.RecommendSettings), and the merged weights are cached per combination of level, presets
and variants: configured ones only, so bounded.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from mixtape.config import RankingWeights, RecommendSettings
from mixtape.models.context import Daypart, RankingContext
from mixtape.models.experiment import Assignment
from mixtape.ranking.experiments import assign
from mixtape.ranking.request import RankingSettings

MERGED_CACHED = 1_024


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a request ranks with, and what the reply reports of it."""

    settings: RankingSettings
    daypart: Daypart | None
    assignments: list[Assignment]
    activity: str | None = None  # the activity level's name, if one applied


class ContextResolver:
    """Per container: the deployment's ranking settings and the overrides of its configuration."""

    def __init__(self, settings: RecommendSettings) -> None:
        self.base = RankingSettings.of(settings)
        self.levels = settings.ranking_activity
        self.devices = settings.ranking_devices
        self.surfaces = settings.ranking_surfaces
        self.experiments = settings.experiments
        self._merged = lru_cache(maxsize=MERGED_CACHED)(self._merge)

    def level(self, heard: int | None) -> int | None:
        """The index of the activity level holding `heard` items (None: no profile, or no level)."""
        if heard is None:
            return None
        return next((i for i, level in enumerate(self.levels) if level.holds(heard)), None)

    def resolve(self, user_id: str, context: RankingContext, heard: int | None = None) -> Resolved:
        """`heard`: the listener's `Profile.items_heard()`, None without a profile."""
        picked = assign(self.experiments, user_id)
        level = self.level(heard)
        device = context.device if context.device in self.devices else None
        surface = context.surface if context.surface in self.surfaces else None
        variants = tuple((e.experiment, e.variant) for e, _ in picked)
        weights = self._merged(level, device, surface, variants)
        if context.explore is not None:  # validated 0..1 by the request model
            weights = weights.model_copy(update={"explore": context.explore})
        settings = self._with(weights)
        activity = None if level is None else self.levels[level].name
        return Resolved(settings, context.daypart, [a for a, _ in picked], activity)

    def of_activity(self, heard: int | None) -> RankingSettings:
        """The deployment's settings with only the activity level's weights (no context, no experiment):
        what a group blend ranks each member with."""
        return self._with(self._merged(self.level(heard), None, None, ()))

    def _with(self, weights: RankingWeights) -> RankingSettings:
        return self.base if weights is self.base.weights else replace(self.base, weights=weights)

    def _merge(
        self,
        level: int | None,
        device: str | None,
        surface: str | None,
        variants: tuple[tuple[str, str], ...],
    ) -> RankingWeights:
        overrides: list[Mapping[str, float]] = []
        if level is not None:
            overrides.append(self.levels[level].ranking)
        if device is not None:
            overrides.append(self.devices[device])
        if surface is not None:
            overrides.append(self.surfaces[surface])
        chosen = dict(variants)
        for experiment in self.experiments:
            overrides.extend(v.ranking for v in experiment.variants if v.name == chosen.get(experiment.name))
        return merged(self.base.weights, overrides)


def merged(base: RankingWeights, overrides: list[Mapping[str, float]]) -> RankingWeights:
    """`base` with each override applied in turn; `base` itself when none changes anything."""
    update: dict[str, float] = {}
    for override in overrides:
        update.update(override)
    if not update:
        return base
    return RankingWeights.model_validate({**base.model_dump(), **update})
