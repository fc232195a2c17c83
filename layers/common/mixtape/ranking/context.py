"""One request's ranking settings from its context: the deployment's weights with the overrides that apply
merged over them, in this order (later wins, field by field):

    deployment (RANKING) < device preset (RANKING_DEVICES) < surface preset (RANKING_SURFACES)
    < experiment variants (EXPERIMENTS, in configuration order) < the request's own `explore`

A device or surface without a preset ranks with what comes before it. Every override was validated
against the deployment's weights when the settings loaded (mixtape.config.RecommendSettings), and the
merged weights are cached per combination of presets and variants: configured names only, so bounded.
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


class ContextResolver:
    """Per container: the deployment's ranking settings and the overrides of its configuration."""

    def __init__(self, settings: RecommendSettings) -> None:
        self.base = RankingSettings.of(settings)
        self.devices = settings.ranking_devices
        self.surfaces = settings.ranking_surfaces
        self.experiments = settings.experiments
        self._merged = lru_cache(maxsize=MERGED_CACHED)(self._merge)

    def resolve(self, user_id: str, context: RankingContext) -> Resolved:
        picked = assign(self.experiments, user_id)
        device = context.device if context.device in self.devices else None
        surface = context.surface if context.surface in self.surfaces else None
        variants = tuple((e.experiment, e.variant) for e, _ in picked)
        weights = self._merged(device, surface, variants)
        if context.explore is not None:  # validated 0..1 by the request model
            weights = weights.model_copy(update={"explore": context.explore})
        settings = self.base if weights is self.base.weights else replace(self.base, weights=weights)
        return Resolved(settings, context.daypart, [a for a, _ in picked])

    def _merge(
        self, device: str | None, surface: str | None, variants: tuple[tuple[str, str], ...]
    ) -> RankingWeights:
        overrides: list[Mapping[str, float]] = []
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
