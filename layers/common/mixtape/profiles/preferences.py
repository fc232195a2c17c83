"""A listener's preferences (seeds, mutes): written beside the profile, read with it.

The write moves the profile's version (mixtape.storage.dynamo.profiles), so a profile update that read
the previous preferences conflicts and refolds rather than writing them back: neither write loses the
other's. An erasure deletes them with the profile; an export shows them.
"""

from mixtape.models.preferences import Preferences, PreferencesResponse
from mixtape.storage.ports import ProfileStore


def save_preferences(
    user_id: str, preferences: Preferences, profiles: ProfileStore, now_ms: int
) -> PreferencesResponse:
    """Replace the listener's preferences (an empty set keeps an empty record: still the listener's)."""
    profiles.set_preferences(user_id, preferences, now_ms)
    return PreferencesResponse(user_id=user_id, **preferences.model_dump())
