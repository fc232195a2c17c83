"""Right to be forgotten: a tombstone in place of the profile, every logged event removed, and the same
purge once more a few minutes later. A listener about whom nothing is held is 404 and nothing is written."""

from dataclasses import dataclass

from mixtape.config import ProfileSettings
from mixtape.errors import NotFoundError
from mixtape.models.events import ErasureFollowUp
from mixtape.storage.ports import EventStore, ProfileStore, ProfileUpdateQueue


@dataclass(frozen=True, slots=True)
class ErasureResult:
    user_id: str
    deleted_events: int
    profile_deleted: bool


def erase_user(
    user_id: str,
    events: EventStore,
    profiles: ProfileStore,
    follow_up: ProfileUpdateQueue,
    settings: ProfileSettings,
    now_ms: int,
) -> ErasureResult:
    """The tombstone goes first: from then on the profile answers 404, no update that read the old profile
    can commit (its version moved), and events ingested up to `now_ms` are dropped wherever they still
    are (queue, DLQ, an update in flight). Then the listener's logged events are deleted.

    An update that committed just before the tombstone logs its events right after its commit, which can
    land after that purge; so a delayed message (`ErasureFollowUp`) repeats the purge once every such
    update has finished. It is sent before the first purge: if anything below fails, the client's retry
    of the DELETE repeats it all, and the follow-up runs either way.

    NotFoundError, and nothing written (no tombstone, no follow-up), when nothing is held: no profile with
    history and no logged event. That includes a listener already erased whose log stayed empty (its
    tombstone holds nothing but the erasure time) and one whose first events are still queued, not yet
    applied: those are dropped only by an erasure that comes after they are applied.
    """
    if not _holds_data(user_id, events, profiles):
        raise NotFoundError(f"nothing is held about user {user_id}")
    expires_at_s = now_ms // 1000 + settings.tombstone_days * 86_400
    had_profile = profiles.erase(user_id, erased_at=now_ms, expires_at_s=expires_at_s)
    message = ErasureFollowUp(user_id=user_id, erased_at=now_ms).model_dump_json()
    follow_up.send([message], delay_seconds=settings.erasure_follow_up_seconds)
    deleted = events.delete_user_events(user_id, ingested_before=now_ms)
    return ErasureResult(user_id=user_id, deleted_events=deleted, profile_deleted=had_profile)


def _holds_data(user_id: str, events: EventStore, profiles: ProfileStore) -> bool:
    profile = profiles.get(user_id, consistent=True)
    if profile is not None and profile.holds_data():
        return True
    # A tombstone or no profile: logged events may still exist (an update that committed just before an
    # earlier erasure logs them after it). Expired entries TTL has not deleted yet count: they are held.
    return bool(events.user_events(user_id, limit=1).events)


def finish_erasure(message: ErasureFollowUp, events: EventStore) -> int:
    """The follow-up purge: events logged late for what was ingested before the erasure."""
    return events.delete_user_events(message.user_id, ingested_before=message.erased_at)
