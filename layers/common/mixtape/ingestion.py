"""Ingestion: validate → deduplicate → store → enqueue for profile update. HTTP and the ingest queue
both call `ingest_events`; `upsert_items` is the catalog's write path."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from mixtape.config import IngestSettings
from mixtape.errors import FieldError, InvalidInputError
from mixtape.models.catalog import CatalogItem
from mixtape.models.events import ListeningEvent, ProfileUpdateMessage, StoredEvent
from mixtape.profiles import MAX_EVENTS_PER_COMMIT
from mixtape.storage.base import CatalogStore, EventStore, ProfileUpdateQueue


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    duplicates: int
    enqueued: int


def profile_update_messages(events: Sequence[StoredEvent]) -> list[str]:
    """One message per user and up to one profile commit's worth of events, so a consumer applies a
    message with a single conditional write."""
    by_user: dict[str, list[StoredEvent]] = defaultdict(list)
    for event in events:
        by_user[event.user_id].append(event)
    return [
        ProfileUpdateMessage(
            user_id=user_id, events=user_events[i : i + MAX_EVENTS_PER_COMMIT]
        ).model_dump_json(exclude_none=True)
        for user_id, user_events in by_user.items()
        for i in range(0, len(user_events), MAX_EVENTS_PER_COMMIT)
    ]


def ingest_events(
    events: Sequence[ListeningEvent],
    store: EventStore,
    queue: ProfileUpdateQueue,
    settings: IngestSettings,
    now_ms: int,
) -> IngestResult:
    """Store each new event once and enqueue it. A duplicate whose stored copy has not been folded into
    the profile yet is enqueued again: the earlier attempt may have stored it and then failed to enqueue,
    and profile updates are idempotent, so re-sending is safe and nothing accepted is lost."""
    unique: dict[tuple[str, str], ListeningEvent] = {}
    for event in events:
        unique.setdefault((event.user_id, event.event_id), event)
    stored = [StoredEvent.accept(e, ingested_at=now_ms) for e in unique.values()]
    expires_at_s = now_ms // 1000 + settings.event_retention_days * 86_400
    outcomes = store.put_new(stored, expires_at_s)
    pending = [o.event for o in outcomes if o.is_new or not o.applied]
    queue.send(profile_update_messages(pending))
    accepted = sum(1 for o in outcomes if o.is_new)
    return IngestResult(accepted=accepted, duplicates=len(events) - accepted, enqueued=len(pending))


def upsert_items(
    items: Sequence[CatalogItem], store: CatalogStore, settings: IngestSettings, now_ms: int
) -> int:
    """Validate what the schema cannot know (the configured embedding size), then write the batch."""
    errors = [
        FieldError(
            field=f"items[{index}].embedding",
            index=index,
            message=f"has {len(item.embedding)} values; this deployment expects {settings.embedding_dim}",
        )
        for index, item in enumerate(items)
        if item.embedding is not None and len(item.embedding) != settings.embedding_dim
    ]
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.item_id in seen:
            errors.append(
                FieldError(
                    field=f"items[{index}].item_id", index=index, message="item_id appears twice in the batch"
                )
            )
        seen.add(item.item_id)
    if errors:
        raise InvalidInputError(errors=errors)
    return store.upsert(items, now_ms)
