"""Event and profile settings: how much each event moves a listener's affinities, and a profile's bounds."""

from pydantic import BaseModel, ConfigDict, Field

from mixtape.models.event_type import EventType

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
