"""The taste profile of one listener, as stored and folded.

Affinities are exponentially decayed sums kept relative to the profile's reference time `ref_ms`:
a weight w observed at time t is stored as w * 2**((t - ref_ms) / half_life). Sums of such terms do
not depend on the order events are applied in (so late and out-of-order events are exact), and the
value "as of now" is the stored sum times 2**((ref_ms - now) / half_life).
"""

from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from mixtape.models.heard import HeardFilter
from mixtape.models.preferences import Preferences


class RecentItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    item_id: str
    ts: int


class Profile(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, validate_assignment=False)

    user_id: str
    version: int = 0
    ref_ms: int = 0
    updated_at: int = 0
    last_event_at: int = 0
    items: dict[str, float] = Field(default_factory=dict)
    artists: dict[str, float] = Field(default_factory=dict)
    genres: dict[str, float] = Field(default_factory=dict)
    # Time-of-day taste: genre affinities per daypart (mixtape.models.context.Daypart, by each event's local
    # time), decayed like the rest, the strongest `max_daypart_genres` of each daypart kept.
    dayparts: dict[str, dict[str, float]] = Field(default_factory=dict)
    counts: dict[str, int] = Field(default_factory=dict)
    # The newest positive interaction per item (the newest `max_recent` items): also what decides whether
    # an event is the listener's first for its item in a popularity bucket (mixtape.profiles.apply.fold).
    recent: list[RecentItem] = Field(default_factory=list)
    disliked: dict[str, int] = Field(default_factory=dict)  # item_id -> time of the latest dislike
    # Items shown (impression events): per item, the decayed count of showings, stored relative to its own
    # reference time with the impression half-life (hours, not the affinities' weeks), for the
    # `max_impressions` most shown items (mixtape.profiles.impressions; read by mixtape.ranking.fatigue).
    impressions: dict[str, float] = Field(default_factory=dict)
    impressions_ref_ms: int = 0
    # Decayed weighted sum of item embeddings (float64) and the decayed sum of |weights| behind it.
    taste_sum: npt.NDArray[np.float64] | None = Field(default=None, exclude=True)
    taste_weight: float = 0.0
    # The listener folded into the learned model `model_version` (see mixtape.learning.foldin); refreshed at
    # every update and, when a newer model is live, recomputed on read until the next update stores it.
    model_version: str | None = None
    user_vector: npt.NDArray[np.float32] | None = Field(default=None, exclude=True)
    # Exactly-once bookkeeping (see mixtape.profiles.apply): ids of events applied here whose
    # copy in the events table is not confirmed yet, and the erasure time before which events are dropped.
    pending: list[str] = Field(default_factory=list)
    erased_at: int = 0
    # The listener's own choices (PUT .../preferences): not part of the document; stored as their own
    # attribute of the profile item and written back unchanged by every profile commit.
    preferences: Preferences | None = Field(default=None, exclude=True)
    # Every item the listener has heard, whatever the caps above (mixtape.models.heard): not part of the
    # document; its own Binary attribute of the profile item. None for a profile stored before it existed
    # (seeded from `known_items()` by the next fold; until then `known_items()` is what is known).
    heard: HeardFilter | None = Field(default=None, exclude=True)
    # Whether `known_items()` still holds every heard item: False once a size cap cut one of its tables,
    # after which the ranker also tests its candidates against `heard`.
    known_complete: bool = True

    def clone(self) -> "Profile":
        """An independent copy: new containers and arrays, shared immutable parts (ids, RecentItem).
        `model_copy(deep=True)` would walk every key and float through `copy.deepcopy`, on every profile
        update."""
        return self.model_copy(
            update={
                "items": dict(self.items),
                "artists": dict(self.artists),
                "genres": dict(self.genres),
                "dayparts": {part: dict(genres) for part, genres in self.dayparts.items()},
                "counts": dict(self.counts),
                "recent": list(self.recent),
                "disliked": dict(self.disliked),
                "impressions": dict(self.impressions),
                "pending": list(self.pending),
                "taste_sum": None if self.taste_sum is None else self.taste_sum.copy(),
                "user_vector": None if self.user_vector is None else self.user_vector.copy(),
                "heard": None if self.heard is None else self.heard.copy(),
            }
        )

    def decay_factor(self, now_ms: int, half_life_ms: float) -> float:
        """Multiply a stored sum by this to get its value as of `now_ms`."""
        return float(2.0 ** ((self.ref_ms - now_ms) / half_life_ms))

    def impressions_as_of(self, now_ms: int, half_life_ms: float) -> dict[str, float]:
        """Each shown item's decayed count of showings as of `now_ms`."""
        factor = 2.0 ** ((self.impressions_ref_ms - now_ms) / half_life_ms)
        return {item_id: value * factor for item_id, value in self.impressions.items()}

    def taste_vector(self) -> npt.NDArray[np.float32] | None:
        """Unit-length taste direction, or None without embedded history."""
        if self.taste_sum is None or self.taste_weight <= 0:
            return None
        norm = float(np.linalg.norm(self.taste_sum))
        if norm == 0.0 or not np.isfinite(norm):
            return None
        return (self.taste_sum / norm).astype(np.float32)

    def known_items(self) -> set[str]:
        """Items the listener has interacted with that the capped tables still name (all of them while
        `known_complete`); `heard` holds the rest (mixtape.ranking.listener.heard_check)."""
        return set(self.items) | {r.item_id for r in self.recent} | set(self.disliked)

    def items_heard(self) -> int:
        """How many distinct items the listener has interacted with (what picks their activity level,
        mixtape.ranking.context): the heard filter's count, uncapped (fewer once it dropped its oldest
        layers at its size cap), else the items the capped tables still name. Reads nothing."""
        return len(self.heard) if self.heard is not None else len(self.known_items())

    def weights_as_of_latest(self, half_life_ms: float) -> dict[str, float]:
        """Item weights decayed to the listener's latest event (what fold-in sees)."""
        factor = self.decay_factor(self.last_event_at, half_life_ms) if self.last_event_at else 1.0
        return {item_id: value * factor for item_id, value in self.items.items()}

    def has_history(self) -> bool:
        """False for a new listener and for an erasure tombstone nothing was folded into since."""
        return bool(self.counts)

    def holds_data(self) -> bool:
        """History or preferences: what an erasure deletes and an export shows."""
        return self.has_history() or self.preferences is not None

    def has_positive_signal(self) -> bool:
        return any(v > 0 for v in self.artists.values()) or any(v > 0 for v in self.items.values())

    def doc(self) -> dict[str, Any]:
        return self.model_dump(exclude={"taste_sum", "user_vector", "version"})
