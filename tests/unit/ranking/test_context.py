"""Context: time-of-day taste, surface and device presets and experiment variants, merged in the
documented order over the deployment's weights."""

import pytest

from mixtape.catalog.cache import CatalogCache
from mixtape.config import ProfileSettings, RankingWeights, RecommendSettings
from mixtape.learning.aligned import AlignedModelCache
from mixtape.models.api import RecommendationsResponse
from mixtape.models.context import Daypart, RankingContext
from mixtape.models.event_type import EventType
from mixtape.models.events import EventContext, StoredEvent
from mixtape.models.profile import Profile
from mixtape.profiles.apply import fold_events
from mixtape.ranking.context import ContextResolver
from mixtape.ranking.experiments import bucket, variant_of
from mixtape.recommender import Recommender
from mixtape.storage.memory import MemoryCatalogStore, MemoryProfileStore
from tests.unit.conftest import DAY_MS, NOW_MS, make_item

HOUR_MS = 3_600_000
MIDNIGHT = NOW_MS - NOW_MS % DAY_MS - 3 * DAY_MS  # UTC midnight, three days ago


def listening(item_id: str, local_hour: int, day: int, offset_minutes: int) -> StoredEvent:
    """A play at `local_hour` in a time zone `offset_minutes` east of UTC."""
    return StoredEvent(
        event_id=f"{item_id}-{day}",
        user_id="u-1",
        item_id=item_id,
        type=EventType.PLAY,
        timestamp=MIDNIGHT + day * DAY_MS + local_hour * HOUR_MS - offset_minutes * 60_000,
        ms_played=200_000,
        context=EventContext(utc_offset_minutes=offset_minutes),
        ingested_at=NOW_MS,
    )


@pytest.fixture
def night_and_day(profile_settings: ProfileSettings) -> Recommender:
    """A listener in UTC+2 who plays jazz at 08:00 (two days) and metal at 22:00 (three days)."""
    catalog = MemoryCatalogStore()
    catalog.upsert(
        [make_item(f"j{i}", "jazz-a" if i < 3 else "jazz-b", ["jazz"], None) for i in range(5)]
        + [make_item(f"m{i}", "metal-a" if i < 3 else "metal-b", ["metal"], None) for i in range(5)],
        NOW_MS,
    )
    events = [listening("j0", 8, day, 120) for day in (0, 1)] + [
        listening("m0", 22, d, 120) for d in (0, 1, 2)
    ]
    profile = fold_events(Profile(user_id="u-1"), events, catalog.features(["j0", "m0"]), profile_settings)
    assert set(profile.dayparts) == {Daypart.MORNING, Daypart.EVENING}
    profiles = MemoryProfileStore()
    profiles.commit(profile, 0)
    # Sequencing off: the two best items are one artist's, which it would keep apart (test_ranking covers it).
    settings = RecommendSettings(
        profiles_table="p", catalog_table="c", embedding_dim=4, ranking=RankingWeights(artist_spacing=0)
    )
    return Recommender(
        settings, profiles, CatalogCache(catalog, settings, lambda: NOW_MS), AlignedModelCache(None)
    )


def genres_in_order(recommender: Recommender, context: RankingContext) -> list[str]:
    reply = recommender.recommendations("u-1", limit=4, context=context)
    return [item.genres[0] for item in RecommendationsResponse.model_validate_json(reply.body).items]


def test_jazz_first_at_eight_in_the_morning_and_metal_first_at_ten_at_night(
    night_and_day: Recommender,
) -> None:
    assert genres_in_order(night_and_day, RankingContext(local_time="08:00"))[:2] == ["jazz", "jazz"]
    assert genres_in_order(night_and_day, RankingContext(local_time="22:00"))[:2] == ["metal", "metal"]
    # Without a local time there is no time-of-day term: the listener's overall taste (more metal) leads.
    assert genres_in_order(night_and_day, RankingContext())[:2] == ["metal", "metal"]
    # In the afternoon nothing was played: the overall order again.
    assert genres_in_order(night_and_day, RankingContext(local_time="15:00"))[:2] == ["metal", "metal"]


def test_the_reply_reports_the_context_it_ranked_in(night_and_day: Recommender) -> None:
    reply = night_and_day.recommendations(
        "u-1", limit=2, context=RankingContext(surface="home", local_time="07:59")
    )
    body = RecommendationsResponse.model_validate_json(reply.body)
    assert (body.context.surface, body.context.daypart, body.context.explore) == (
        "home",
        Daypart.MORNING,
        0.0,
    )
    assert body.experiments == []
    assert reply.variant is None
    assert len(body.recommendation_id) == 16


SETTINGS = RecommendSettings(
    profiles_table="p",
    catalog_table="c",
    ranking=RankingWeights(artist=0.5, genre=0.3),
    ranking_devices={"tv": {"artist": 0.1, "genre": 0.2, "taste": 0.0}},
    ranking_surfaces={"radio": {"artist": 0.9, "max_per_artist": 1, "explore": 0.1}},
    experiments=(
        {
            "name": "genre-test",
            "variants": [{"name": "all", "share": 1.0, "ranking": {"genre": 0.7, "explore": 0.3}}],
        },
    ),
)


def test_overrides_merge_deployment_device_surface_experiment_then_request() -> None:
    resolved = ContextResolver(SETTINGS).resolve(
        "u-1", RankingContext(surface="radio", device="tv", explore=0.05)
    )
    weights = resolved.settings.weights
    assert weights.taste == 0.0  # device
    assert weights.artist == 0.9  # surface over device
    assert weights.max_per_artist == 1
    assert weights.genre == 0.7  # experiment over device
    assert weights.explore == 0.05  # the request over the experiment and the surface
    assert [(a.experiment, a.variant) for a in resolved.assignments] == [("genre-test", "all")]
    without = ContextResolver(SETTINGS).resolve("u-1", RankingContext(surface="radio", device="tv"))
    assert without.settings.weights.explore == 0.3


def test_unknown_surfaces_and_devices_rank_with_the_deployment_weights() -> None:
    plain = RecommendSettings(
        profiles_table="p", catalog_table="c", ranking_surfaces={"radio": {"artist": 2.0}}
    )
    resolver = ContextResolver(plain)
    resolved = resolver.resolve("u-1", RankingContext(surface="podcasts", device="car"))
    assert resolved.settings is resolver.base
    assert resolved.daypart is None


def test_buckets_are_stable_uniform_and_independent_between_experiments() -> None:
    users = [f"user-{i}" for i in range(4_000)]
    first = [bucket("exp-a", u) for u in users]
    assert first == [bucket("exp-a", u) for u in users]
    assert all(0.0 <= b < 1.0 for b in first)
    assert sum(b < 0.3 for b in first) == pytest.approx(1_200, abs=150)  # ~ 7 binomial standard deviations
    second = [bucket("exp-b", u) for u in users]
    both = sum(a < 0.5 and b < 0.5 for a, b in zip(first, second, strict=True))
    assert both == pytest.approx(1_000, abs=150)  # independent: a quarter in the first half of both


def test_variants_take_their_shares_in_configuration_order() -> None:
    experiment = RecommendSettings.model_validate(
        {
            "profiles_table": "p",
            "catalog_table": "c",
            "experiments": '[{"name": "ab", "variants": '
            '[{"name": "a", "share": 0.2}, {"name": "b", "share": 0.8}]}]',
        }
    ).experiments[0]
    for user in (f"u{i}" for i in range(200)):
        assert variant_of(experiment, user).name == ("a" if bucket("ab", user) < 0.2 else "b")
