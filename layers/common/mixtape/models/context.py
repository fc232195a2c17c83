"""The context of a ranking call (surface, device, the listener's local time, exploration) and the
dayparts time-of-day taste is kept by: one definition, used by the recommendations route and any other
route that ranks for a listener."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

MINUTES_PER_DAY = 1_440
# ±14 h: the widest UTC offsets in use (UTC-12 to UTC+14).
MAX_UTC_OFFSET_MINUTES = 840

ContextName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
LocalTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
# In a JSON body a share is a number: strict, so `false` is refused as the schema says (a query string is
# parsed with `Share`).
JsonShare = Annotated[float, Field(ge=0.0, le=1.0), Strict()]


class Daypart(StrEnum):
    """Four six-hour parts of the listener's local day."""

    NIGHT = "night"  # 00:00-05:59
    MORNING = "morning"  # 06:00-11:59
    AFTERNOON = "afternoon"  # 12:00-17:59
    EVENING = "evening"  # 18:00-23:59

    @classmethod
    def at_minute(cls, minute_of_day: int) -> "Daypart":
        return _DAYPARTS[(minute_of_day % MINUTES_PER_DAY) // 360]

    @classmethod
    def at_local_time(cls, local_time: str) -> "Daypart":
        """The daypart of an `HH:MM` local time (validated by `LocalTime`)."""
        hours, minutes = local_time.split(":")
        return cls.at_minute(int(hours) * 60 + int(minutes))

    @classmethod
    def of_event(cls, timestamp_ms: int, utc_offset_minutes: int | None) -> "Daypart":
        """The daypart an event happened in, in the listener's local time (UTC without an offset)."""
        return cls.at_minute(timestamp_ms // 60_000 + (utc_offset_minutes or 0))


_DAYPARTS = (Daypart.NIGHT, Daypart.MORNING, Daypart.AFTERNOON, Daypart.EVENING)


class RankingContext(BaseModel):
    """Where and when a list is shown; every field optional. The query parameters of
    GET /v1/users/{user_id}/recommendations."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    surface: ContextName | None = Field(
        default=None,
        description="Where the list is shown; a surface with a preset in RANKING_SURFACES ranks with it",
        examples=["radio"],
    )
    device: ContextName | None = Field(
        default=None, description="Client device class; presets in RANKING_DEVICES", examples=["mobile"]
    )
    local_time: LocalTime | None = Field(
        default=None,
        description="The listener's local wall-clock time, HH:MM (24 h): boosts the genres they play at "
        "that time of day. Without it there is no time-of-day term",
        examples=["08:00"],
    )
    explore: JsonShare | None = Field(
        default=None,
        description="Share of the list given to long-tail and unfamiliar-genre items, 0..1 (default: the "
        "deployment's, a surface's or an experiment's); the same picks all day for one listener",
        examples=[0.2],
    )

    @property
    def daypart(self) -> Daypart | None:
        return Daypart.at_local_time(self.local_time) if self.local_time is not None else None
