"""Time-of-day taste in the profile: genre affinity per daypart of each event's local time, bounded."""

from mixtape.config import ProfileLimits, ProfileSettings
from mixtape.models.event_type import EventType
from mixtape.models.events import EventContext, StoredEvent
from mixtape.models.profile import Profile
from mixtape.profiles.apply import fold_events
from mixtape.storage.memory import MemoryCatalogStore
from tests.unit.conftest import DAY_MS, NOW_MS, make_item

MIDNIGHT = NOW_MS - NOW_MS % DAY_MS - DAY_MS


def play(event_id: str, item_id: str, hour: int, offset: int | None = None) -> StoredEvent:
    return StoredEvent(
        event_id=event_id,
        user_id="u-1",
        item_id=item_id,
        type=EventType.PLAY,
        timestamp=MIDNIGHT + hour * 3_600_000,
        ms_played=200_000,
        context=EventContext(utc_offset_minutes=offset) if offset is not None else None,
        ingested_at=NOW_MS,
    )


def test_each_daypart_keeps_its_strongest_genres(profile_settings: ProfileSettings) -> None:
    catalog = MemoryCatalogStore()
    catalog.upsert([make_item(f"g{i}", f"a{i}", [f"genre-{i}"], None) for i in range(6)], NOW_MS)
    settings = profile_settings.model_copy(update={"limits": ProfileLimits(max_daypart_genres=3)})
    events = [play(f"e{i}-{n}", f"g{i}", hour=9) for i in range(6) for n in range(i + 1)]
    events.append(play("late", "g0", hour=9, offset=13 * 60))  # 22:00 local: the evening
    profile = fold_events(
        Profile(user_id="u-1"), events, catalog.features([f"g{i}" for i in range(6)]), settings
    )
    assert set(profile.dayparts["morning"]) == {"genre-3", "genre-4", "genre-5"}  # the three most played
    assert set(profile.dayparts["evening"]) == {"genre-0"}
    assert len(profile.genres) == 6  # the overall genres keep their own, wider bound


def test_items_without_genres_add_no_daypart(profile_settings: ProfileSettings) -> None:
    catalog = MemoryCatalogStore()
    catalog.upsert([make_item("x", "a", [], None)], NOW_MS)
    profile = fold_events(
        Profile(user_id="u-1"), [play("e", "x", hour=9)], catalog.features(["x"]), profile_settings
    )
    assert profile.dayparts == {}
