"""Right to be forgotten: a tombstone in place of the profile, then every stored event removed."""

from dataclasses import dataclass

from mixtape.config import ProfileSettings
from mixtape.storage.base import EventStore, ProfileStore


@dataclass(frozen=True, slots=True)
class ErasureResult:
    user_id: str
    deleted_events: int
    profile_deleted: bool


def erase_user(
    user_id: str, events: EventStore, profiles: ProfileStore, settings: ProfileSettings, now_ms: int
) -> ErasureResult:
    """The tombstone goes first: from then on the profile answers 404, no update that read the old profile
    can commit (its version moved), and events ingested before `now_ms` are dropped wherever they still
    are (queue, DLQ, an update in flight). Then the applied-events log of the listener is deleted.

    Left open: an update that committed just before the tombstone stores its events right after its
    commit; if that lands after the purge below, those few events stay in the log until their TTL.
    """
    expires_at_s = now_ms // 1000 + settings.tombstone_days * 86_400
    had_profile = profiles.erase(user_id, erased_at=now_ms, expires_at_s=expires_at_s)
    deleted = events.delete_user_events(user_id)
    return ErasureResult(user_id=user_id, deleted_events=deleted, profile_deleted=had_profile)
