"""Listening events: the public input shape and the normalised shape that flows through the pipeline."""

from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from mixtape import clock
from mixtape.models.context import MAX_UTC_OFFSET_MINUTES
from mixtape.models.event_type import EventType
from mixtape.models.experiment import RecommendationId
from mixtape.models.ids import EventId, ItemId, UserId

MAX_FUTURE_SKEW_MS = 5 * 60 * 1000
# Anything before 2000-01-01 is almost certainly seconds sent where milliseconds were expected.
MIN_TIMESTAMP_MS = 946_684_800_000
MAX_EVENTS_PER_BATCH = 500
# What one event's `count` can weigh in its listener's profile: a history import keeps its proportions up
# to a year of an item on repeat, and one event cannot outweigh everything else the listener did.
MAX_COUNTED_PLAYS = 10_000


TYPES_WITH_MS_PLAYED = frozenset({EventType.PLAY, EventType.SKIP})


def _to_epoch_ms(value: Any) -> int:
    """Accept epoch milliseconds (a JSON integer) or an ISO-8601 string; never a bool or a float."""
    if isinstance(value, bool):
        raise ValueError("timestamp must be epoch milliseconds or an ISO-8601 string, not a boolean")
    if isinstance(value, int):
        if value < MIN_TIMESTAMP_MS:
            raise ValueError("timestamp looks like seconds or is before 2000: send epoch milliseconds")
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("timestamp is not a valid ISO-8601 date-time") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        ms = int(parsed.timestamp() * 1000)
        if ms < MIN_TIMESTAMP_MS:
            raise ValueError("timestamp is before 2000")
        return ms
    raise ValueError("timestamp must be epoch milliseconds or an ISO-8601 string")


def _not_in_future(ms: int) -> int:
    if ms > clock.now_ms() + MAX_FUTURE_SKEW_MS:
        raise ValueError("timestamp is more than 5 minutes in the future")
    return ms


EpochMs = Annotated[
    int,
    BeforeValidator(_to_epoch_ms),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "integer", "description": "epoch milliseconds"},
                {"type": "string", "format": "date-time"},
            ],
            "examples": ["2026-11-20T18:04:05Z", 1763661845000],
        }
    ),
]

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class EventContext(BaseModel):
    # defer_build: validators are built at first use, not at import; each function builds only the models
    # it uses (mixtape.models says why).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    source: ShortText | None = Field(
        default=None, examples=["home"], description="Surface, e.g. home, search"
    )
    device: ShortText | None = Field(default=None, examples=["ios"])
    utc_offset_minutes: (
        Annotated[int, Field(strict=True, ge=-MAX_UTC_OFFSET_MINUTES, le=MAX_UTC_OFFSET_MINUTES)] | None
    ) = Field(
        default=None,
        examples=[60],
        description="The listener's UTC offset when the event happened: its local time of day feeds the "
        "profile's time-of-day taste (UTC without it)",
    )
    recommendation_id: RecommendationId | None = Field(
        default=None,
        description="The `recommendation_id` of the list the item was picked from: attributes the event to "
        "the list's experiment variants",
    )


class ListeningEvent(BaseModel):
    """One listening event as clients send it."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    event_id: EventId
    user_id: UserId
    item_id: ItemId
    type: EventType
    timestamp: Annotated[EpochMs, AfterValidator(_not_in_future)]
    ms_played: Annotated[int, Field(strict=True, ge=0, le=86_400_000)] | None = Field(
        default=None, description="Required for play and skip"
    )
    count: Annotated[int, Field(strict=True, ge=1, le=1_000_000)] = Field(
        default=1,
        description=(
            f"Aggregated plays, for importing listening history. Weighs as `count` plays in the listener's "
            f"own profile, up to {MAX_COUNTED_PLAYS:,}. Item popularity counts listeners, not plays: one "
            "listener adds at most one to an item per popularity period, whatever the count"
        ),
    )
    context: EventContext | None = None

    @model_validator(mode="after")
    def _ms_played_for_plays(self) -> Self:
        if self.type in TYPES_WITH_MS_PLAYED and self.ms_played is None:
            raise ValueError(f"ms_played is required for {self.type.value} events")
        if self.count != 1 and self.type is not EventType.PLAY:
            raise ValueError("count (aggregated plays) is only allowed on play events")
        return self


class EventBatch(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    events: list[ListeningEvent] = Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)


class StoredEvent(BaseModel):
    """An accepted event, normalised (epoch-ms timestamp) and stamped with its ingestion time.

    No future-timestamp check here: it is re-read after ingestion, when "now" has moved on.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    event_id: EventId
    user_id: UserId
    item_id: ItemId
    type: EventType
    timestamp: int
    ms_played: int | None = None
    count: int = 1
    context: EventContext | None = None
    ingested_at: int

    @classmethod
    def accept(cls, event: ListeningEvent, ingested_at: int) -> "StoredEvent":
        # The event's field values as they are (`__dict__`: a validated model's fields, nothing else with
        # extra="forbid"): the nested context model is passed as is, not dumped and validated again.
        # `dict(event)` would go through pydantic's __iter__, a Python generator over the same dict.
        return cls(**event.__dict__, ingested_at=ingested_at)


class ProfileUpdateMessage(BaseModel):
    """Body of a profile-update queue message: accepted events of one user."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    user_id: UserId
    events: list[StoredEvent] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_user(self) -> Self:
        if any(e.user_id != self.user_id for e in self.events):
            raise ValueError("all events of a profile-update message belong to its user")
        return self


class ErasureFollowUp(BaseModel):
    """Body of the delayed profile-update message an erasure sends itself: purge once more the events
    an update that was already past its profile commit may have logged after the first purge."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    user_id: UserId
    erased_at: int
