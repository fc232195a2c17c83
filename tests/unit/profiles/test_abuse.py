"""No one caller can dominate what others get: popularity counts listeners once per item and bucket, a
play's `count` is bounded in its own profile, and a non-finite value never reaches a stored profile."""

import math
from collections.abc import Sequence

import numpy as np
import pytest

from mixtape.catalog import popularity
from mixtape.config import ProfileLimits, ProfileSettings
from mixtape.models.catalog import ItemFeatures
from mixtape.models.event_type import EventType
from mixtape.models.events import MAX_COUNTED_PLAYS, ProfileUpdateMessage, StoredEvent
from mixtape.models.profile import Profile
from mixtape.profiles.apply import fold, fold_events
from mixtape.profiles.batch import process_messages
from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore
from tests.unit.conftest import NOW_MS, make_item, stored

EPOCH_START = popularity.epoch_of(NOW_MS) * popularity.EPOCH_MS


def listeners(
    catalog: MemoryCatalogStore, item_id: str, settings: ProfileSettings, now: int = NOW_MS
) -> float:
    """The item's popularity as of `now`, in listeners (an event at `now` credits exactly 1)."""
    return popularity.score(catalog.records[item_id].popularity, now, settings.popularity_half_life_ms)


def deliver(
    batches: Sequence[Sequence[StoredEvent]],
    catalog: MemoryCatalogStore,
    profiles: MemoryProfileStore,
    log: MemoryEventStore,
    settings: ProfileSettings,
) -> None:
    """Each batch a separate queue delivery of one message per listener."""
    for n, events in enumerate(batches):
        by_user: dict[str, list[StoredEvent]] = {}
        for event in events:
            by_user.setdefault(event.user_id, []).append(event)
        messages = [(f"m{n}-{u}", ProfileUpdateMessage(user_id=u, events=e)) for u, e in by_user.items()]
        outcome = process_messages(messages, profiles, log, catalog, settings, NOW_MS)
        assert outcome.failed_message_ids == set()


def test_one_listener_with_a_count_of_a_million_adds_one_listener_to_popularity(
    catalog: MemoryCatalogStore,
    profiles_store: MemoryProfileStore,
    events_store: MemoryEventStore,
    profile_settings: ProfileSettings,
):
    deliver(
        [[stored("e1", "r1", ts=NOW_MS, count=1_000_000)]],
        catalog,
        profiles_store,
        events_store,
        profile_settings,
    )
    assert listeners(catalog, "r1", profile_settings) == pytest.approx(1.0)
    # ... while the listener's own profile still counts the plays, up to the bound
    profile = profiles_store.get("u-1")
    assert profile is not None
    assert profile.items["r1"] * profile.decay_factor(NOW_MS, profile_settings.half_life_ms) == pytest.approx(
        MAX_COUNTED_PLAYS
    )


def test_many_events_batches_and_event_types_of_one_listener_add_at_most_one_per_bucket(
    catalog: MemoryCatalogStore,
    profiles_store: MemoryProfileStore,
    events_store: MemoryEventStore,
    profile_settings: ProfileSettings,
):
    types = [EventType.PLAY, EventType.LIKE, EventType.SAVE, EventType.PLAYLIST_ADD]
    batches = [
        [stored(f"e{b}-{i}", "r1", types[i % 4], ts=NOW_MS - i, count=1) for i in range(30)] for b in range(5)
    ]
    deliver(batches, catalog, profiles_store, events_store, profile_settings)
    assert listeners(catalog, "r1", profile_settings) == pytest.approx(1.0, rel=1e-6)
    # the next bucket is a new "now": the listener counts again there, once
    later = EPOCH_START + popularity.EPOCH_MS
    deliver(
        [[stored(f"n{i}", "r1", ts=later + i) for i in range(10)]],
        catalog,
        profiles_store,
        events_store,
        profile_settings,
    )
    assert catalog.records["r1"].popularity[popularity.epoch_of(later)] == pytest.approx(1.0)


def test_several_listeners_move_an_item_by_their_number(
    catalog: MemoryCatalogStore,
    profiles_store: MemoryProfileStore,
    events_store: MemoryEventStore,
    profile_settings: ProfileSettings,
):
    events = [
        stored(f"{u}-{i}", "r1", ts=NOW_MS, user_id=f"u-{u}", count=1 + 1000 * u)
        for u in range(7)
        for i in range(3)
    ]
    deliver([events[::2], events[1::2]], catalog, profiles_store, events_store, profile_settings)
    assert listeners(catalog, "r1", profile_settings) == pytest.approx(7.0)


def test_pushing_an_item_out_of_the_recent_list_does_not_credit_it_again(catalog: MemoryCatalogStore):
    """The profile remembers only the newest `max_recent` items; once it is full, an item missing from it
    may have been dropped, so a bucket up to its oldest entry's credits nothing more."""
    settings = ProfileSettings(
        events_table="e",
        profiles_table="p",
        catalog_table="c",
        profile_update_queue_url="q",
        limits=ProfileLimits(max_recent=2),
    )
    profiles, log = MemoryProfileStore(), MemoryEventStore()
    t = EPOCH_START + 1000
    rounds = [[stored("x1", "r1", ts=t)], [stored("o1", "r2", ts=t + 1), stored("o2", "r3", ts=t + 2)]]
    rounds += [[stored("x2", "r1", ts=t + 3)], [stored("o3", "r4", ts=t + 4), stored("o4", "r5", ts=t + 5)]]
    rounds += [[stored("x3", "r1", ts=t + 6)]]
    deliver(rounds, catalog, profiles, log, settings)
    current = popularity.epoch_of(t)
    assert catalog.records["r1"].popularity[current] == pytest.approx(
        2.0 ** (1000 / settings.popularity_half_life_ms)
    )


def test_erasing_and_replaying_does_not_credit_the_same_bucket_again(
    catalog: MemoryCatalogStore,
    profiles_store: MemoryProfileStore,
    events_store: MemoryEventStore,
    profile_settings: ProfileSettings,
):
    deliver([[stored("a", "r1", ts=NOW_MS)]], catalog, profiles_store, events_store, profile_settings)
    profiles_store.erase("u-1", erased_at=NOW_MS + 1, expires_at_s=0)
    replay = stored("b", "r1", ts=NOW_MS).model_copy(update={"ingested_at": NOW_MS + 2})
    deliver([[replay]], catalog, profiles_store, events_store, profile_settings)
    profile = profiles_store.get("u-1")
    assert profile is not None
    assert profile.has_history()  # the replay was folded into the new profile...
    assert listeners(catalog, "r1", profile_settings) == pytest.approx(1.0)  # ...but not credited again


def test_a_redelivered_batch_credits_nothing_twice(
    catalog: MemoryCatalogStore,
    profiles_store: MemoryProfileStore,
    events_store: MemoryEventStore,
    profile_settings: ProfileSettings,
):
    batch = [stored("a", "r1", ts=NOW_MS), stored("b", "r2", ts=NOW_MS, user_id="u-2")]
    deliver([batch, batch], catalog, profiles_store, events_store, profile_settings)
    assert listeners(catalog, "r1", profile_settings) == pytest.approx(1.0)
    assert listeners(catalog, "r2", profile_settings) == pytest.approx(1.0)


def test_negative_events_credit_nothing_and_do_not_use_up_the_credit(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    skip = stored("s", "r1", EventType.SKIP, ts=NOW_MS - 5, ms_played=1000)
    play = stored("p", "r1", ts=NOW_MS)
    result = fold(Profile(user_id="u-1"), [skip, play], catalog.features(["r1"]), profile_settings)
    assert result.popular == [play]


@pytest.mark.parametrize("count", [1, 25, MAX_COUNTED_PLAYS, MAX_COUNTED_PLAYS + 1, 1_000_000])
def test_a_plays_count_weighs_in_its_own_profile_up_to_the_bound(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings, count: int
):
    profile = fold_events(
        Profile(user_id="u-1"),
        [stored("e", "r1", ts=NOW_MS, count=count)],
        catalog.features(["r1"]),
        profile_settings,
    )
    assert profile.items["r1"] * profile.decay_factor(NOW_MS, profile_settings.half_life_ms) == pytest.approx(
        min(count, MAX_COUNTED_PLAYS)
    )
    assert profile.counts["play"] == count  # what was sent stays on record


def test_an_infinite_item_embedding_leaves_the_taste_vector_finite_and_unchanged(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    before = fold_events(
        Profile(user_id="u-1"), [stored("e1", "j1")], catalog.features(["j1"]), profile_settings
    )
    poisoned = {
        "bad": ItemFeatures("bad", "art-x", ("rock",), np.array([np.inf, 0, 0, 0], dtype=np.float32)),
        "nan": ItemFeatures("nan", "art-x", ("rock",), np.array([np.nan, 1, 0, 0], dtype=np.float32)),
    }
    events = [stored("e2", "bad", ts=NOW_MS), stored("e3", "nan", ts=NOW_MS)]
    result = fold(before, events, poisoned, profile_settings)
    after = result.profile
    assert result.non_finite == 2
    assert after.taste_sum is not None
    assert before.taste_sum is not None
    assert np.isfinite(after.taste_sum).all()
    assert np.array_equal(after.taste_sum, before.taste_sum)
    assert after.taste_weight == before.taste_weight
    taste, taste_before = after.taste_vector(), before.taste_vector()
    assert taste is not None
    assert taste_before is not None
    assert np.allclose(taste, taste_before)
    # the play still counts for the item, its artist and genre: only the broken vector is left out
    assert after.items["bad"] > 0
    assert all(math.isfinite(v) for t in (after.items, after.artists, after.genres) for v in t.values())


def test_a_stored_item_with_a_non_finite_embedding_reaches_the_fold_without_one(
    profile_settings: ProfileSettings,
):
    """A catalog item stored before uploads were checked (1e39 becomes inf as float32)."""
    store = MemoryCatalogStore()
    good = make_item("ok", "art-a", ["rock"], [1.0, 0.0, 0.0, 0.0])
    legacy = good.model_construct(
        **{**good.model_dump(), "item_id": "old", "embedding": [1e39, 0.0, 0.0, 0.0]}
    )
    store.upsert([good, legacy], NOW_MS)
    features = store.features(["ok", "old"])
    assert features["old"].embedding is None
    profile = fold_events(
        Profile(user_id="u-1"), [stored("a", "ok"), stored("b", "old")], features, profile_settings
    )
    assert profile.taste_sum is not None
    assert np.isfinite(profile.taste_sum).all()
    taste = profile.taste_vector()
    assert taste is not None
    assert np.allclose(taste, [1.0, 0.0, 0.0, 0.0])


def test_a_listener_adds_to_a_bounded_number_of_items_per_bucket(catalog: MemoryCatalogStore):
    settings = ProfileSettings(
        events_table="e",
        profiles_table="p",
        catalog_table="c",
        profile_update_queue_url="q",
        limits=ProfileLimits(max_recent=2),
    )
    profiles, log = MemoryProfileStore(), MemoryEventStore()
    t = EPOCH_START + 1000
    first = [stored("a", "r1", ts=t), stored("b", "r2", ts=t + 1)]
    deliver([first, [stored("c", "r3", ts=t + 2)]], catalog, profiles, log, settings)
    bucket = popularity.epoch_of(t)
    assert bucket in catalog.records["r1"].popularity
    assert bucket in catalog.records["r2"].popularity
    assert catalog.records["r3"].popularity == {}  # all it remembers is from this bucket: no more credit
    deliver([[stored("d", "r3", ts=t + popularity.EPOCH_MS)]], catalog, profiles, log, settings)
    assert bucket + 1 in catalog.records["r3"].popularity  # the next bucket credits again
