"""The fold keeps the heard filter: every item an event makes known (not an impression) is added whatever
the caps, `known_complete` turns false once a cap cuts a table `known_items()` reads, an older profile
without a filter is seeded from `known_items()`, and neither depends on the order or grouping of events."""

import random

from mixtape.config import ProfileSettings
from mixtape.models.event_type import EventType
from mixtape.models.events import StoredEvent
from mixtape.models.profile import Profile
from mixtape.profiles.apply import fold_events
from tests.unit.conftest import DAY_MS, NOW_MS, stored

TYPES = [
    EventType.PLAY,
    EventType.LIKE,
    EventType.SAVE,
    EventType.PLAYLIST_ADD,
    EventType.SKIP,
    EventType.DISLIKE,
]


def events(n: int, prefix: str = "t") -> list[StoredEvent]:
    return [
        stored(f"e-{prefix}{i}", f"{prefix}{i}", TYPES[i % len(TYPES)], ts=NOW_MS - (i % 97) * DAY_MS // 7)
        for i in range(n)
    ]


def test_every_heard_item_stays_known_past_the_caps(profile_settings: ProfileSettings):
    played = events(400)
    profile = Profile(user_id="u-1")
    for start in range(0, 400, 100):  # as commits of at most 100 events fold them
        profile = fold_events(profile, played[start : start + 100], {}, profile_settings)
    assert len(profile.items) == profile_settings.limits.max_items
    assert profile.heard is not None
    ids = [e.item_id for e in played]
    assert not set(ids) <= profile.known_items()  # the capped tables forgot some...
    assert profile.heard.contains_ids(ids).all()  # ...the filter none
    assert not profile.known_complete


def test_a_profile_within_its_caps_stays_complete(profile_settings: ProfileSettings):
    profile = fold_events(Profile(user_id="u-1"), events(40), {}, profile_settings)
    assert profile.known_complete
    assert profile.heard is not None
    assert profile.heard.contains_ids(sorted(profile.known_items())).all()
    assert len(profile.heard) == len(profile.known_items()) == 40


def test_impressions_are_not_heard(profile_settings: ProfileSettings):
    shown = [stored(f"e{i}", f"s{i}", EventType.IMPRESSION) for i in range(30)]
    profile = fold_events(Profile(user_id="u-1"), shown, {}, profile_settings)
    assert profile.heard is not None
    assert len(profile.heard) == 0
    assert not profile.heard.contains_ids([e.item_id for e in shown]).any()


def test_a_profile_stored_before_the_filter_is_seeded_from_its_known_items(profile_settings: ProfileSettings):
    old = fold_events(Profile(user_id="u-1"), events(30, "old"), {}, profile_settings)
    old.heard = None  # as read from an item written before the filter existed
    profile = fold_events(old, events(5, "new"), {}, profile_settings)
    assert profile.heard is not None
    assert profile.heard.contains_ids([f"old{i}" for i in range(30)] + [f"new{i}" for i in range(5)]).all()
    assert profile.known_complete
    # at a cap, an earlier cut may have dropped items: the seeded filter cannot vouch for the tables
    skips = [stored(f"e{i}", f"k{i}", EventType.SKIP) for i in range(300)]  # items at its cap, recent empty
    full = fold_events(Profile(user_id="u-2"), skips, {}, profile_settings)
    assert full.known_complete
    full.heard = None
    assert not fold_events(full, events(1, "new"), {}, profile_settings).known_complete


def test_the_filter_holds_the_same_items_whatever_the_order_and_grouping(profile_settings: ProfileSettings):
    played = events(350)
    at_once = fold_events(Profile(user_id="u-1"), played, {}, profile_settings)
    shuffled = played[:]
    random.Random(3).shuffle(shuffled)
    grouped = Profile(user_id="u-1")
    for start in range(0, 350, 37):
        grouped = fold_events(grouped, shuffled[start : start + 37], {}, profile_settings)
    assert at_once.heard is not None
    assert grouped.heard is not None
    ids = [e.item_id for e in played]
    assert at_once.heard.contains_ids(ids).all()
    assert grouped.heard.contains_ids(ids).all()
    assert at_once.known_complete == grouped.known_complete is False
    assert at_once.known_items() == grouped.known_items()


def test_a_fold_leaves_the_profile_it_read_unchanged(profile_settings: ProfileSettings):
    read = fold_events(Profile(user_id="u-1"), events(50, "a"), {}, profile_settings)
    assert read.heard is not None
    before = read.heard.to_bytes()
    folded = fold_events(read, events(50, "b"), {}, profile_settings)
    assert read.heard.to_bytes() == before  # a conflicting commit refolds from what was read
    assert folded.heard is not None
    assert folded.heard.to_bytes() != before
