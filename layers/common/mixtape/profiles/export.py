"""Right of access: every datum held about a listener (the stored profile and its heard filter, the
applied-events log still within retention, the erasure state, the preferences), next to erasure
(mixtape.profiles.erasure)."""

import base64

from mixtape.errors import NotFoundError
from mixtape.models.api import (
    ErasureState,
    ExportedEvent,
    ExportedHeard,
    ExportedProfile,
    ExportedRecentPlay,
    ExportResponse,
)
from mixtape.models.heard import HeardFilter
from mixtape.models.profile import Profile
from mixtape.storage.ports import EventStore, LoggedEvent, ProfileStore

# Events per reply: a listener's log can outgrow one Lambda response, so the export pages it.
DEFAULT_EVENTS_PER_PAGE = 1000
MAX_EVENTS_PER_PAGE = 5000


def export_user(
    user_id: str,
    events: EventStore,
    profiles: ProfileStore,
    now_ms: int,
    *,
    after: str | None = None,
    limit: int = DEFAULT_EVENTS_PER_PAGE,
) -> ExportResponse:
    """The profile and erasure state, and one page of the log (the events after the event id `after`).
    NotFoundError when nothing is held: no profile row (not even a tombstone) and no logged event."""
    profile = profiles.get(user_id, consistent=True)
    logged, next_after = events.user_events(user_id, unexpired_at_s=now_ms // 1000, after=after, limit=limit)
    if profile is None and not logged and after is None:
        raise NotFoundError(f"nothing is held about user {user_id}")
    erased_at = profile.erased_at if profile is not None else 0
    return ExportResponse(
        user_id=user_id,
        exported_at=now_ms,
        profile=_profile(profile) if profile is not None and profile.has_history() else None,
        events=[_event(entry) for entry in logged],
        next_after=next_after,
        erasure=ErasureState(erased_at=erased_at) if erased_at else None,
        preferences=profile.preferences if profile is not None else None,
    )


def _profile(profile: Profile) -> ExportedProfile:
    return ExportedProfile(
        version=profile.version,
        ref_ms=profile.ref_ms,
        updated_at=profile.updated_at,
        last_event_at=profile.last_event_at,
        items=dict(profile.items),
        artists=dict(profile.artists),
        genres=dict(profile.genres),
        dayparts={part: dict(genres) for part, genres in profile.dayparts.items()},
        counts=dict(profile.counts),
        recent=[ExportedRecentPlay(item_id=r.item_id, ts=r.ts) for r in profile.recent],
        disliked=dict(profile.disliked),
        taste_sum=None if profile.taste_sum is None else [float(v) for v in profile.taste_sum],
        taste_weight=profile.taste_weight,
        model_version=profile.model_version,
        user_vector=None if profile.user_vector is None else [float(v) for v in profile.user_vector],
        pending=list(profile.pending),
        impressions=dict(profile.impressions),
        impressions_ref_ms=profile.impressions_ref_ms,
        heard=None if profile.heard is None else _heard(profile.heard),
    )


def _heard(heard: HeardFilter) -> ExportedHeard:
    return ExportedHeard(
        items=len(heard), layers=heard.layers, filter=base64.b64encode(heard.to_bytes()).decode("ascii")
    )


def _event(logged: LoggedEvent) -> ExportedEvent:
    event = logged.event
    return ExportedEvent(
        event_id=event.event_id,
        item_id=event.item_id,
        type=event.type,
        timestamp=event.timestamp,
        ms_played=event.ms_played,
        count=event.count,
        context=event.context.model_dump(exclude_none=True) if event.context is not None else None,
        ingested_at=event.ingested_at,
        expires_at=logged.expires_at_s,
    )
