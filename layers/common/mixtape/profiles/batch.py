"""A batch of profile-update messages: group by listener, fold each listener's events in one commit and
log them, then credit item popularity and trend counters (once per listener, item and bucket:
mixtape.profiles.apply.fold) in one `add_popularity` call for the whole batch.
One listener's failure fails only the messages that carried its events.

Listeners are applied side by side on a few threads: each one's reads and conditional writes touch only
its own profile and events, so they are independent, and a large batch (more listeners aggregated into
each item's popularity write) stays well inside the function's timeout."""

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from mixtape.catalog import popularity, trending
from mixtape.config import ProfileSettings
from mixtape.models.artifact import ModelArtifact
from mixtape.models.catalog import ItemFeatures
from mixtape.models.events import ProfileUpdateMessage, StoredEvent
from mixtape.profiles.apply import ApplyResult, apply_user_events
from mixtape.profiles.attribution import Attributions, attributions
from mixtape.runtime.observability import logger
from mixtape.storage.ports import CatalogStore, EventStore, ProfileStore


@dataclass
class BatchOutcome:
    failed_message_ids: set[str] = field(default_factory=set)
    users: int = 0
    applied: int = 0
    already_applied: int = 0
    erased: int = 0
    profile_writes: int = 0
    stored: int = 0
    non_finite: int = 0  # events a non-finite value was kept out of a profile for (mixtape.profiles.apply)
    attributed: Attributions = field(default_factory=Counter)  # applied events per experiment variant


def known[V](per_item: dict[str, V], features: Mapping[str, ItemFeatures]) -> dict[str, V]:
    return {item_id: value for item_id, value in per_item.items() if item_id in features}


def process_messages(
    messages: Sequence[tuple[str, ProfileUpdateMessage]],
    profiles: ProfileStore,
    log: EventStore,
    catalog: CatalogStore,
    settings: ProfileSettings,
    now_ms: int,
    model: ModelArtifact | None = None,
) -> BatchOutcome:
    """`messages` are (message id, parsed body). Returns the ids of the messages to retry."""
    events_by_user: dict[str, list[StoredEvent]] = defaultdict(list)
    messages_by_user: dict[str, set[str]] = defaultdict(set)
    for message_id, message in messages:
        events_by_user[message.user_id].extend(message.events)
        messages_by_user[message.user_id].add(message_id)

    outcome = BatchOutcome(users=len(events_by_user))
    features = catalog.features({e.item_id for events in events_by_user.values() for e in events})
    popular: list[StoredEvent] = []
    trend: list[trending.Credit] = []

    def apply(user_id: str) -> ApplyResult | None:
        try:
            events = events_by_user[user_id]
            return apply_user_events(user_id, events, features, profiles, log, settings, now_ms, model)
        except Exception as error:  # isolate one listener: its messages are retried, the others commit
            logger.warning("profile update failed", extra={"user_id": user_id, "error": repr(error)})
            return None

    workers = min(settings.apply_concurrency, len(events_by_user))
    if workers <= 1:
        results = [apply(user_id) for user_id in events_by_user]
    else:  # the clients' connection pool (mixtape.storage.clients) has room for these and the catalog's
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apply") as pool:
            results = list(pool.map(apply, events_by_user))  # in listener order: a deterministic outcome
    for user_id, result in zip(events_by_user, results, strict=True):
        if result is None:
            outcome.failed_message_ids |= messages_by_user[user_id]
            continue
        if result.unstored:  # applied, but the events log must still get them: redeliver
            logger.warning("applied events not logged", extra={"user_id": user_id, "events": result.unstored})
            outcome.failed_message_ids |= messages_by_user[user_id]
        popular.extend(result.popular)
        trend.extend(result.trend)
        outcome.applied += len(result.applied)
        outcome.already_applied += result.already_applied
        outcome.erased += result.erased
        outcome.profile_writes += result.writes
        outcome.stored += result.stored
        outcome.non_finite += result.non_finite
        outcome.attributed.update(attributions(result.applied))

    # Catalog items only: counters of an unknown id would be stored for nothing (readers skip them).
    deltas = known(popularity.contributions(popular, now_ms, settings.popularity_half_life_ms), features)
    counters = known(trending.counter_deltas(trend, now_ms), features)
    if deltas or counters:
        try:
            catalog.add_popularity(
                deltas, drop_before_epoch=popularity.epoch_of(now_ms) - 1, trend=counters, now_ms=now_ms
            )
        except Exception as error:  # popularity is a prior: never fail (and re-deliver) applied events for it
            items = len(deltas.keys() | counters.keys())
            logger.warning("popularity update failed", extra={"items": items, "error": repr(error)})
    return outcome
