"""The fold's side of the "already heard" filter: every item an event makes known is added to the
profile's filter (mixtape.models.heard), and `known_complete` says whether the capped tables still name
them all (then the ranker needs no filter test)."""

from mixtape.config import ProfileSettings
from mixtape.models.heard import HeardFilter
from mixtape.models.profile import Profile


def heard_of(profile: Profile, settings: ProfileSettings) -> tuple[HeardFilter, bool]:
    """The filter of `profile` (the fold's own clone: added to in place) and its `known_complete`. A
    profile stored before the filter existed gets one seeded from `known_items()`, complete unless a
    table is at its cap (a cut may have dropped items from it before)."""
    if profile.heard is not None:
        return profile.heard, profile.known_complete
    seeded = HeardFilter.of(sorted(profile.known_items()), settings.heard)
    return seeded, not past_limits(profile, {r.item_id: r.ts for r in profile.recent}, settings, at=True)


def past_limits(
    profile: Profile, recent: dict[str, int], settings: ProfileSettings, *, at: bool = False
) -> bool:
    """Whether a table `known_items()` reads (items, `recent`, disliked) is past its cap, so the cut drops
    an item (`at`: or at it, so an earlier cut may have)."""
    limits, slack = settings.limits, 0 if at else 1
    return (
        len(profile.items) >= limits.max_items + slack
        or len(recent) >= limits.max_recent + slack
        or len(profile.disliked) >= limits.max_disliked + slack
    )
