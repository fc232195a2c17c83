"""What an import sends: catalog items, then event batches, as JSON the API's models accept."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from local import lastfm

# Mirrors of the API's limits (mixtape/models: ItemBatch, EventBatch, ListeningEvent.count); mirrored so
# the importer runs without the layer on sys.path; tests/unit/local/test_importer.py checks they agree.
MAX_ITEMS_PER_REQUEST = 500
MAX_EVENTS_PER_REQUEST = 500
MAX_PLAY_COUNT = 1_000_000
# Plays require ms_played, but the dataset has no durations. A play's weight ignores ms_played (only
# skips use it), so a nominal track length is honest enough.
NOMINAL_MS_PLAYED = 180_000
IMPORT_SOURCE = "lastfm-import"  # event context.source, so imported history is recognisable

Json = dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """Everything one import sends: catalog items, then event batches."""

    source: str
    items: list[Json]
    event_batches: list[list[Json]]  # each ≤ MAX_EVENTS_PER_REQUEST events, whole users where possible
    notes: list[str]  # what the reader skipped or dropped, for the summary


def catalog_item(artist: lastfm.Artist) -> Json:
    """Items are artists: the dataset has no tracks, and its play counts are per artist."""
    return {
        "item_id": lastfm.item_id_for(artist.artist_id),
        "title": artist.name,
        "artist_id": lastfm.artist_id_for(artist.artist_id),
        "artist_name": artist.name,
        "genres": list(artist.genres),
    }


def play_events(play: lastfm.Play, timestamp_ms: int, max_count: int = MAX_PLAY_COUNT) -> list[Json]:
    """One `play` event carrying the play count, split into several when it exceeds the API's maximum.

    Splitting (not capping) keeps every play: `lfm-<user>-<artist>` carries the first `max_count`
    plays, `lfm-<user>-<artist>-2`, `-3`, ... the rest. The ids depend only on the data, so a re-run
    sends the same ids and the server's deduplication makes it a no-op. (No Last.fm HetRec weight
    reaches the maximum; other sources may.)
    """
    base_id = f"lfm-{play.user_id}-{play.artist_id}"
    events = []
    for part, start in enumerate(range(0, play.weight, max_count), start=1):
        events.append(
            {
                "event_id": base_id if part == 1 else f"{base_id}-{part}",
                "user_id": lastfm.user_id_for(play.user_id),
                "item_id": lastfm.item_id_for(play.artist_id),
                "type": "play",
                "timestamp": timestamp_ms,
                "ms_played": NOMINAL_MS_PLAYED,
                "count": min(max_count, play.weight - start),
                "context": {"source": IMPORT_SOURCE},
            }
        )
    return events


def pack_groups[T](groups: Iterable[Sequence[T]], size: int) -> list[list[T]]:
    """Batches of at most `size`, keeping each group whole unless it alone exceeds `size`.

    Groups are users: the ingest handler sends one profile-update message per user and batch, so a user
    kept in one batch is folded in one profile commit instead of several racing ones.
    """
    batches: list[list[T]] = []
    current: list[T] = []
    for group in groups:
        for start in range(0, len(group), size):
            chunk = list(group[start : start + size])
            if len(current) + len(chunk) > size:
                batches.append(current)
                current = []
            current.extend(chunk)
    if current:
        batches.append(current)
    return batches


def lastfm_plan(data: lastfm.LastFm, timestamp_ms: int, limit_users: int | None = None) -> Plan:
    """Every artist as an item, and the play counts of the first `limit_users` users (by id) as events.

    All events of a run share one timestamp, the run's start time: the dataset has no play times, and
    its 2011 tagging dates would be useless anyway, since profiles decay with a 30-day half-life (an
    event from 2011 would weigh nothing). Sharing "now" makes the play counts the whole signal.
    Deduplication is by event id for `EventRetentionDays` after ingestion (30 days), so a re-run within
    that window changes nothing; after it, a re-run would count the history again.
    """
    all_users = data.users()
    users = all_users[:limit_users]
    by_user = data.plays_by_user()
    groups = [
        [event for play in by_user[user] for event in play_events(play, timestamp_ms)] for user in users
    ]
    notes = [
        f"{len(data.artists):,} artists, {len(all_users):,} users, {len(data.plays):,} play counts; "
        f"importing the plays of {len(users):,} users",
        f"{len(data.dropped_tags):,} tags dropped as genres (too long or control characters)",
        f"{data.skipped_plays:,} play rows and {data.skipped_taggings:,} tag rows skipped "
        "(unknown artist or tag, or weight < 1)",
    ]
    return Plan(
        source="lastfm",
        items=[catalog_item(artist) for artist in data.artists.values()],
        event_batches=pack_groups(groups, MAX_EVENTS_PER_REQUEST),
        notes=notes,
    )
