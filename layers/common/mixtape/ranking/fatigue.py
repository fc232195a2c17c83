"""Fatigue: an item shown several times without a play is demoted, and recovers as its showings decay.

The profile keeps, per item shown, the decayed count of its showings (mixtape.profiles.impressions). An
item whose count as of now is `fatigue_impressions` (default 3) loses `fatigue` from its score; the loss
falls linearly to nothing as the count decays to one showing fewer, so it recovers with time
(IMPRESSION_HALF_LIFE_HOURS) unless it is shown again. "Without a play" needs no bookkeeping: an item the
listener played, liked or saved is known, and known items are never recommended back at all.
"""

from dataclasses import dataclass

import numpy as np

from mixtape.catalog.index import CatalogIndex, FloatArray
from mixtape.models.profile import Profile
from mixtape.ranking.listener import NO_POSITIONS, Positions
from mixtape.ranking.request import RankingRequest

_NO_VALUES: FloatArray = np.empty(0, dtype=np.float32)


@dataclass(frozen=True, slots=True)
class Fatigue:
    positions: Positions  # catalog positions of the demoted items, ascending
    demotion: FloatArray  # what each loses from its score (> 0)

    @classmethod
    def of(cls, profile: Profile | None, index: CatalogIndex, request: RankingRequest) -> "Fatigue":
        weights, settings = request.settings.weights, request.settings
        if profile is None or not profile.impressions or not weights.fatigue or request.now_ms is None:
            return NO_FATIGUE
        shown = profile.impressions_as_of(request.now_ms, settings.impression_half_life_ms)
        counts = np.fromiter(shown.values(), dtype=np.float64, count=len(shown))
        demotion = weights.fatigue * np.clip(counts - (weights.fatigue_impressions - 1.0), 0.0, 1.0)
        positions = index.ids.find(list(shown))
        keep = (positions >= 0) & (demotion > 0)
        order = np.argsort(positions[keep], kind="stable")
        return cls(positions[keep][order], demotion[keep][order].astype(np.float32))

    def apply(self, scores: FloatArray) -> None:
        """Demote catalog-wide scores in place."""
        if len(self.positions):
            scores[self.positions] -= self.demotion

    def apply_to(self, scores: FloatArray, candidates: Positions) -> None:
        """Demote the scores of `candidates` (catalog positions) in place."""
        if not len(self.positions) or not len(candidates):
            return
        at = np.minimum(np.searchsorted(self.positions, candidates), len(self.positions) - 1)
        hit = self.positions[at] == candidates
        scores[hit] -= self.demotion[at[hit]]


NO_FATIGUE = Fatigue(NO_POSITIONS, _NO_VALUES)
