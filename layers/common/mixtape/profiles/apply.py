"""Fold listening events into taste profiles: the decay math (pure) and the optimistic commit loop."""

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mixtape.catalog import popularity, trending
from mixtape.config import ProfileSettings
from mixtape.errors import ConcurrentUpdateError, StorageUnavailableError
from mixtape.learning import history
from mixtape.learning.foldin import fold_in
from mixtape.models.artifact import ModelArtifact
from mixtape.models.catalog import ItemFeatures
from mixtape.models.context import Daypart
from mixtape.models.event_type import EventType
from mixtape.models.events import StoredEvent
from mixtape.models.profile import Profile, RecentItem
from mixtape.profiles.heard import heard_of, past_limits
from mixtape.profiles.impressions import add_impression, keep_strongest
from mixtape.runtime.observability import logger
from mixtape.storage.ports import EventStore, ProfileStore, VersionConflictError

# Events folded per profile commit: bounds the ids a commit adds to the profile's `pending` list.
MAX_EVENTS_PER_COMMIT = 100
MAX_PENDING_IDS = 1_000
# Rebase the reference time once stored sums would grow past 2**REBASE_AFTER_HALF_LIVES.
REBASE_AFTER_HALF_LIVES = 32.0
POSITIVE_RECENT_TYPES = frozenset({EventType.PLAY, EventType.LIKE, EventType.SAVE, EventType.PLAYLIST_ADD})


def _rebase(profile: Profile, ts_ms: int, half_life_ms: float) -> None:
    """Move the reference time forward so stored sums stay small; the represented values don't change."""
    if profile.ref_ms == 0:
        profile.ref_ms = ts_ms
        return
    if (ts_ms - profile.ref_ms) / half_life_ms <= REBASE_AFTER_HALF_LIVES:
        return
    factor = 2.0 ** ((profile.ref_ms - ts_ms) / half_life_ms)
    for table in (profile.items, profile.artists, profile.genres, *profile.dayparts.values()):
        for key in table:
            table[key] *= factor
    if profile.taste_sum is not None:
        profile.taste_sum *= factor
    profile.taste_weight *= factor
    profile.ref_ms = ts_ms


def _top_by_magnitude(table: dict[str, float], keep: int) -> dict[str, float]:
    if len(table) <= keep:
        return table
    return dict(heapq.nlargest(keep, table.items(), key=lambda kv: (abs(kv[1]), kv[0])))


def fold_events(
    profile: Profile,
    events: Iterable[StoredEvent],
    features: Mapping[str, ItemFeatures],
    settings: ProfileSettings,
    model: ModelArtifact | None = None,
) -> Profile:
    """Apply events to a copy of `profile`. Order-independent (up to float rounding and the size caps).
    With a model, the listener is folded into it again so the stored vector matches the new history."""
    return fold(profile, events, features, settings, model).profile


@dataclass(frozen=True, slots=True)
class Fold:
    profile: Profile
    # The events that credit item popularity: the listener's first positive one per item and bucket.
    popular: list[StoredEvent]
    non_finite: int  # events whose affinity or item embedding was not finite: not folded (or not into taste)
    # The trend counters credited: the listener's first positive event per item and hour, and per day.
    trend: tuple[trending.Credit, ...] = ()


def _add_taste(profile: Profile, embedding: npt.NDArray[np.float32], decayed: float) -> bool:
    """Add an item's embedding to the taste sum; False (and nothing added) if the product is not finite:
    one such term would make the sum, and so the listener's taste vector, non-finite for good."""
    contribution = decayed * embedding.astype(np.float64)
    if not np.isfinite(contribution).all():
        return False
    if profile.taste_sum is None:
        profile.taste_sum = np.zeros(embedding.shape[0], dtype=np.float64)
    if profile.taste_sum.shape == embedding.shape:
        profile.taste_sum += contribution
        profile.taste_weight += abs(decayed)
    return True


def _forgotten_until(profile: Profile, settings: ProfileSettings) -> int:
    """Interactions at or before this time may be missing from `recent`: the list keeps only the newest
    `max_recent` items (so once it is full, anything older than its oldest entry may have been dropped),
    and an erasure dropped everything before it."""
    full = len(profile.recent) >= settings.limits.max_recent
    oldest = min((r.ts for r in profile.recent), default=0) if full else 0
    return max(oldest, profile.erased_at)


def _credits_popularity(previous: int | None, bucket: int, forgotten_until: int) -> bool:
    """Whether a positive event in `bucket` is the listener's first for its item there, given the item's
    latest positive interaction so far (None: none remembered)."""
    if previous is not None:
        return popularity.epoch_of(previous) < bucket
    return forgotten_until == 0 or popularity.epoch_of(forgotten_until) < bucket


def _keep_within_limits(folded: Profile, recent: dict[str, int], settings: ProfileSettings) -> None:
    """The profile's tables cut to their size limits (the strongest, the newest kept), `recent` (item ->
    its newest positive interaction) as the profile's recent items. A cut of a table `known_items()`
    reads marks it incomplete: from then on the heard filter decides (mixtape.models.heard)."""
    limits = settings.limits
    folded.known_complete = folded.known_complete and not past_limits(folded, recent, settings)
    folded.items = _top_by_magnitude(folded.items, limits.max_items)
    folded.artists = _top_by_magnitude(folded.artists, limits.max_artists)
    folded.genres = _top_by_magnitude(folded.genres, limits.max_genres)
    folded.impressions = keep_strongest(folded.impressions, limits.max_impressions)
    folded.dayparts = {
        part: _top_by_magnitude(genres, limits.max_daypart_genres)
        for part, genres in sorted(folded.dayparts.items())
        if genres
    }
    newest = heapq.nlargest(limits.max_recent, recent.items(), key=lambda kv: (kv[1], kv[0]))
    folded.recent = [RecentItem(item_id=item_id, ts=ts) for item_id, ts in newest]
    if len(folded.disliked) > limits.max_disliked:
        kept = heapq.nlargest(limits.max_disliked, folded.disliked.items(), key=lambda kv: (kv[1], kv[0]))
        folded.disliked = dict(kept)


def fold(
    profile: Profile,
    events: Iterable[StoredEvent],
    features: Mapping[str, ItemFeatures],
    settings: ProfileSettings,
    model: ModelArtifact | None = None,
) -> Fold:
    """`fold_events`, also naming the events that credit popularity (each listener adds at most one to an
    item per bucket, whatever `count` says: "popular now" counts listeners, not plays) and how many
    non-finite values were kept out of the profile."""
    folded = profile.clone()
    half_life = settings.half_life_ms
    weights = settings.event_weights
    recent = {r.item_id: r.ts for r in folded.recent}
    forgotten_until = _forgotten_until(profile, settings)
    popular: list[StoredEvent] = []
    trend: list[trending.Credit] = []
    non_finite = 0
    known, folded.known_complete = heard_of(folded, settings)  # before any event: as stored
    heard: list[str] = []  # every item an event makes known (what `known_items()` would name uncapped)
    for event in sorted(events, key=lambda e: (e.timestamp, e.event_id)):
        if event.type is EventType.IMPRESSION:  # never a play: only the item's fatigue moves
            add_impression(folded, event.item_id, event.timestamp, settings.impression_half_life_ms)
            folded.counts[event.type.value] = folded.counts.get(event.type.value, 0) + 1
            continue
        _rebase(folded, event.timestamp, half_life)
        # The trainer's history fold weighs an event with the same two functions (mixtape.learning.history).
        w = history.event_weight(event, weights, settings.quick_skip_ms)
        decayed = history.decayed(w, event.timestamp, folded.ref_ms, half_life)
        if not math.isfinite(decayed):  # cannot happen with bounded counts and rebasing; never store one
            non_finite += 1
            continue
        folded.items[event.item_id] = folded.items.get(event.item_id, 0.0) + decayed
        heard.append(event.item_id)
        item = features.get(event.item_id)
        if item is not None:
            folded.artists[item.artist_id] = folded.artists.get(item.artist_id, 0.0) + decayed
            offset = event.context.utc_offset_minutes if event.context is not None else None
            daypart = folded.dayparts.setdefault(Daypart.of_event(event.timestamp, offset).value, {})
            for genre in item.genres:
                folded.genres[genre] = folded.genres.get(genre, 0.0) + decayed / len(item.genres)
                daypart[genre] = daypart.get(genre, 0.0) + decayed / len(item.genres)
            if item.embedding is not None and not _add_taste(folded, item.embedding, decayed):
                non_finite += 1
        folded.counts[event.type.value] = folded.counts.get(event.type.value, 0) + event.count
        if event.type in POSITIVE_RECENT_TYPES and w > 0:
            previous = recent.get(event.item_id)
            if _credits_popularity(previous, popularity.epoch_of(event.timestamp), forgotten_until):
                popular.append(event)
            trend.extend(trending.credits(event, previous, forgotten_until))
            recent[event.item_id] = max(event.timestamp, previous or 0)
        elif event.type is EventType.DISLIKE:
            folded.disliked[event.item_id] = max(event.timestamp, folded.disliked.get(event.item_id, 0))
        folded.last_event_at = max(folded.last_event_at, event.timestamp)

    known.add(sorted(heard), settings.heard)  # sorted: the layers do not depend on event order
    folded.heard = known
    _keep_within_limits(folded, recent, settings)
    # Without a model (none trained yet, or it could not be read) the stored vector would go stale:
    # drop it, and readers fold the listener in themselves.
    folded.user_vector = fold_in(model, folded.weights_as_of_latest(half_life)) if model else None
    folded.model_version = model.version if model else None
    return Fold(folded, popular, non_finite, tuple(trend))


@dataclass(frozen=True, slots=True)
class ApplyResult:
    applied: list[StoredEvent]  # folded into the profile by this call
    popular: list[StoredEvent]  # of those, the ones that credit item popularity (see `fold`)
    already_applied: int  # duplicates: redelivered, re-sent, or repeated in the batch
    erased: int  # dropped: ingested before the listener's erasure
    writes: int  # profile commits
    stored: int  # events written to the events table (this call's and earlier unconfirmed ones)
    unstored: int  # applied but not logged (events table unavailable): the message must come back
    non_finite: int = 0  # events whose non-finite affinity or item embedding was kept out of the profile
    trend: tuple[trending.Credit, ...] = ()  # of the applied events, their trend credits (see `fold`)


def _pending_after(previous: list[str], unconfirmed: set[str], fresh: Sequence[StoredEvent]) -> list[str]:
    """Ids still to confirm, oldest first, bounded so a long events-table outage cannot grow the item
    without limit (past the cap an unconfirmed event, if ever delivered again, would count twice)."""
    kept = [i for i in previous if i in unconfirmed] + [e.event_id for e in fresh]
    return kept[-MAX_PENDING_IDS:]


def apply_user_events(
    user_id: str,
    events: Sequence[StoredEvent],
    features: Mapping[str, ItemFeatures],
    store: ProfileStore,
    log: EventStore,
    settings: ProfileSettings,
    now_ms: int,
    model: ModelArtifact | None = None,
) -> ApplyResult:
    """Fold one user's events into the stored profile, each event exactly once, then store them.

    The events table holds only applied events, written right after the commit that applied them; the
    profile keeps the ids it applied whose stored copy is not confirmed yet (`pending`). So an event has
    been applied iff it is stored or pending, and a redelivered or re-sent event is recognised by one
    consistent batched read: no per-event mark, no transaction, one conditional profile write per
    commit. A version conflict re-reads and refolds; events ingested before an erasure are dropped.
    """
    unique = list({e.event_id: e for e in events}.values())
    expires_at_s = now_ms // 1000 + settings.event_retention_days * 86_400
    applied: list[StoredEvent] = []
    popular: list[StoredEvent] = []
    trend: list[trending.Credit] = []
    already = len(events) - len(unique)
    erased = writes = stored_count = unstored = non_finite = 0
    for start in range(0, len(unique), MAX_EVENTS_PER_COMMIT):
        chunk = unique[start : start + MAX_EVENTS_PER_COMMIT]
        for _attempt in range(settings.max_update_attempts):
            current = store.get(user_id, consistent=True) or Profile(user_id=user_id)
            live = [e for e in chunk if e.ingested_at > current.erased_at]
            pending = set(current.pending)
            keys = [(user_id, i) for i in {e.event_id for e in live} | pending]
            stored = {event_id for _, event_id in log.stored(keys, consistent=True)}
            unconfirmed = pending - stored
            fresh = [e for e in live if e.event_id not in stored and e.event_id not in pending]
            credits: list[StoredEvent] = []
            trend_credits: tuple[trending.Credit, ...] = ()
            if fresh:
                result = fold(current, fresh, features, settings, model)
                updated, credits, trend_credits = result.profile, result.popular, result.trend
                non_finite += result.non_finite
                if result.non_finite:
                    extra = {"user_id": user_id, "events": result.non_finite}
                    logger.warning("non-finite values kept out of a profile", extra=extra)
                updated.version = current.version + 1
                updated.updated_at = now_ms
                updated.pending = _pending_after(current.pending, unconfirmed, fresh)
                try:
                    store.commit(updated, current.version)
                except VersionConflictError:
                    continue
                writes += 1
            to_store = [e for e in live if e.event_id in unconfirmed] + fresh
            try:
                failed = len(log.put_applied(to_store, expires_at_s)) if to_store else 0
            except StorageUnavailableError:
                failed = len(to_store)
            applied.extend(fresh)
            popular.extend(credits)
            trend.extend(trend_credits)
            already += len(live) - len(fresh)
            erased += len(chunk) - len(live)
            stored_count += len(to_store) - failed
            unstored += failed  # still pending in the profile: a redelivery of the message logs them
            break
        else:
            raise ConcurrentUpdateError(f"profile of {user_id} kept changing; giving up for now")
    return ApplyResult(
        applied=applied,
        popular=popular,
        already_applied=already,
        erased=erased,
        writes=writes,
        stored=stored_count,
        unstored=unstored,
        non_finite=non_finite,
        trend=tuple(trend),
    )
