"""Fatigue: an item shown again and again without a play is demoted, and recovers."""

import numpy as np
import pytest

from mixtape.catalog.index import CatalogIndex
from mixtape.config import ProfileSettings, RankingWeights
from mixtape.models.event_type import EventType
from mixtape.models.profile import Profile
from mixtape.profiles.apply import fold_events
from mixtape.ranking import RankingRequest, RankingSettings, recommend
from mixtape.ranking.fatigue import Fatigue
from mixtape.storage.memory import MemoryCatalogStore
from tests.unit.conftest import NOW_MS, stored

HALF_LIFE = 7 * 86_400_000.0
SETTINGS = RankingSettings(weights=RankingWeights(artist_spacing=0))


def build(store: MemoryCatalogStore) -> CatalogIndex:
    version, records = store.load_all()
    return CatalogIndex.build(version, records, 4, NOW_MS, HALF_LIFE)


def listener(catalog: MemoryCatalogStore, settings: ProfileSettings, showings: int, item: str) -> Profile:
    events = [stored("p1", "r1", ts=NOW_MS), stored("p2", "r2", ts=NOW_MS)]
    events += [stored(f"i{n}", item, EventType.IMPRESSION, ts=NOW_MS) for n in range(showings)]
    return fold_events(Profile(user_id="u-1"), events, catalog.features(["r1", "r2"]), settings)


def top(profile: Profile | None, index: CatalogIndex, now_ms: int | None, limit: int = 3) -> list[str]:
    found = recommend(profile, index, None, RankingRequest(limit, settings=SETTINGS, now_ms=now_ms))
    return [index.records[r.position].item_id for r in found.items]


def test_an_item_shown_three_times_without_a_play_is_demoted_and_recovers(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    index = build(catalog)
    fresh = top(listener(catalog, profile_settings, 0, "r3"), index, NOW_MS)
    assert fresh[0] == "r3"  # the liked artist's next track leads
    assert top(listener(catalog, profile_settings, 2, "r3"), index, NOW_MS)[0] == "r3"  # twice: not yet
    tired = listener(catalog, profile_settings, 3, "r3")
    assert tired.counts["play"] == 2  # the showings are no plays
    demoted = top(tired, index, NOW_MS)
    assert demoted[0] != "r3"
    assert "r3" not in demoted[:1]
    # One impression half-life later the count is 1.5: below the two showings the demotion starts from.
    later = NOW_MS + int(profile_settings.impression_half_life_ms)
    assert top(tired, index, later)[0] == "r3"
    assert top(tired, index, None)[0] == "r3"  # no clock given: no fatigue


def test_the_cold_start_list_is_demoted_too(catalog: MemoryCatalogStore, profile_settings: ProfileSettings):
    index = build(catalog)
    first = top(None, index, NOW_MS)[0]
    events = [stored(f"i{n}", first, EventType.IMPRESSION, ts=NOW_MS) for n in range(4)]
    shown_only = fold_events(Profile(user_id="u-2"), events, {}, profile_settings)
    assert not shown_only.has_positive_signal()
    assert top(shown_only, index, NOW_MS)[0] != first


def test_candidate_demotion_matches_the_catalog_wide_one(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
):
    index = build(catalog)
    profile = listener(catalog, profile_settings, 3, "r3")
    assert profile.impressions_ref_ms == NOW_MS  # stored counts are the counts as of now
    profile.impressions |= {"j1": 5.0, "r5": 2.5, "not-in-catalog": 9.0}
    fatigue = Fatigue.of(profile, index, RankingRequest(5, settings=SETTINGS, now_ms=NOW_MS))
    assert len(fatigue.positions) == 3  # r3, j1, r5 (half demoted); the unknown id is dropped
    scores = np.arange(len(index), dtype=np.float32)
    wide = scores.copy()
    fatigue.apply(wide)
    candidates = np.array([7, 0, index.position["j1"], index.position["r3"], 3], dtype=np.int64)
    picked = scores[candidates].copy()
    fatigue.apply_to(picked, candidates)
    np.testing.assert_array_equal(picked, wide[candidates])
    assert wide[index.position["r5"]] == pytest.approx(index.position["r5"] - 0.5, abs=1e-3)
