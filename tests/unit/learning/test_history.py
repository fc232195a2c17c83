"""The trainer's input from the applied-events log (mixtape.learning.history), checked against the profile
the same events were folded into by the real apply path, and against hand-computed weights."""

import numpy as np
import pytest

from mixtape.config import ProfileLimits, ProfileSettings
from mixtape.learning.history import add_events, interactions
from mixtape.models.event_type import EventType
from mixtape.models.events import MAX_COUNTED_PLAYS, StoredEvent
from mixtape.profiles.apply import apply_user_events
from mixtape.storage.memory import MemoryEventStore, MemoryProfileStore
from mixtape.storage.ports import LoggedEvent
from tests.unit.conftest import DAY_MS, NOW_MS, stored

TYPES = [
    EventType.PLAY,
    EventType.SKIP,
    EventType.LIKE,
    EventType.SAVE,
    EventType.DISLIKE,
    EventType.IMPRESSION,
]


def _history(n_items: int, n_events: int, seed: int = 3) -> list[StoredEvent]:
    """One listener's mixed history over the last 20 days: plays (some repeated), quick and late skips,
    likes, saves, dislikes and impressions, spread over `n_items` items (each played at least once)."""
    rng = np.random.default_rng(seed)
    events = [
        stored(
            f"p{i:04d}",
            f"it-{i:04d}",
            ts=NOW_MS - int(rng.integers(1, 20 * DAY_MS)),
            count=int(rng.integers(1, 4)),
        )
        for i in range(n_items)
    ]
    for n in range(n_events - n_items):
        kind = TYPES[int(rng.integers(len(TYPES)))]
        events.append(
            stored(
                f"e{n:04d}",
                f"it-{int(rng.integers(n_items)):04d}",
                kind,
                ts=NOW_MS - int(rng.integers(1, 20 * DAY_MS)),
                ms_played=int(rng.integers(0, 60_000)),
            )
        )
    return events


def _applied(
    events: list[StoredEvent], settings: ProfileSettings
) -> tuple[MemoryProfileStore, MemoryEventStore]:
    """The events through the profile updater's own path: folded into the profile, then logged."""
    profiles, log = MemoryProfileStore(), MemoryEventStore()
    apply_user_events("u-1", events, {}, profiles, log, settings, NOW_MS)
    return profiles, log


def _input(log: MemoryEventStore, settings: ProfileSettings, now_ms: int = NOW_MS) -> dict[str, float]:
    return {item: weight for _, item, weight in interactions(log.logged_events(), settings, now_ms)}


def test_under_the_caps_it_is_the_profiles_positive_item_weights(profile_settings: ProfileSettings):
    profiles, log = _applied(_history(n_items=60, n_events=400), profile_settings)
    profile = profiles.profiles["u-1"]
    assert len(profile.items) == 60  # under max_items: the profile holds every item
    factor = profile.decay_factor(NOW_MS, profile_settings.half_life_ms)
    expected = {item: value * factor for item, value in profile.items.items() if value > 0}
    assert 0 < len(expected) < 60  # dislikes and skips turned some items negative
    assert _input(log, profile_settings) == pytest.approx(expected, rel=1e-9)


def test_over_the_caps_every_item_reaches_the_trainer(profile_settings: ProfileSettings):
    """400 items played: the profile keeps its 300 strongest, the trainer gets all 400."""
    events = _history(n_items=400, n_events=400)
    profiles, log = _applied(events, profile_settings)
    assert len(profiles.profiles["u-1"].items) == ProfileLimits().max_items == 300
    weights = _input(log, profile_settings)
    assert set(weights) == {e.item_id for e in events}
    factor = 2.0 ** (-1 / profile_settings.half_life_ms)
    for event in events:  # one play event per item: its decayed plays, nothing capped
        assert weights[event.item_id] == pytest.approx(event.count * factor ** (NOW_MS - event.timestamp))


def test_dislikes_and_skips_drop_an_item_and_impressions_weigh_nothing(profile_settings: ProfileSettings):
    ts = NOW_MS - DAY_MS
    events = [
        stored("a1", "a", ts=ts),
        stored("a2", "a", EventType.DISLIKE, ts=ts),  # 1 - 6 < 0
        stored("b1", "b", ts=ts),
        stored("b2", "b", EventType.SKIP, ts=ts, ms_played=1_000),  # quick skip: 1 - 1 = 0
        stored("c1", "c", EventType.SKIP, ts=ts, ms_played=120_000),  # a late skip alone: -0.3
        stored("d1", "d", EventType.IMPRESSION, ts=ts),
        stored("e1", "e", EventType.LIKE, ts=ts),
    ]
    _, log = _applied(events, profile_settings)
    decay = 2.0 ** (-DAY_MS / profile_settings.half_life_ms)
    assert _input(log, profile_settings) == pytest.approx({"e": profile_settings.event_weights.like * decay})


def test_entries_past_their_retention_no_longer_count(profile_settings: ProfileSettings):
    _, log = _applied([stored("a1", "a"), stored("b1", "b")], profile_settings)
    retention_ms = profile_settings.event_retention_days * DAY_MS
    assert set(_input(log, profile_settings, NOW_MS + retention_ms - 1_000)) == {"a", "b"}
    # TTL deletes lazily: the entries are still read, and ignored once their expiry has passed.
    assert len(log.logged_events()) == 2
    assert _input(log, profile_settings, NOW_MS + retention_ms) == {}


def test_events_ingested_up_to_an_erasure_never_count(profile_settings: ProfileSettings):
    early = stored("a1", "a").model_copy(update={"ingested_at": NOW_MS - 10})
    late = stored("b1", "b").model_copy(update={"ingested_at": NOW_MS + 10})
    other = stored("c1", "c", user_id="u-2").model_copy(update={"ingested_at": NOW_MS - 10})
    logged = [LoggedEvent(e, NOW_MS // 1000 + 3_600) for e in (early, late, other)]
    rows = interactions(logged, profile_settings, NOW_MS + 20, erased_at={"u-1": NOW_MS})
    assert {(user, item) for user, item, _ in rows} == {("u-1", "b"), ("u-2", "c")}


def test_a_count_weighs_as_many_plays_up_to_the_profiles_bound(profile_settings: ProfileSettings):
    big = stored("a1", "a", ts=NOW_MS, count=MAX_COUNTED_PLAYS * 3)
    small = stored("b1", "b", ts=NOW_MS, count=7)
    logged = [LoggedEvent(e, NOW_MS // 1000 + 60) for e in (big, small)]
    assert {i: w for _, i, w in interactions(logged, profile_settings, NOW_MS)} == {
        "a": float(MAX_COUNTED_PLAYS),
        "b": 7.0,
    }


def test_memory_grows_with_listener_item_pairs_not_events(profile_settings: ProfileSettings):
    events = [stored(f"e{n}", f"it-{n % 5}", user_id=f"u-{n % 2}") for n in range(200)]
    totals = add_events({}, (LoggedEvent(e, NOW_MS // 1000 + 60) for e in events), profile_settings, NOW_MS)
    assert len(totals) == 10  # 2 listeners x 5 items, whatever the number of events
    assert sum(totals.values()) == pytest.approx(200 * 2.0 ** (-DAY_MS / profile_settings.half_life_ms))
