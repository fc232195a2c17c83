"""The Recommender answers each route of the recommend function from its stores and caches."""

import pytest

from mixtape.catalog.cache import CatalogCache
from mixtape.config import ProfileSettings, RecommendSettings
from mixtape.errors import NotFoundError
from mixtape.learning.aligned import AlignedModelCache
from mixtape.models.api import RecommendationsResponse, SimilarItemsResponse
from mixtape.models.profile import Profile
from mixtape.profiles.apply import fold_events
from mixtape.recommender import Recommender
from mixtape.storage.memory import MemoryCatalogStore, MemoryProfileStore
from tests.unit.conftest import NOW_MS, stored


@pytest.fixture
def recommender(
    catalog: MemoryCatalogStore, profiles_store: MemoryProfileStore, recommend_settings: RecommendSettings
) -> Recommender:
    return Recommender(
        settings=recommend_settings,
        profiles=profiles_store,
        catalog=CatalogCache(catalog, recommend_settings, lambda: NOW_MS),
        model=AlignedModelCache(None),  # no learned model
    )


def test_health_reports_the_catalog_before_any_recommendation(
    recommender: Recommender, catalog: MemoryCatalogStore
) -> None:
    health = recommender.health()  # the first call of a container: it loads the catalog
    assert (health.catalog_items, health.catalog_version) == (8, 1)
    loaded = recommender.catalog.loaded
    assert loaded is not None
    assert len(loaded) == 8


def test_a_listener_never_seen_gets_the_cold_start_list(recommender: Recommender) -> None:
    reply = recommender.recommendations("nobody", limit=3)
    body = RecommendationsResponse.model_validate_json(reply.body)
    assert reply.cold_start
    assert body.cold_start
    assert (body.user_id, body.catalog_version, body.model_version) == ("nobody", 1, None)
    assert len(body.items) == 3
    assert recommender.health().catalog_items == 8


def test_a_listener_gets_their_filtered_list_and_their_profile(
    recommender: Recommender,
    catalog: MemoryCatalogStore,
    profiles_store: MemoryProfileStore,
    profile_settings: ProfileSettings,
) -> None:
    events = [stored("e1", "r1", ts=NOW_MS), stored("e2", "j1", ts=NOW_MS)]
    profile = fold_events(Profile(user_id="u-1"), events, catalog.features(["r1", "j1"]), profile_settings)
    profiles_store.commit(profile, 0)
    reply = recommender.recommendations("u-1", limit=10, exclude_explicit=True, genre="ROCK")
    items = RecommendationsResponse.model_validate_json(reply.body).items
    assert not reply.cold_start
    assert {i.item_id for i in items} == {"r2", "r3", "r5"}  # rock, not explicit (r4), not known (r1)
    assert recommender.profile("u-1").user_id == "u-1"
    with pytest.raises(NotFoundError):
        recommender.profile("nobody")


def test_similar_items_of_a_catalog_item_and_of_an_unknown_one(recommender: Recommender) -> None:
    body = SimilarItemsResponse.model_validate_json(recommender.similar_items("r1", limit=2))
    assert body.item_id == "r1"
    # r3 (art-a, like r2) scores next, but sequencing puts another artist between them.
    assert [i.item_id for i in body.items] == ["r2", "r5"]
    with pytest.raises(NotFoundError):
        recommender.similar_items("nope", limit=2)
