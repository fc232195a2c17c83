"""Right to be forgotten: remove a listener's profile and every stored event."""

from dataclasses import dataclass

from mixtape.storage.base import EventStore, ProfileStore


@dataclass(frozen=True, slots=True)
class ErasureResult:
    user_id: str
    deleted_events: int
    profile_deleted: bool


def erase_user(user_id: str, events: EventStore, profiles: ProfileStore) -> ErasureResult:
    """Profile first (it answers 404 at once), then the events, then the profile again: a profile commit
    racing with the erasure either ran before the events went (and its profile is removed by the second
    delete) or finds its events gone, and its transaction fails."""
    had_profile = profiles.delete(user_id)
    deleted = events.delete_user_events(user_id)
    had_profile = profiles.delete(user_id) or had_profile
    return ErasureResult(user_id=user_id, deleted_events=deleted, profile_deleted=had_profile)
