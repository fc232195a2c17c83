"""The profile-update queue's batch as Lambda delivers it: grouping, partial failures, redelivery."""

from typing import Any

from mixtape.config import ProfileSettings
from mixtape.errors import StorageUnavailableError
from mixtape.models.events import ErasureFollowUp, ProfileUpdateMessage
from mixtape.models.profile import Profile
from mixtape.profiles.queue import apply_queue_batch
from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore
from mixtape.storage.ports import VersionConflictError
from tests.unit.conftest import NOW_MS, stored


def record(message_id: str, body: str) -> dict[str, Any]:
    return {"messageId": message_id, "body": body, "eventSource": "aws:sqs"}


def update(message_id: str, user_id: str, *event_ids: str) -> dict[str, Any]:
    events = [stored(e, "r1", user_id=user_id) for e in event_ids]
    return record(message_id, ProfileUpdateMessage(user_id=user_id, events=events).model_dump_json())


def follow_up(message_id: str, user_id: str) -> dict[str, Any]:
    return record(message_id, ErasureFollowUp(user_id=user_id, erased_at=NOW_MS).model_dump_json())


class Stores:
    def __init__(
        self,
        catalog: MemoryCatalogStore,
        settings: ProfileSettings,
        profiles: MemoryProfileStore | None = None,
        events: MemoryEventStore | None = None,
    ) -> None:
        self.catalog, self.settings = catalog, settings
        self.profiles = profiles or MemoryProfileStore()
        self.events = events or MemoryEventStore()

    def apply(self, records: list[dict[str, Any]]) -> Any:
        return apply_queue_batch(records, self.profiles, self.events, self.catalog, self.settings, NOW_MS)

    def profile(self, user_id: str) -> Profile:
        profile = self.profiles.get(user_id)
        assert profile is not None
        return profile


def test_a_batch_with_two_listeners_commits_each_listener_once(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    stores = Stores(catalog, profile_settings)
    batch = [update("m1", "u-1", "a", "b"), update("m2", "u-2", "c"), update("m3", "u-1", "d")]
    batch.append(update("m4", "u-2", "e"))
    outcome = stores.apply(batch)
    assert outcome.failed_message_ids == []
    assert (outcome.updates.users, outcome.updates.applied, outcome.updates.profile_writes) == (2, 5, 2)
    assert stores.profiles.commits == 2  # one per listener, not one per message
    assert (stores.profile("u-1").version, stores.profile("u-1").counts) == (1, {"play": 3})
    assert (stores.profile("u-2").version, stores.profile("u-2").counts) == (1, {"play": 2})
    assert set(stores.events.rows) == {("u-1", "a"), ("u-1", "b"), ("u-1", "d"), ("u-2", "c"), ("u-2", "e")}


def test_poison_records_are_reported_in_delivery_order_and_their_neighbours_apply(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    stores = Stores(catalog, profile_settings)
    batch = [
        record("p1", "not json"),
        update("m1", "u-1", "a"),
        record("p2", '{"user_id": "u-1", "events": "nope"}'),
        update("m2", "u-1", "b"),
    ]
    outcome = stores.apply(batch)
    assert outcome.failed_message_ids == ["p1", "p2"]
    assert outcome.poison == ["p1", "p2"]
    assert (stores.profile("u-1").counts, stores.profile("u-1").version) == ({"play": 2}, 1)


def test_a_redelivered_batch_counts_nothing_twice(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    stores = Stores(catalog, profile_settings)
    batch = [update("m1", "u-1", "a", "b"), update("m2", "u-2", "c")]
    first = stores.apply(batch)
    before = {user: stores.profile(user) for user in ("u-1", "u-2")}
    again = stores.apply(batch)
    assert (first.updates.applied, again.updates.applied, again.updates.already_applied) == (3, 0, 3)
    assert (again.failed_message_ids, again.updates.profile_writes) == ([], 0)
    for user, profile in before.items():
        assert stores.profile(user).model_dump() == profile.model_dump()


def test_a_listener_whose_profile_cannot_commit_fails_only_its_own_records(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    class ContendedForU2(MemoryProfileStore):
        def commit(self, profile: Profile, expected_version: int) -> None:
            if profile.user_id == "u-2":
                raise VersionConflictError(profile.user_id)
            super().commit(profile, expected_version)

    stores = Stores(catalog, profile_settings, profiles=ContendedForU2())
    batch = [update("m1", "u-2", "a"), update("m2", "u-1", "b"), update("m3", "u-2", "c")]
    outcome = stores.apply(batch)
    assert outcome.failed_message_ids == ["m1", "m3"]
    assert stores.profile("u-1").counts == {"play": 1}
    assert stores.profiles.get("u-2") is None
    assert set(stores.events.rows) == {("u-1", "b")}  # nothing of u-2 logged: it was not applied


class PurgeFails(MemoryEventStore):
    """The events table refuses deletes while `down`."""

    down: bool = True

    def delete_user_events(self, user_id: str, ingested_before: int | None = None) -> int:
        if self.down:
            raise StorageUnavailableError("events table throttled")
        return super().delete_user_events(user_id, ingested_before)


def test_an_erasure_follow_up_purges_and_fails_alone_while_the_log_is_down(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    log = PurgeFails()
    stores = Stores(catalog, profile_settings, events=log)
    log.put_applied([stored("late", "r1", user_id="u-gone")], 2_000_000_000)  # logged after the first purge
    batch = [follow_up("f1", "u-gone"), update("m1", "u-1", "a")]
    down = stores.apply(batch)
    assert (down.failed_message_ids, down.follow_ups, down.updates.applied) == (["f1"], 0, 1)
    assert ("u-gone", "late") in log.rows
    log.down = False
    up = stores.apply(batch)
    assert (up.failed_message_ids, up.follow_ups, up.purged, up.updates.applied) == ([], 1, 1, 0)
    assert set(log.rows) == {("u-1", "a")}
