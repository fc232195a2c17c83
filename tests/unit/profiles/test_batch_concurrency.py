"""A batch's listeners applied on threads give what one at a time gives: profiles, logs, popularity, and
the failed messages of exactly the listeners that failed."""

import pytest

from mixtape.config import ProfileSettings
from mixtape.models.events import ProfileUpdateMessage
from mixtape.models.profile import Profile
from mixtape.profiles.batch import BatchOutcome, process_messages
from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore
from tests.unit.conftest import NOW_MS, make_item, stored

ITEMS = ["r1", "r2", "r3", "j1", "j2"]
BROKEN = "u-07"


class FailingFor(MemoryProfileStore):
    """A profile store whose commits fail for one listener (its storage is down, say)."""

    def commit(self, profile: Profile, expected_version: int) -> None:
        if profile.user_id == BROKEN:
            raise RuntimeError("storage unavailable")
        super().commit(profile, expected_version)


def catalog() -> MemoryCatalogStore:
    store = MemoryCatalogStore()
    store.upsert(
        [make_item(i, f"art-{i[0]}", ["rock" if i[0] == "r" else "jazz"], None) for i in ITEMS], NOW_MS
    )
    return store


def batch() -> list[tuple[str, ProfileUpdateMessage]]:
    messages = []
    for n in range(20):
        user = f"u-{n:02d}"
        events = [
            stored(f"e-{n}-{k}", ITEMS[(n + k) % len(ITEMS)], user_id=user, count=k + 1)
            for k in range(n % 4 + 1)
        ]
        messages.append((f"m-{n}", ProfileUpdateMessage(user_id=user, events=events)))
    return messages


def stored_form(profile: Profile | None) -> tuple[Profile, bytes] | None:
    """The profile with its heard filter as bytes (the filter object compares by identity)."""
    if profile is None:
        return None
    heard = profile.heard.to_bytes() if profile.heard is not None else b""
    return profile.model_copy(update={"heard": None}), heard


def run(settings: ProfileSettings) -> tuple[BatchOutcome, FailingFor, MemoryEventStore, MemoryCatalogStore]:
    profiles, log, items = FailingFor(), MemoryEventStore(), catalog()
    outcome = process_messages(batch(), profiles, log, items, settings, NOW_MS)
    return outcome, profiles, log, items


@pytest.mark.parametrize("threads", [2, 8])
def test_threads_change_nothing_but_the_time(profile_settings: ProfileSettings, threads: int):
    one = run(profile_settings.model_copy(update={"apply_concurrency": 1}))
    many = run(profile_settings.model_copy(update={"apply_concurrency": threads}))
    (outcome1, profiles1, log1, items1), (outcome2, profiles2, log2, items2) = one, many
    assert outcome1.failed_message_ids == outcome2.failed_message_ids == {"m-7"}
    assert (outcome2.users, outcome2.applied, outcome2.profile_writes) == (20, outcome1.applied, 19)
    users = [f"u-{n:02d}" for n in range(20)]
    assert [stored_form(profiles2.get(u)) for u in users] == [stored_form(profiles1.get(u)) for u in users]
    assert profiles2.get(BROKEN) is None
    assert log2.rows == log1.rows
    assert items2.load_all() == items1.load_all()  # popularity and trend counters: the same sums
    assert all(record.popularity and record.trend for record in items2.load_all()[1])
