"""The decay math and the exactly-once commit loop, against in-memory stores."""

import contextlib
import functools
import itertools
import random
import threading
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from mixtape.config import ProfileLimits, ProfileSettings
from mixtape.errors import ConcurrentUpdateError
from mixtape.models.event_type import EventType
from mixtape.models.events import ProfileUpdateMessage, StoredEvent
from mixtape.models.profile import Profile
from mixtape.profiles.apply import MAX_EVENTS_PER_COMMIT, ApplyResult, apply_user_events, fold_events
from mixtape.profiles.batch import process_messages
from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore
from mixtape.storage.ports import VersionConflictError
from tests.unit.conftest import DAY_MS, NOW_MS, stored


def decayed(profile: Profile, table: str, key: str, settings: ProfileSettings, now: int = NOW_MS) -> float:
    return getattr(profile, table)[key] * profile.decay_factor(now, settings.half_life_ms)


def test_an_event_one_half_life_old_counts_half(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    half_life_days = int(profile_settings.half_life_days)
    fresh = stored("e1", "r1", ts=NOW_MS)
    old = stored("e2", "j1", ts=NOW_MS - half_life_days * DAY_MS)
    profile = fold_events(
        Profile(user_id="u-1"), [fresh, old], catalog.features(["r1", "j1"]), profile_settings
    )
    assert decayed(profile, "artists", "art-a", profile_settings) == pytest.approx(1.0)
    assert decayed(profile, "artists", "art-c", profile_settings) == pytest.approx(0.5)
    assert decayed(profile, "genres", "jazz", profile_settings) == pytest.approx(0.5)
    assert profile.counts == {"play": 2}
    assert profile.last_event_at == NOW_MS


def test_folding_is_order_independent_and_batching_independent(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    rng = random.Random(3)
    events = [
        stored(
            f"e{i}",
            rng.choice(["r1", "r2", "r4", "j1", "j3"]),
            rng.choice(list(EventType)),
            ts=NOW_MS - rng.randrange(0, 400) * DAY_MS,
        )
        for i in range(40)
    ]
    features = catalog.features(e.item_id for e in events)
    reference = fold_events(Profile(user_id="u-1"), events, features, profile_settings)
    shuffled = events[:]
    rng.shuffle(shuffled)
    stepwise = Profile(user_id="u-1")
    for start in range(0, len(shuffled), 7):  # out-of-order, in several batches (forces rebases)
        stepwise = fold_events(stepwise, shuffled[start : start + 7], features, profile_settings)
    for table in ("items", "artists", "genres"):
        ref_t, step_t = getattr(reference, table), getattr(stepwise, table)
        assert ref_t.keys() == step_t.keys()
        for key in ref_t:
            assert decayed(stepwise, table, key, profile_settings) == pytest.approx(
                decayed(reference, table, key, profile_settings), rel=1e-9, abs=1e-12
            )
    assert reference.counts == stepwise.counts
    assert reference.recent == stepwise.recent
    assert reference.disliked == stepwise.disliked
    reference_taste, stepwise_taste = reference.taste_vector(), stepwise.taste_vector()
    assert reference_taste is not None
    assert stepwise_taste is not None
    assert np.allclose(reference_taste, stepwise_taste)


def test_rebasing_keeps_values_and_keeps_sums_small(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    features = catalog.features(["r1"])
    ten_years_ago = NOW_MS - 3650 * DAY_MS
    profile = fold_events(
        Profile(user_id="u-1"), [stored("old", "r1", ts=ten_years_ago)], features, profile_settings
    )
    profile = fold_events(profile, [stored("new", "r1", ts=NOW_MS)], features, profile_settings)
    assert profile.ref_ms == NOW_MS  # moved forward
    assert abs(profile.items["r1"]) < 2.0
    expected = 1.0 + 2.0 ** (-3650 / profile_settings.half_life_days)
    assert decayed(profile, "items", "r1", profile_settings) == pytest.approx(expected)


def test_quick_skips_and_dislikes_are_negative_signals(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    events = [
        stored("s1", "r4", EventType.SKIP, ms_played=5_000),
        stored("d1", "j1", EventType.DISLIKE),
        stored("s2", "r5", EventType.SKIP, ms_played=90_000),
    ]
    profile = fold_events(
        Profile(user_id="u-1"), events, catalog.features(["r4", "j1", "r5"]), profile_settings
    )
    weights = profile_settings.event_weights
    factor = profile.decay_factor(NOW_MS - DAY_MS, profile_settings.half_life_ms)
    assert profile.items["r4"] * factor == pytest.approx(weights.quick_skip)
    assert profile.items["r5"] * factor == pytest.approx(weights.skip)
    assert profile.items["j1"] * factor == pytest.approx(weights.dislike)
    assert set(profile.disliked) == {"j1"}
    assert profile.recent == []  # nothing positive was played
    assert not profile.has_positive_signal()


def test_aggregated_plays_count_times_their_weight(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    profile = fold_events(
        Profile(user_id="u-1"),
        [stored("e", "r1", count=25, ts=NOW_MS)],
        catalog.features(["r1"]),
        profile_settings,
    )
    assert profile.counts["play"] == 25
    assert decayed(profile, "items", "r1", profile_settings) == pytest.approx(25.0)


def test_profile_size_is_capped_keeping_the_strongest(catalog: MemoryCatalogStore):
    settings = ProfileSettings(
        events_table="e",
        profiles_table="p",
        catalog_table="c",
        profile_update_queue_url="q",
        limits=ProfileLimits(max_items=2, max_recent=2, max_artists=1),
    )
    events = [
        stored(f"e{i}", item, count=n, ts=NOW_MS - i)
        for i, (item, n) in enumerate([("r1", 1), ("j1", 5), ("r2", 3)])
    ]
    profile = fold_events(Profile(user_id="u-1"), events, catalog.features(["r1", "j1", "r2"]), settings)
    assert set(profile.items) == {"j1", "r2"}
    assert set(profile.artists) == {"art-c"}
    assert [r.item_id for r in profile.recent] == ["r1", "j1"]  # the two newest


def test_taste_vector_points_at_what_was_played(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    profile = fold_events(
        Profile(user_id="u-1"),
        [stored("e1", "j1"), stored("e2", "j2")],
        catalog.features(["j1", "j2"]),
        profile_settings,
    )
    taste = profile.taste_vector()
    assert taste is not None
    assert float(np.linalg.norm(taste)) == pytest.approx(1.0, rel=1e-5)
    assert int(np.argmax(taste)) == 1  # jazz axis


def test_each_event_applies_exactly_once_across_redeliveries(
    catalog: MemoryCatalogStore,
    events_store: MemoryEventStore,
    profiles_store: MemoryProfileStore,
    profile_settings: ProfileSettings,
):
    events = [stored(f"e{i}", "r1") for i in range(3)]
    apply = applier(catalog, profiles_store, events_store, profile_settings, NOW_MS)
    first = apply(events=events + events[:1])
    again = apply(events=events)
    assert (len(first.applied), first.already_applied, first.writes, first.stored) == (3, 1, 1, 3)
    assert (len(again.applied), again.already_applied, again.writes, again.stored) == (0, 3, 0, 0)
    profile = profiles_store.get("u-1")
    assert profile is not None
    assert profile.counts == {"play": 3}
    assert profile.version == 1
    row = events_store.rows[("u-1", "e0")]
    assert row.expires_at_s == NOW_MS // 1000 + profile_settings.event_retention_days * 86_400
    assert events_store.writes == 3  # one write per event, no marks


def applier(
    catalog: MemoryCatalogStore,
    store: MemoryProfileStore,
    log: MemoryEventStore,
    settings: ProfileSettings,
    now_ms: int,
) -> Callable[..., ApplyResult]:
    """`apply(events=[...])`: apply_user_events for listener u-1 with these stores, features of r1."""
    return functools.partial(
        apply_user_events,
        "u-1",
        features=catalog.features(["r1"]),
        store=store,
        log=log,
        settings=settings,
        now_ms=now_ms,
    )


class FlakyLog(MemoryEventStore):
    """The events table rejects writes while `down`: an outage between the profile commit and the log."""

    down: bool = True

    def put_applied(self, events: Sequence[StoredEvent], expires_at_s: int) -> list[StoredEvent]:
        return list(events) if self.down else super().put_applied(events, expires_at_s)


def test_an_outage_after_the_commit_is_repaired_by_the_redelivery_without_refolding(
    catalog: MemoryCatalogStore, profiles_store: MemoryProfileStore, profile_settings: ProfileSettings
):
    log = FlakyLog()
    events = [stored(f"e{i}", "r1") for i in range(3)]
    apply = applier(catalog, profiles_store, log, profile_settings, NOW_MS)
    failed = apply(events=events)  # committed, not logged: the message fails and comes back
    assert (len(failed.applied), failed.stored, failed.unstored) == (3, 0, 3)
    profile = profiles_store.get("u-1")
    assert profile is not None
    assert (profile.counts, profile.pending) == ({"play": 3}, ["e0", "e1", "e2"])
    assert log.rows == {}
    log.down = False
    redelivered = apply(events=events)
    assert (len(redelivered.applied), redelivered.already_applied, redelivered.writes) == (0, 3, 0)
    assert set(log.rows) == {("u-1", f"e{i}") for i in range(3)}
    later = apply(events=[stored("e9", "r1")])  # the next commit drops the confirmed ids
    profile = profiles_store.get("u-1")
    assert profile is not None
    assert (later.writes, profile.counts, profile.pending) == (1, {"play": 4}, ["e9"])


def test_unconfirmed_ids_stay_pending_until_their_events_are_logged(
    catalog: MemoryCatalogStore, profiles_store: MemoryProfileStore, profile_settings: ProfileSettings
):
    """Another message of the listener commits while the first is still waiting for its redelivery."""
    log = FlakyLog()
    apply = applier(catalog, profiles_store, log, profile_settings, NOW_MS)
    assert apply(events=[stored("a", "r1")]).unstored == 1
    log.down = False
    apply(events=[stored("b", "r1")])
    profile = profiles_store.get("u-1")
    assert profile is not None
    assert profile.pending == ["a", "b"]  # "a" is applied but not logged: still recognised as applied
    resent = apply(events=[stored("a", "r1")])
    assert (resent.applied, resent.already_applied) == ([], 1)
    assert ("u-1", "a") in log.rows


def test_events_ingested_before_an_erasure_are_dropped_and_later_ones_apply(
    catalog: MemoryCatalogStore,
    events_store: MemoryEventStore,
    profiles_store: MemoryProfileStore,
    profile_settings: ProfileSettings,
):
    profiles_store.erase("u-1", erased_at=NOW_MS, expires_at_s=0)
    apply = applier(catalog, profiles_store, events_store, profile_settings, NOW_MS + 10)
    before = apply(events=[stored("e1", "r1")])  # ingested_at == NOW_MS: in flight during the erasure
    assert (before.applied, before.erased, before.writes) == ([], 1, 0)
    assert events_store.rows == {}
    after = apply(events=[stored("e2", "r1").model_copy(update={"ingested_at": NOW_MS + 1})])
    assert len(after.applied) == 1
    profile = profiles_store.get("u-1")
    assert profile is not None
    assert (profile.counts, profile.erased_at) == ({"play": 1}, NOW_MS)


def test_many_events_of_one_user_cost_one_write_per_commit_sized_chunk(
    catalog: MemoryCatalogStore,
    events_store: MemoryEventStore,
    profiles_store: MemoryProfileStore,
    profile_settings: ProfileSettings,
):
    events = [stored(f"e{i}", "r2", ts=NOW_MS - i) for i in range(MAX_EVENTS_PER_COMMIT + 1)]
    result = apply_user_events(
        "u-1", events, catalog.features(["r2"]), profiles_store, events_store, profile_settings, NOW_MS
    )
    assert result.writes == 2
    assert profiles_store.commits == 2
    profile = profiles_store.get("u-1")
    assert profile is not None
    assert profile.pending == [f"e{MAX_EVENTS_PER_COMMIT}"]  # the first chunk was confirmed logged


def test_concurrent_writers_lose_no_update(
    catalog: MemoryCatalogStore,
    events_store: MemoryEventStore,
    profiles_store: MemoryProfileStore,
    profile_settings: ProfileSettings,
):
    """Eight threads fold disjoint events of one user at once: every event lands exactly once."""
    events = [stored(f"e{i}", "r1", ts=NOW_MS - i * 1000) for i in range(80)]
    features = catalog.features(["r1"])
    original_get = profiles_store.get
    barrier = threading.Barrier(8)

    def slow_get(user_id: str, *, consistent: bool = False) -> Profile | None:
        profile = original_get(user_id, consistent=consistent)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=0.2)  # line readers up so their commits collide
        return profile

    profiles_store.get = slow_get  # type: ignore[method-assign]
    settings = profile_settings.model_copy(update={"max_update_attempts": 50})
    threads = [
        threading.Thread(
            target=apply_user_events,
            args=("u-1", events[i::8], features, profiles_store, events_store, settings, NOW_MS),
        )
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    profile = original_get("u-1")
    assert profile is not None
    assert profile.counts == {"play": 80}
    assert profile.version == 8
    assert len(events_store.rows) == 80


def test_giving_up_on_a_hot_profile_is_an_explicit_retryable_error(
    catalog: MemoryCatalogStore, events_store: MemoryEventStore, profile_settings: ProfileSettings
):
    class AlwaysConflicting(MemoryProfileStore):
        def commit(self, profile: Profile, expected_version: int) -> None:
            raise VersionConflictError("u-1")

    with pytest.raises(ConcurrentUpdateError):
        apply_user_events(
            "u-1",
            [stored("e1", "r1")],
            catalog.features(["r1"]),
            AlwaysConflicting(),
            events_store,
            profile_settings,
            NOW_MS,
        )
    assert events_store.rows == {}  # nothing logged that was not applied


def test_all_orderings_of_a_small_history_agree(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    events = [
        stored("a", "r1", ts=NOW_MS - 5 * DAY_MS),
        stored("b", "j1", EventType.LIKE),
        stored("c", "r4", EventType.SAVE, ts=NOW_MS),
    ]
    features = catalog.features(["r1", "j1", "r4"])
    results = set()
    for order in itertools.permutations(events):
        profile = Profile(user_id="u-1")
        for event in order:
            profile = fold_events(profile, [event], features, profile_settings)
        results.add(
            tuple(round(decayed(profile, "artists", a, profile_settings), 9) for a in sorted(profile.artists))
        )
    assert len(results) == 1


def test_a_batch_fails_the_messages_of_listeners_whose_events_could_not_be_logged(
    catalog: MemoryCatalogStore, profiles_store: MemoryProfileStore, profile_settings: ProfileSettings
):
    log = FlakyLog()
    messages = [
        ("m1", ProfileUpdateMessage(user_id="u-1", events=[stored("a", "r1")])),
        ("m2", ProfileUpdateMessage(user_id="u-2", events=[stored("b", "r1", user_id="u-2")])),
    ]
    down = process_messages(messages, profiles_store, log, catalog, profile_settings, NOW_MS)
    assert (down.failed_message_ids, down.applied, down.profile_writes) == ({"m1", "m2"}, 2, 2)
    assert catalog.records["r1"].popularity  # applied events are credited even though they come back
    log.down = False
    again = process_messages(messages, profiles_store, log, catalog, profile_settings, NOW_MS)
    assert (again.failed_message_ids, again.applied, again.already_applied, again.stored) == (set(), 0, 2, 2)
    assert set(log.rows) == {("u-1", "a"), ("u-2", "b")}


def test_a_clone_shares_no_mutable_state_and_folding_leaves_its_input_alone(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    original = fold_events(
        Profile(user_id="u-1"),
        [stored("e1", "j1"), stored("e2", "r1", EventType.DISLIKE)],
        catalog.features(["j1", "r1"]),
        profile_settings,
    )
    original.pending = ["e1"]
    original.user_vector = np.ones(4, dtype=np.float32)
    before = original.model_dump()
    taste = original.taste_sum.copy() if original.taste_sum is not None else None

    copy = original.clone()
    assert copy.model_dump() == before
    for table in (copy.items, copy.artists, copy.genres, copy.counts, copy.disliked):
        table["x"] = 1
    copy.recent.clear()
    copy.pending.append("e2")
    assert copy.taste_sum is not None
    assert copy.user_vector is not None
    copy.taste_sum += 1.0
    copy.user_vector += 1.0
    folded = fold_events(original, [stored("e3", "j2")], catalog.features(["j2"]), profile_settings)

    assert folded.counts == {"play": 2, "dislike": 1}
    assert original.model_dump() == before
    assert taste is not None
    assert original.taste_sum is not None
    assert np.array_equal(original.taste_sum, taste)
    assert np.array_equal(original.user_vector, np.ones(4, dtype=np.float32))
