"""Trending: credits once per listener, item and bucket; rolling windows; velocity; served from memory."""

import numpy as np
import pytest

from mixtape.catalog.cache import CatalogCache
from mixtape.catalog.index import CatalogIndex
from mixtape.catalog.trending import TrendingIndex, counter_deltas, credits
from mixtape.config import ProfileSettings, RecommendSettings, TrendingSettings
from mixtape.learning.aligned import AlignedModelCache
from mixtape.models.catalog import PopularityEntries
from mixtape.models.event_type import EventType
from mixtape.models.events import ProfileUpdateMessage
from mixtape.models.profile import Profile
from mixtape.models.trend import DAY_MS, HOUR_MS, TrendEntries, is_kept
from mixtape.profiles.apply import fold
from mixtape.profiles.batch import process_messages
from mixtape.recommender import Recommender
from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore
from tests.unit.conftest import NOW_MS, stored

HOUR0 = NOW_MS // HOUR_MS * HOUR_MS  # the start of NOW_MS's hour
SETTINGS = TrendingSettings(smoothing=5.0)


def test_a_listener_credits_an_item_once_per_hour_and_once_per_day(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    events = [
        stored("e1", "r1", ts=HOUR0 + 1_000),
        stored("e2", "r1", EventType.LIKE, ts=HOUR0 + 2_000),  # same hour: no second credit
        stored("e3", "r1", ts=HOUR0 + HOUR_MS + 5),  # next hour: an hour credit (same day or not)
        stored("e4", "r1", EventType.SKIP, ts=HOUR0 + 3 * HOUR_MS),  # not positive: nothing
        stored("e5", "r2", EventType.IMPRESSION, ts=HOUR0),  # shown, not played: nothing
    ]
    got = fold(Profile(user_id="u-1"), events, catalog.features(["r1", "r2"]), profile_settings).trend
    hours = [c.counter for c in got if c.counter.startswith("th")]
    days = [c.counter for c in got if c.counter.startswith("td")]
    assert hours == [f"th{HOUR0 // HOUR_MS}", f"th{HOUR0 // HOUR_MS + 1}"]
    # The day is credited once, and again only if the next hour is another day.
    assert days == [f"td{d}" for d in sorted({(HOUR0 + 1_000) // DAY_MS, (HOUR0 + HOUR_MS + 5) // DAY_MS})]
    # A listener whose profile already remembers a play this hour credits nothing more.
    again = fold(Profile(user_id="u-1"), events[:1], {}, profile_settings).profile
    assert fold(again, [stored("e9", "r1", ts=HOUR0 + 9_000)], {}, profile_settings).trend == ()


def test_only_counters_some_window_reads_are_kept():
    hour, day = NOW_MS // HOUR_MS, NOW_MS // DAY_MS
    assert is_kept(f"th{hour}", NOW_MS)
    assert is_kept(f"th{hour - 49}", NOW_MS)  # the previous 24h window's oldest, partial hour
    assert not is_kept(f"th{hour - 50}", NOW_MS)
    assert is_kept(f"td{day - 15}", NOW_MS)
    assert not is_kept(f"td{day - 16}", NOW_MS)
    assert not is_kept("pop_12", NOW_MS)
    old = credits(stored("e1", "r1", ts=NOW_MS - 3 * DAY_MS), None, 0)
    assert counter_deltas(old, NOW_MS) == {"r1": {f"td{(NOW_MS - 3 * DAY_MS) // DAY_MS}": 1.0}}


def entries(rows: list[tuple[int, int, float]]) -> TrendEntries:
    return TrendEntries(
        np.asarray([r[0] for r in rows], dtype=np.int64),
        np.asarray([r[1] for r in rows], dtype=np.int64),
        np.asarray([r[2] for r in rows], dtype=np.float64),
    )


def test_windows_roll_with_the_oldest_bucket_counting_its_share():
    hour = HOUR0 // HOUR_MS
    now = HOUR0 + HOUR_MS // 4  # a quarter into the current hour
    hours = entries([(0, hour, 4.0), (0, hour - 1, 8.0), (0, hour - 2, 20.0), (0, hour - 30, 100.0)])
    trend = TrendingIndex.build(hours, entries([]), 1, now, SETTINGS)
    one = trend.windows["1h"]
    # 1h: this hour's 4 + three quarters of the last hour's 8; before: a quarter of 8 + 3/4 of 20.
    assert one.listeners[0] == pytest.approx(4 + 6)
    assert one.previous[0] == pytest.approx(2 + 15)
    assert one.velocity[0] == pytest.approx((10 - 17) / (17 + 5))
    day = trend.windows["24h"]
    assert day.listeners[0] == pytest.approx(32)
    assert day.previous[0] == pytest.approx(100)
    assert len(trend.windows["7d"].positions) == 0  # no day counters


def test_a_rising_item_outranks_a_merely_popular_one_of_the_same_size():
    hour = HOUR0 // HOUR_MS
    now = HOUR0 + HOUR_MS - 1  # the end of the hour: the previous hour barely counts
    hours = entries(
        [
            *[(0, hour, 30.0), (0, hour - 1, 30.0), (0, hour - 2, 30.0)],  # steady
            *[(1, hour, 30.0), (1, hour - 1, 2.0)],  # rising
            (2, hour, 5.0),  # new and small
        ]
    )
    one = TrendingIndex.build(hours, entries([]), 3, now, SETTINGS).windows["1h"]
    assert one.positions.tolist() == [1, 0, 2]
    assert one.velocity[0] > 1 > abs(one.velocity[1])
    assert np.all(one.listeners == pytest.approx([30, 30, 5], abs=0.01))


def test_a_batch_of_plays_trends_in_the_recommend_containers_index(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    profiles, log = MemoryProfileStore(), MemoryEventStore()
    messages = [
        (
            f"m{u}",
            ProfileUpdateMessage(user_id=f"u{u}", events=[stored(f"e{u}", "j1", ts=NOW_MS, user_id=f"u{u}")]),
        )
        for u in range(4)
    ]
    # One listener playing r1 four times counts once.
    messages.append(
        (
            "mr",
            ProfileUpdateMessage(
                user_id="u9", events=[stored(f"r{n}", "r1", ts=NOW_MS, user_id="u9") for n in range(4)]
            ),
        )
    )
    assert not process_messages(messages, profiles, log, catalog, profile_settings, NOW_MS).failed_message_ids
    version, records = catalog.load_all()
    index = CatalogIndex.build(
        version, records, 4, NOW_MS, profile_settings.popularity_half_life_ms, SETTINGS
    )
    assert index.trending is not None
    for window in ("1h", "24h", "7d"):
        found = index.trending.windows[window]
        top = {
            index.records[p].item_id: float(n) for p, n in zip(found.positions, found.listeners, strict=True)
        }
        assert top == {"j1": 4.0, "r1": 1.0}


def test_a_popularity_reload_moves_the_windows_on_and_takes_new_counters(catalog: MemoryCatalogStore):
    hour = NOW_MS // HOUR_MS
    played = catalog.records["j1"]._replace(trend={f"th{hour}": 3.0})
    catalog.records["j1"] = played
    version, records = catalog.load_all()
    index = CatalogIndex.build(version, records, 4, NOW_MS, 1.0, SETTINGS)
    assert index.trending is not None
    assert index.trending.windows["1h"].listeners.tolist() == [3.0]
    at = index.position["j1"]
    no_news = PopularityEntries(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    later = index.with_popularity(no_news, NOW_MS + 3 * HOUR_MS, 1.0, SETTINGS)  # an older snapshot
    assert later.trending is not None
    assert later.trending.as_of_ms == NOW_MS + 3 * HOUR_MS
    assert len(later.trending.windows["1h"].positions) == 0  # three hours on: out of the last hour
    assert later.trending.windows["24h"].positions.tolist() == [at]
    fresh = no_news._replace(hours=entries([(at, hour + 3, 7.0)]))
    newer = index.with_popularity(fresh, NOW_MS + 3 * HOUR_MS, 1.0, SETTINGS)
    assert newer.trending is not None
    assert newer.trending.windows["1h"].listeners.tolist() == [7.0]


def test_the_trending_route_filters_by_genre_and_flags_what_is_rising(
    catalog: MemoryCatalogStore, recommend_settings: RecommendSettings
):
    hour = NOW_MS // HOUR_MS
    now = HOUR0 + HOUR_MS // 4  # a quarter into the hour: the last hour counts 3/4
    counters = {
        "j1": {f"th{hour}": 4.0, f"th{hour - 1}": 8.0, f"th{hour - 2}": 12.0},  # 10 now, 11 before
        "j2": {f"th{hour}": 6.0},  # 6 now, none before
        "r1": {f"th{hour}": 12.0},
    }
    for item_id, trend in counters.items():
        catalog.records[item_id] = catalog.records[item_id]._replace(trend=trend)
    recommender = Recommender(
        settings=recommend_settings,
        profiles=MemoryProfileStore(),
        catalog=CatalogCache(catalog, recommend_settings, lambda: now),
        model=AlignedModelCache(None),
    )
    jazz = recommender.trending("1h", limit=5, genre="Jazz")
    assert (jazz.window, jazz.genre, jazz.catalog_version) == ("1h", "Jazz", 1)
    assert [i.item_id for i in jazz.items] == ["j2", "j1"]  # j2 rises from nothing, j1 holds steady
    assert [i.rising for i in jazz.items] == [True, False]
    assert [i.item_id for i in recommender.trending("1h", limit=1).items] == ["r1"]
    assert recommender.trending("7d", limit=5).items == []  # no day counters
