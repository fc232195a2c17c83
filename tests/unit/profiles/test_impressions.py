"""Impressions: folded as a decayed, bounded count of showings per item, and never as a play."""

import pytest

from mixtape.config import ProfileLimits, ProfileSettings
from mixtape.models.event_type import EventType
from mixtape.models.events import ProfileUpdateMessage
from mixtape.models.profile import Profile
from mixtape.profiles.apply import fold
from mixtape.profiles.batch import process_messages
from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore
from tests.unit.conftest import NOW_MS, stored

HOUR_MS = 3_600_000


def shown(event_id: str, item_id: str, ts: int = NOW_MS):
    return stored(event_id, item_id, EventType.IMPRESSION, ts=ts)


def test_impressions_never_count_as_plays(catalog: MemoryCatalogStore, profile_settings: ProfileSettings):
    played = [stored("p1", "r1", ts=NOW_MS - HOUR_MS)]
    events = [*played, shown("i1", "r2"), shown("i2", "r2"), shown("i3", "j1")]
    features = catalog.features(["r1", "r2", "j1"])
    with_impressions = fold(Profile(user_id="u-1"), events, features, profile_settings)
    plays_only = fold(Profile(user_id="u-1"), played, features, profile_settings)
    got, want = with_impressions.profile, plays_only.profile
    # Affinities, recent items (what is known, so never recommended back), taste and play counts: as if
    # the impressions had never happened; the popularity credits are the play's alone.
    for table in ("items", "artists", "genres", "recent", "disliked", "taste_weight", "last_event_at"):
        assert getattr(got, table) == getattr(want, table)
    assert got.known_items() == {"r1"}
    assert got.counts == {"play": 1, "impression": 3}
    assert [e.event_id for e in with_impressions.popular] == ["p1"]
    assert got.impressions_as_of(NOW_MS, profile_settings.impression_half_life_ms) == pytest.approx(
        {"r2": 2.0, "j1": 1.0}
    )


def test_showings_decay_with_the_impression_half_life(profile_settings: ProfileSettings):
    half_life = profile_settings.impression_half_life_ms
    events = [shown("i1", "r2", NOW_MS - int(half_life)), shown("i2", "r2", NOW_MS)]
    profile = fold(Profile(user_id="u-1"), events, {}, profile_settings).profile
    assert profile.impressions_as_of(NOW_MS, half_life)["r2"] == pytest.approx(1.5)
    assert profile.impressions_as_of(NOW_MS + int(half_life), half_life)["r2"] == pytest.approx(0.75)


def test_sums_far_apart_in_time_are_rebased_and_stay_exact(profile_settings: ProfileSettings):
    half_life = profile_settings.impression_half_life_ms
    late = NOW_MS + int(200 * half_life)  # far more half-lives than a float's exponent could hold
    events = [shown("i1", "r2", NOW_MS), shown("i2", "r2", late), shown("i3", "r3", late)]
    profile = fold(Profile(user_id="u-1"), events, {}, profile_settings).profile
    assert profile.impressions_ref_ms == late
    assert profile.impressions_as_of(late, half_life) == pytest.approx({"r2": 1.0, "r3": 1.0})


def test_the_most_shown_items_are_kept_up_to_the_cap():
    settings = ProfileSettings(
        events_table="e",
        profiles_table="p",
        catalog_table="c",
        profile_update_queue_url="q",
        limits=ProfileLimits(max_impressions=2),
    )
    events = [shown(f"i{i}-{n}", f"t{i}") for i in range(5) for n in range(i + 1)]
    profile = fold(Profile(user_id="u-1"), events, {}, settings).profile
    assert sorted(profile.impressions) == ["t3", "t4"]


def test_impressions_credit_no_popularity(catalog: MemoryCatalogStore, profile_settings: ProfileSettings):
    before = {i: dict(r.popularity) for i, r in catalog.records.items()}
    message = ProfileUpdateMessage(user_id="u-1", events=[shown(f"i{n}", "r3") for n in range(5)])
    profiles = MemoryProfileStore()
    outcome = process_messages(
        [("m1", message)], profiles, MemoryEventStore(), catalog, profile_settings, NOW_MS
    )
    assert outcome.applied == 5
    assert {i: dict(r.popularity) for i, r in catalog.records.items()} == before
    stored_profile = profiles.profiles["u-1"]
    assert not stored_profile.has_positive_signal()  # still a cold-start listener
    assert stored_profile.counts == {"impression": 5}
