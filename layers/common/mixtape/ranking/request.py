"""What a ranking call is asked and what it answers.

`RankingSettings` is the deployment's configuration (the same for every request of a container);
`RankingRequest` is one listener's ask, carrying those settings so the ranker takes one argument.
"""

from dataclasses import dataclass, field
from typing import NamedTuple, Self

from mixtape.config import DAY_MS, HOUR_MS, RankingIndex, RankingWeights, RecommendSettings
from mixtape.models.context import Daypart
from mixtape.models.reason import ReasonCode


@dataclass(frozen=True, slots=True)
class RankingSettings:
    weights: RankingWeights = field(default_factory=RankingWeights)
    index: RankingIndex = field(default_factory=RankingIndex)  # exact scan, or IVF on large catalogs
    half_life_ms: float = 30 * DAY_MS  # the affinities' decay, for a fresh fold-in of a stale profile
    impression_half_life_ms: float = 48 * HOUR_MS  # how fast a shown item's fatigue decays

    @classmethod
    def of(cls, settings: RecommendSettings) -> Self:
        return cls(
            weights=settings.ranking,
            index=settings.ranking_index,
            half_life_ms=settings.half_life_ms,
            impression_half_life_ms=settings.impression_half_life_ms,
        )


@dataclass(frozen=True, slots=True)
class RankingRequest:
    limit: int
    exclude_explicit: bool = False
    genre: str | None = None  # only items of this genre (case-insensitive)
    settings: RankingSettings = field(default_factory=RankingSettings)
    now_ms: int | None = None  # the time fatigue is decayed to (mixtape.ranking.fatigue); None: no fatigue
    daypart: Daypart | None = None  # the listener's time of day: boosts the genres they play then
    explore_seed: int = 0  # which exploration picks (mixtape.ranking.explore.daily_seed)


class Ranked(NamedTuple):
    """One pick. A named tuple, not a frozen dataclass: built for every pick of every request, and a
    frozen dataclass sets each field through object.__setattr__."""

    position: int  # in the catalog index
    score: float
    reason_code: ReasonCode
    reason: str


@dataclass(frozen=True, slots=True)
class Recommendations:
    items: list[Ranked]
    cold_start: bool  # the listener had no usable history: the popularity list was served
    model_version: str | None  # the learned model that ranked the list (None on cold start or without one)
