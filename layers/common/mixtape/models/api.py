"""Request and response shapes of the HTTP API (the OpenAPI document is generated from these)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from mixtape.models.context import Daypart
from mixtape.models.event_type import EventType
from mixtape.models.experiment import Assignment, RecommendationId
from mixtape.models.preferences import Preferences
from mixtape.models.reason import ReasonCode


class _Out(BaseModel):
    # defer_build: validators are built at first use, not at import; each function builds only the models
    # it uses (mixtape.models says why).
    model_config = ConfigDict(frozen=True, defer_build=True)


class IngestResponse(_Out):
    accepted: int = Field(
        description="Events queued for the profile. Each counts once: a resent event still in flight is "
        "accepted again and recognised by the profile update"
    )
    duplicates: int = Field(
        description="Events already applied to the profile (same user_id and event_id), or repeated in "
        "this batch: not counted again"
    )


class UpsertItemsResponse(_Out):
    upserted: int
    catalog_version: int


class ItemView(_Out):
    item_id: str
    title: str
    artist_id: str
    artist_name: str
    genres: list[str]
    explicit: bool
    release_date: str | None = None
    duration_ms: int | None = None


class ScoredItem(ItemView):
    score: float
    reason: str = Field(
        description="Short human-readable explanation", examples=["because you listen to Nova"]
    )
    reason_code: ReasonCode


class ServedContext(_Out):
    """The context the list was ranked in."""

    surface: str | None
    device: str | None
    daypart: Daypart | None = Field(description="From `local_time`: whose genres were boosted")
    explore: float = Field(description="The share of the list given to exploration (after presets)")
    activity: str | None = Field(
        description="The listener's activity level (RANKING_ACTIVITY: by how many distinct items they "
        "heard), whose weights the list was ranked with; null when none applied (no profile yet, or no "
        "level holds their count)",
    )


class RecommendationsResponse(_Out):
    user_id: str
    recommendation_id: RecommendationId = Field(
        description="This list's id; send it back in events' `context.recommendation_id` to attribute them "
        "to its experiment variants"
    )
    cold_start: bool = Field(description="True when the listener has no usable history: popular items")
    catalog_version: int
    model_version: str | None = Field(default=None, description="Learned model that ranked the list, if any")
    context: ServedContext
    experiments: list[Assignment] = Field(
        description="The listener's variant of each running experiment (also in X-Mixtape-Variant)"
    )
    items: list[ScoredItem]


class SimilarItemsResponse(_Out):
    item_id: str
    items: list[ScoredItem]


class ArtistAffinity(_Out):
    artist_id: str
    artist_name: str | None
    affinity: float


class GenreAffinity(_Out):
    genre: str
    affinity: float


class RecentPlay(_Out):
    item_id: str
    title: str | None
    artist_name: str | None
    timestamp: int


class ProfileResponse(_Out):
    user_id: str
    version: int
    updated_at: int = Field(description="Epoch ms of the last profile write")
    last_event_at: int = Field(description="Epoch ms of the newest event folded in")
    top_artists: list[ArtistAffinity] = Field(description="Decayed affinities as of now, strongest first")
    top_genres: list[GenreAffinity]
    counts: dict[str, int] = Field(description="Events by type (plays counted with their `count`)")
    recent_items: list[RecentPlay]
    disliked_items: list[str]
    has_taste_vector: bool


class ErasureResponse(_Out):
    user_id: str
    deleted_events: int
    profile_deleted: bool


class ExportedRecentPlay(_Out):
    item_id: str
    ts: int = Field(description="Epoch ms of the play")


class ExportedHeard(_Out):
    """The listener's already-heard filter as stored: a scalable Bloom filter of item ids (it holds no id
    itself; each item was hashed into bits), never recommended back."""

    items: int = Field(description="Items added (one it seemed to hold already, a false positive, is not)")
    layers: int
    filter: str = Field(description="The stored bytes, base64 (mixtape.models.heard's versioned format)")


class ExportedProfile(_Out):
    """The taste profile exactly as stored (affinities are decayed sums relative to `ref_ms`)."""

    version: int
    ref_ms: int = Field(description="Epoch ms the stored affinities are relative to")
    updated_at: int
    last_event_at: int
    items: dict[str, float] = Field(description="Item affinities (stored values)")
    artists: dict[str, float]
    genres: dict[str, float]
    dayparts: dict[str, dict[str, float]] = Field(description="Genre affinities per daypart (stored values)")
    counts: dict[str, int]
    recent: list[ExportedRecentPlay]
    disliked: dict[str, int] = Field(description="Item id → epoch ms of the latest dislike")
    taste_sum: list[float] | None = Field(description="Decayed weighted sum of played items' embeddings")
    taste_weight: float
    model_version: str | None = Field(description="Learned model the listener vector belongs to")
    user_vector: list[float] | None = Field(description="The listener folded into that model")
    pending: list[str] = Field(description="Applied events whose log entry is not confirmed yet")
    impressions: dict[str, float] = Field(
        default_factory=dict, description="Items shown: decayed count of showings (stored values)"
    )
    impressions_ref_ms: int = Field(
        default=0, description="Epoch ms the stored showing counts are relative to"
    )
    heard: ExportedHeard | None = Field(default=None, description="Everything heard, past the caps above")


class ExportedEvent(_Out):
    """One applied event of the log, as stored."""

    event_id: str
    item_id: str
    type: EventType
    timestamp: int = Field(description="Epoch ms of the listening")
    ms_played: int | None
    count: int
    context: dict[str, str | int] | None
    ingested_at: int = Field(description="Epoch ms the event was accepted")
    expires_at: int = Field(description="Epoch s its log entry expires (retention)")


class ErasureState(_Out):
    erased_at: int = Field(description="Epoch ms of the last erasure; events ingested before are dropped")


class ExportResponse(_Out):
    """Every datum held about the listener: the right of access, next to erasure (DELETE)."""

    user_id: str
    exported_at: int = Field(description="Epoch ms")
    profile: ExportedProfile | None = Field(description="null when nothing was folded in since an erasure")
    events: list[ExportedEvent] = Field(
        description="The applied-events log still within retention, in event-id order: one page"
    )
    next_after: str | None = Field(
        description="More events may follow: ask again with `after` set to this; null on the last page"
    )
    erasure: ErasureState | None = Field(description="Set when the listener was erased")
    preferences: Preferences | None = Field(
        default=None, description="Seed and muted artists and genres, when the listener set them"
    )


class HealthResponse(_Out):
    status: Literal["ok"]
    version: str
    catalog_items: int = Field(
        description="Items in this container's catalog index (health loads it, as a first request would)"
    )
    catalog_version: int
    model_version: str | None = Field(default=None, description="Learned model this container serves")


class FieldErrorView(_Out):
    field: str = Field(examples=["events[3].timestamp"])
    index: int | None = Field(default=None, description="Index in the batch, when the field is in one")
    message: str
    type: str


class ErrorDetail(_Out):
    code: str = Field(examples=["validation_error"])
    message: str
    fields: list[FieldErrorView] = Field(default_factory=list)
    request_id: str | None = None


class ErrorResponse(_Out):
    error: ErrorDetail


class GatewayErrorResponse(_Out):
    """What API Gateway itself answers, before any function runs: its JWT authorizer's 401/403, and 404
    for a request no route takes."""

    message: str = Field(examples=["Unauthorized"])


class GatewayOrErrorResponse(RootModel[ErrorResponse | GatewayErrorResponse]):
    """A status both API Gateway and the function may answer (401, 403, 404), each with its own body."""

    model_config = ConfigDict(frozen=True, defer_build=True)


def error_body(code: str, message: str, fields: list[FieldErrorView] | None = None, **extra: Any) -> str:
    return ErrorResponse(
        error=ErrorDetail(code=code, message=message, fields=fields or [], **extra)
    ).model_dump_json()
