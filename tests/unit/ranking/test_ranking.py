"""Ranking: filters, exclusions, per-artist cap, reasons, cold start, similar items."""

import numpy as np
import pytest

from mixtape.catalog.cache import CatalogCache
from mixtape.catalog.index import CatalogIndex
from mixtape.config import ProfileSettings, RankingWeights, RecommendSettings
from mixtape.models.event_type import EventType
from mixtape.models.profile import Profile
from mixtape.models.reason import ReasonCode
from mixtape.profiles.apply import fold_events
from mixtape.ranking import (
    Ranked,
    RankingRequest,
    RankingSettings,
    Recommendations,
    recommend,
    similar_items,
    top_k_capped,
)
from mixtape.storage.memory import MemoryCatalogStore
from tests.unit.conftest import NOW_MS, make_item, stored

HALF_LIFE = 7 * 86_400_000


def build(store: MemoryCatalogStore) -> CatalogIndex:
    version, records = store.load_all()
    return CatalogIndex.build(version, records, 4, NOW_MS, HALF_LIFE)


def ids(index: CatalogIndex, ranked: list[Ranked]) -> list[str]:
    return [index.records[r.position].item_id for r in ranked]


def rank(
    profile: Profile | None,
    index: CatalogIndex,
    weights: RankingWeights,
    *,
    limit: int,
    exclude_explicit: bool = False,
    genre: str | None = None,
) -> Recommendations:
    """A request with these ranking weights, without a learned model."""
    settings = RankingSettings(weights=weights)
    return recommend(profile, index, None, RankingRequest(limit, exclude_explicit, genre, settings))


def rock_fan(catalog: MemoryCatalogStore, settings: ProfileSettings, *extra) -> Profile:
    events = [stored("e1", "r1", ts=NOW_MS), stored("e2", "r2", ts=NOW_MS), *extra]
    return fold_events(Profile(user_id="u-1"), events, catalog.features(e.item_id for e in events), settings)


def test_top_k_capped_respects_the_cap_and_order():
    scores = np.array([9, 8, 7, 6, 5, -np.inf], dtype=np.float32)
    artists = np.array([0, 0, 0, 1, 2, 2], dtype=np.int32)
    assert top_k_capped(scores, 4, artists, cap=2) == [0, 1, 3, 4]
    assert top_k_capped(scores, 10, artists, cap=1) == [0, 3, 4]  # -inf is never returned


def test_top_k_capped_widens_its_pool_when_one_artist_dominates():
    scores = np.linspace(100, 1, 200).astype(np.float32)
    artists = np.zeros(200, dtype=np.int32)
    artists[-3:] = [1, 2, 3]
    assert top_k_capped(scores, 4, artists, cap=1) == [0, 197, 198, 199]


def test_sequencing_puts_another_artist_between_two_of_one_artist():
    scores = np.array([9, 8, 7, 6, 5, 4], dtype=np.float32)
    artists = np.array([0, 0, 1, 1, 2, 2], dtype=np.int32)
    assert top_k_capped(scores, 6, artists, cap=2) == [0, 1, 2, 3, 4, 5]
    # Greedy, best first: the last place can only repeat artist 2, as nothing else is left.
    assert top_k_capped(scores, 6, artists, cap=2, spacing=1) == [0, 2, 1, 3, 4, 5]
    assert top_k_capped(scores, 6, artists, cap=2, spacing=2) == [0, 2, 4, 1, 3, 5]
    assert top_k_capped(scores[:3], 3, np.array([0, 0, 1], dtype=np.int32), cap=2, spacing=1) == [0, 2, 1]
    # Sequencing orders, it does not filter: one artist's items still make the list.
    assert top_k_capped(scores[:3], 3, np.array([0, 0, 0], dtype=np.int32), cap=3, spacing=1) == [0, 1, 2]


def test_sequencing_widens_the_pool_to_find_another_artist():
    scores = np.linspace(100, 1, 200).astype(np.float32)
    artists = np.zeros(200, dtype=np.int32)
    artists[-2:] = [1, 2]
    assert top_k_capped(scores, 3, artists, cap=2, spacing=1) == [0, 198, 1]


@pytest.mark.parametrize("spacing", [1, 2])
def test_no_artist_recurs_within_its_spacing_and_the_cap_still_holds(catalog, profile_settings, spacing: int):
    # Six more artists of four rock tracks each: art-a's (the liked artist's) score highest.
    catalog.upsert(
        [
            make_item(f"x{a}{t}", f"art-x{a}", ["rock"], [0.9, 0.1 * t, 0.1 * a, 0.0])
            for a in range(6)
            for t in range(4)
        ],
        NOW_MS,
    )
    index = build(catalog)
    profile = rock_fan(catalog, profile_settings)
    for limit in (3, 6, 12):
        weights = RankingWeights(max_per_artist=3, artist_spacing=spacing)
        for ranked in (
            rank(profile, index, weights, limit=limit).items,
            rank(None, index, weights, limit=limit).items,  # the cold-start list too
            similar_items(index, 0, limit=limit, max_per_artist=3, artist_spacing=spacing),
        ):
            artists = [index.records[r.position].artist_id for r in ranked]
            assert len(ranked) == limit  # the catalog has enough artists to fill every place
            assert max(artists.count(a) for a in artists) <= 3
            for place, artist in enumerate(artists):
                assert artist not in artists[max(0, place - spacing) : place]


def test_known_items_are_excluded_and_the_liked_artist_ranks_first(catalog, profile_settings):
    index = build(catalog)
    # Without sequencing the list is in score order (with it, see test_no_artist_recurs_within_its_spacing).
    found = rank(rock_fan(catalog, profile_settings), index, RankingWeights(artist_spacing=0), limit=5)
    ranked = found.items
    got = ids(index, ranked)
    assert not found.cold_start
    assert found.model_version is None
    assert "r1" not in got
    assert "r2" not in got
    assert got[0] == "r3"
    assert ranked[0].reason == "because you listen to Artist art-a"
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


def test_per_artist_cap_limits_one_artist_per_list(catalog, profile_settings):
    index = build(catalog)
    profile = rock_fan(catalog, profile_settings)
    ranked = rank(profile, index, RankingWeights(max_per_artist=1), limit=5).items
    artists = [index.records[r.position].artist_id for r in ranked]
    assert len(artists) == len(set(artists))


def test_disliked_items_and_artists_turned_against_are_excluded(catalog, profile_settings):
    index = build(catalog)
    profile = rock_fan(
        catalog,
        profile_settings,
        stored("d1", "j1", EventType.DISLIKE, ts=NOW_MS),
        stored("d2", "r4", EventType.DISLIKE, ts=NOW_MS),
    )
    got = ids(index, rank(profile, index, RankingWeights(max_per_artist=5), limit=10).items)
    assert not {"j1", "j2", "j3"} & set(got)  # art-c is net negative
    assert "r4" not in got
    assert "r5" not in got  # art-b's only signal is a dislike: the artist is excluded too
    assert got == ["r3"]


def test_explicit_and_genre_filters(catalog, profile_settings):
    index = build(catalog)
    profile = rock_fan(catalog, profile_settings)
    clean = ids(
        index, rank(profile, index, RankingWeights(max_per_artist=5), limit=10, exclude_explicit=True).items
    )
    assert "r4" not in clean
    jazz = ids(index, rank(profile, index, RankingWeights(max_per_artist=5), limit=10, genre="Jazz").items)
    assert set(jazz) == {"j1", "j2", "j3"}


def test_a_genre_list_names_no_artist_the_listener_never_played(catalog, profile_settings):
    """The README's `genre=jazz` for a rock listener who played r1 and r2: no jazz artist or genre is
    theirs, so no pick says so (every pick scoring 0 used to get "because you listen to" its artist); a
    jazz item may still be similar to a rock item they played, and then says which."""
    index = build(catalog)
    ranked = rank(rock_fan(catalog, profile_settings), index, RankingWeights(), limit=5, genre="jazz").items
    assert ranked
    for pick in ranked:
        assert pick.reason_code not in {ReasonCode.ARTIST, ReasonCode.GENRE}
        assert not pick.reason.startswith("because you")
        if pick.reason_code is ReasonCode.SIMILAR:
            assert pick.reason in {
                "similar to Title r1 by Artist art-a",
                "similar to Title r2 by Artist art-a",
            }


def test_cold_start_serves_popular_items_with_reason(catalog):
    catalog.add_popularity(
        {"j2": {NOW_MS // (28 * 86_400_000): 50.0}, "r5": {NOW_MS // (28 * 86_400_000): 5.0}}, 0
    )
    index = build(catalog)
    found = rank(None, index, RankingWeights(), limit=2)
    ranked = found.items
    assert found.cold_start
    assert found.model_version is None
    assert ids(index, ranked) == ["j2", "r5"]
    assert {r.reason for r in ranked} == {"popular now"}


def test_a_listener_with_only_negative_signals_gets_cold_start_minus_what_they_disliked(
    catalog, profile_settings
):
    index = build(catalog)
    profile = fold_events(
        Profile(user_id="u-1"),
        [stored("d", "j1", EventType.DISLIKE)],
        catalog.features(["j1"]),
        profile_settings,
    )
    found = rank(profile, index, RankingWeights(max_per_artist=9), limit=20)
    ranked = found.items
    assert found.cold_start
    assert "j1" not in ids(index, ranked)
    assert len(ranked) == len(index) - 1


def test_similarity_reason_names_the_anchor_track(profile_settings):
    store = MemoryCatalogStore()
    store.upsert(
        [
            make_item("a1", "art-1", ["x"], [1, 0, 0, 0]),
            make_item("b1", "art-2", ["y"], [0.99, 0.1, 0, 0]),
            make_item("c1", "art-3", ["z"], [0, 0, 1, 0]),
        ],
        NOW_MS,
    )
    index = build(store)
    profile = fold_events(Profile(user_id="u"), [stored("e", "a1")], store.features(["a1"]), profile_settings)
    weights = RankingWeights(artist=0.0, genre=0.0, popularity=0.0)
    ranked = rank(profile, index, weights, limit=1).items
    assert ids(index, ranked) == ["b1"]
    assert ranked[0].reason == "similar to Title a1 by Artist art-1"


def test_similar_items_prefer_embedding_neighbours_and_exclude_the_item(catalog):
    index = build(catalog)
    ranked = similar_items(index, index.position["r1"], limit=4, max_per_artist=5)
    got = ids(index, ranked)
    assert "r1" not in got
    assert got[:2] == ["r2", "r3"]  # same embedding, artist and genre
    assert not {"j1", "j2"} & set(got[:3])


def test_catalog_cache_reloads_only_when_the_version_changes(catalog, recommend_settings: RecommendSettings):
    clock = {"t": 0.0}
    loads = {"n": 0}
    original = catalog.load_all

    def counting_load():
        loads["n"] += 1
        return original()

    catalog.load_all = counting_load
    cache = CatalogCache(catalog, recommend_settings, lambda: NOW_MS, monotonic=lambda: clock["t"])
    assert len(cache.get()) == 8
    clock["t"] = 10.0
    cache.get()
    cache.wait()  # once an index is loaded, checks run in the background
    assert loads["n"] == 1  # version unchanged: no reload
    catalog.upsert([make_item("new", "art-z", ["rock"], None)], NOW_MS)
    clock["t"] = 10.5
    assert len(cache.get()) == 8  # checked less than catalog_check_seconds ago
    cache.wait()
    assert len(cache.get()) == 8
    clock["t"] = 13.0
    cache.get()
    cache.wait()
    assert len(cache.get()) == 9
    assert loads["n"] == 2


@pytest.mark.parametrize("limit", [1, 3, 8, 20])
def test_recommendations_never_exceed_limit_or_repeat(catalog, profile_settings, limit):
    index = build(catalog)
    ranked = rank(
        rock_fan(catalog, profile_settings), index, RankingWeights(max_per_artist=9), limit=limit
    ).items
    got = ids(index, ranked)
    assert len(got) == len(set(got)) <= limit
    assert len(got) == min(limit, len(index) - 2)


def test_cold_start_on_an_unplayed_catalog_orders_by_release_date():
    store = MemoryCatalogStore()
    store.upsert(
        [
            make_item("old", "art-1", [], None, release_date="1990-01-01"),
            make_item("new", "art-2", [], None, release_date="2026-11-01"),
            make_item("undated", "art-3", [], None),
        ],
        NOW_MS,
    )
    index = build(store)
    found = rank(None, index, RankingWeights(), limit=3)
    ranked = found.items
    assert found.cold_start
    assert ids(index, ranked) == ["new", "old", "undated"]
    assert ranked[0].reason == "new release"
