"""Preferences beside the profile: neither write loses the other's, erasure deletes them, export shows
them; the request model's rules."""

from dataclasses import dataclass, field

import pytest
from pydantic import ValidationError

from mixtape.config import ProfileSettings
from mixtape.errors import NotFoundError
from mixtape.models.events import StoredEvent
from mixtape.models.preferences import Preferences
from mixtape.models.profile import Profile
from mixtape.profiles.apply import ApplyResult, apply_user_events
from mixtape.profiles.erasure import erase_user
from mixtape.profiles.export import export_user
from mixtape.profiles.preferences import save_preferences
from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore, MemoryQueue
from tests.unit.conftest import NOW_MS, stored

CHOICES = Preferences(
    seed_artists=["art-c"], seed_genres=["Jazz"], muted_artists=["art-b"], muted_genres=["pop"]
)


def apply(
    store: MemoryProfileStore,
    events: list[StoredEvent],
    catalog: MemoryCatalogStore,
    settings: ProfileSettings,
) -> ApplyResult:
    features = catalog.features(e.item_id for e in events)
    return apply_user_events("u-1", events, features, store, MemoryEventStore(), settings, NOW_MS)


def test_a_profile_update_after_preferences_keeps_them(catalog, profile_settings):
    store = MemoryProfileStore()
    save_preferences("u-1", CHOICES, store, NOW_MS)
    apply(store, [stored("e1", "r1")], catalog, profile_settings)
    profile = store.get("u-1")
    assert profile is not None
    assert profile.preferences == CHOICES
    assert set(profile.items) == {"r1"}
    assert profile.counts == {"play": 1}


def test_preferences_after_a_profile_update_keep_the_history(catalog, profile_settings):
    store = MemoryProfileStore()
    apply(store, [stored("e1", "r1")], catalog, profile_settings)
    before = store.get("u-1")
    save_preferences("u-1", CHOICES, store, NOW_MS)
    after = store.get("u-1")
    assert after is not None
    assert before is not None
    assert after.preferences == CHOICES
    assert (after.items, after.counts, after.artists) == (before.items, before.counts, before.artists)
    assert after.version == before.version + 1


@dataclass
class PreferencesBetweenReadAndCommit(MemoryProfileStore):
    """The listener saves preferences after the updater read the profile and before it commits."""

    pending: list[Preferences] = field(default_factory=list)

    def get(self, user_id: str, *, consistent: bool = False) -> Profile | None:
        found = super().get(user_id, consistent=consistent)
        if self.pending:
            self.set_preferences(user_id, self.pending.pop(), NOW_MS)
        return found


def test_preferences_saved_during_a_profile_update_survive_its_commit(catalog, profile_settings):
    store = PreferencesBetweenReadAndCommit(pending=[CHOICES])
    apply(store, [stored("e1", "r1")], catalog, profile_settings)
    # The first commit conflicted (the version moved): the update read again, refolded, committed once.
    assert (store.reads, store.commits) == (2, 1)
    profile = store.get("u-1")
    assert profile is not None
    assert profile.preferences == CHOICES
    assert profile.counts == {"play": 1}


def test_erasure_deletes_preferences_and_export_shows_them(catalog, profile_settings):
    store, log = MemoryProfileStore(), MemoryEventStore()
    save_preferences("u-1", CHOICES, store, NOW_MS)
    shown = export_user("u-1", log, store, NOW_MS)
    assert shown.preferences == CHOICES
    assert shown.profile is None  # nothing folded in: no history
    result = erase_user("u-1", log, store, MemoryQueue(), profile_settings, NOW_MS)  # held data: not a 404
    assert result.profile_deleted
    profile = store.get("u-1")
    assert profile is not None
    assert profile.preferences is None
    assert export_user("u-1", log, store, NOW_MS).preferences is None
    with pytest.raises(NotFoundError):
        erase_user("u-1", log, store, MemoryQueue(), profile_settings, NOW_MS + 1)


def test_the_preferences_model_dedupes_lowercases_and_refuses_contradictions():
    assert CHOICES.seed_genres == ["jazz"]
    assert Preferences(seed_artists=["a", "a", "b"]).seed_artists == ["a", "b"]
    with pytest.raises(ValidationError, match="both a seed and muted"):
        Preferences(seed_artists=["a"], muted_artists=["a"])
    with pytest.raises(ValidationError, match="both a seed and muted"):
        Preferences(seed_genres=["Rock"], muted_genres=["rock"])
    with pytest.raises(ValidationError):
        Preferences.model_validate({"muted_artists": ["ok"], "unknown": 1})
    with pytest.raises(ValidationError):
        Preferences(muted_artists=[f"a{i}" for i in range(201)])
