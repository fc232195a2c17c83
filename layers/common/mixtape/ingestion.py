"""Ingestion: validate → drop known duplicates → enqueue for profile update. HTTP and the ingest queue
(read by `queue_message_events`) both call `ingest_events`; `upsert_items` is the catalog's write path.
Events are stored by the profile updater once applied (see mixtape.profiles.apply), so ingestion writes
nothing to DynamoDB."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import TypeAdapter

from mixtape.config import IngestSettings
from mixtape.errors import FieldError, InvalidInputError
from mixtape.models.catalog import CatalogItem
from mixtape.models.events import EventBatch, ListeningEvent, ProfileUpdateMessage, StoredEvent
from mixtape.storage.ports import CatalogStore, EventStore, ProfileUpdateQueue

# Events per queue message: one profile commit's worth (see mixtape.profiles.apply.MAX_EVENTS_PER_COMMIT).
MAX_EVENTS_PER_MESSAGE = 100
_queue_message = TypeAdapter[EventBatch | ListeningEvent](EventBatch | ListeningEvent)


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    duplicates: int


def queue_message_events(body: str) -> list[ListeningEvent]:
    """The events of a bulk-ingest queue message: a batch `{"events": [...]}` or a single event. Anything
    else raises pydantic's ValidationError (a ValueError)."""
    message = _queue_message.validate_json(body)
    return message.events if isinstance(message, EventBatch) else [message]


def profile_update_messages(events: Sequence[StoredEvent]) -> list[str]:
    """One message per user and up to one profile commit's worth of events, so a consumer applies a
    message with a single conditional write."""
    by_user: dict[str, list[StoredEvent]] = defaultdict(list)
    for event in events:
        by_user[event.user_id].append(event)
    return [
        ProfileUpdateMessage(
            user_id=user_id, events=user_events[i : i + MAX_EVENTS_PER_MESSAGE]
        ).model_dump_json(exclude_none=True)
        for user_id, user_events in by_user.items()
        for i in range(0, len(user_events), MAX_EVENTS_PER_MESSAGE)
    ]


def ingest_events(
    events: Sequence[ListeningEvent],
    store: EventStore,
    queue: ProfileUpdateQueue,
    now_ms: int,
) -> IngestResult:
    """Enqueue every event not already in the applied-events log (one eventually consistent batched
    read). The profile updater is the exact deduplicator: an event still in flight, or re-sent by a
    client retry, is enqueued again and recognised there, so a retry can never lose an event."""
    unique: dict[tuple[str, str], ListeningEvent] = {}
    for event in events:
        unique.setdefault((event.user_id, event.event_id), event)
    known = store.stored(unique)
    pending = [StoredEvent.accept(e, ingested_at=now_ms) for key, e in unique.items() if key not in known]
    queue.send(profile_update_messages(pending))
    return IngestResult(accepted=len(pending), duplicates=len(events) - len(pending))


def upsert_items(
    items: Sequence[CatalogItem], store: CatalogStore, settings: IngestSettings, now_ms: int
) -> int:
    """Check what the models cannot know (the deployment's embedding length, which the served document
    states) and what JSON Schema cannot say (distinct ids in the batch), then write the batch."""
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
