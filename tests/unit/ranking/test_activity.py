"""Activity levels: which level a listener's count of heard items picks (ranges `above` exclusive, `up_to`
inclusive), where the level's weights sit in the merge order of the context's overrides, and a blend that
ranks each member with their own level."""

import numpy as np
import pytest

from mixtape.catalog.index import CatalogIndex
from mixtape.config import RankingWeights, RecommendSettings
from mixtape.learning.aligned import AlignedModel
from mixtape.models.context import RankingContext
from mixtape.ranking import RankingSettings
from mixtape.ranking.blend import Member, blend
from mixtape.ranking.context import ContextResolver
from tests.unit.ranking.randomized import DIM, random_catalog, random_listener, random_model

TABLES = {"profiles_table": "p", "catalog_table": "c"}


@pytest.mark.parametrize(
    ("heard", "level"),
    [
        (None, None),  # no profile: cold start
        (0, None),  # a profile with nothing heard (only impressions, or preferences)
        (1, "light"),
        (20, "light"),  # up_to is inclusive
        (21, None),
        (150, None),  # above is exclusive
        (151, "heavy"),
        (50_000, "heavy"),  # no upper bound
    ],
)
def test_the_default_levels_hold_their_ranges(heard: int | None, level: str | None) -> None:
    resolver = ContextResolver(RecommendSettings(**TABLES))
    resolved = resolver.resolve("u-1", RankingContext(), heard)
    assert resolved.activity == level
    debias = (resolved.settings.weights.debias, resolved.settings.weights.debias_exposure)
    deployment = RankingWeights()
    assert debias == ((0.0, 0.0) if level else (deployment.debias, deployment.debias_exposure))
    if level is None:
        assert resolved.settings is resolver.base


@pytest.mark.parametrize("heard", [None, 0, 5, 50, 500])
def test_no_levels_configured_is_one_set_of_weights_for_everyone(heard: int | None) -> None:
    resolver = ContextResolver(
        RecommendSettings.from_environ(
            {"PROFILES_TABLE": "p", "CATALOG_TABLE": "c", "RANKING_ACTIVITY": "[]"}
        )
    )
    resolved = resolver.resolve("u-1", RankingContext(), heard)
    assert resolved.activity is None
    assert resolved.settings is resolver.base
    assert resolver.of_activity(heard) is resolver.base


# Five layers, each setting the weights of every later-winning one's and one more: what each weight ends up
# as names the layer that must win it.
LAYERED = RecommendSettings(
    **TABLES,
    ranking=RankingWeights(artist=0.6, genre=0.35, taste=1.0, daypart=0.5),
    ranking_activity=(
        {
            "name": "heavy",
            "above": 100,
            "ranking": {"artist": 0.1, "genre": 0.1, "taste": 0.1, "daypart": 0.1, "explore": 0.1},
        },
    ),
    ranking_devices={"tv": {"genre": 0.2, "taste": 0.2, "daypart": 0.2, "explore": 0.2}},
    ranking_surfaces={"radio": {"taste": 0.3, "daypart": 0.3, "explore": 0.3}},
    experiments=(
        {
            "name": "exp",
            "variants": [{"name": "all", "share": 1.0, "ranking": {"daypart": 0.4, "explore": 0.4}}],
        },
    ),
)


def test_level_under_device_under_surface_under_experiment_under_the_request() -> None:
    resolver = ContextResolver(LAYERED)
    every = resolver.resolve("u-1", RankingContext(device="tv", surface="radio", explore=0.5), 101)
    weights = every.settings.weights
    assert (weights.artist, weights.genre, weights.taste, weights.daypart, weights.explore) == (
        0.1,  # level over the deployment
        0.2,  # device over level
        0.3,  # surface over device
        0.4,  # experiment over surface
        0.5,  # the request over everything
    )
    assert every.activity == "heavy"
    # Below the level's range the deployment's artist weight is back; the rest as before.
    typical = resolver.resolve("u-1", RankingContext(device="tv", surface="radio", explore=0.5), 100)
    assert (typical.settings.weights.artist, typical.settings.weights.genre) == (0.6, 0.2)
    assert typical.activity is None
    # The level alone (no context, no experiment): what a blend member ranks with.
    alone = resolver.of_activity(101).weights
    assert (alone.artist, alone.genre, alone.daypart, alone.explore) == (0.1, 0.1, 0.1, 0.1)
    assert resolver.of_activity(None) is resolver.base


def test_merged_weights_are_cached_per_level() -> None:
    resolver = ContextResolver(LAYERED)
    first = resolver.resolve("u-1", RankingContext(device="tv"), 150).settings.weights
    assert resolver.resolve("u-2", RankingContext(device="tv"), 9_000).settings.weights is first
    assert resolver.resolve("u-1", RankingContext(device="tv"), 99).settings.weights is not first


def test_a_blend_ranks_each_member_with_their_own_settings_and_caps_with_the_groups() -> None:
    rng = np.random.default_rng(5)
    n = 240
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    artifact = random_model(rng, n)
    model = AlignedModel.build(artifact, index)
    members: list[Member] = [
        ("a", random_listener(rng, n, artifact)),
        ("b", random_listener(rng, n, artifact)),
    ]
    base = RankingSettings()
    heavy = RankingSettings(weights=RankingWeights(debias=0.0, debias_exposure=0.0, artist=2.0))

    def picks(settings: RankingSettings, own: list[RankingSettings] | None) -> list[tuple[int, float]]:
        found = blend(members, index, model, 20, settings, own)
        return [(p.position, round(p.score, 5)) for p, _ in found.items]

    # Every member with the same settings is the blend with those settings for the group.
    assert picks(base, [heavy, heavy]) == picks(heavy, None)
    assert picks(base, [base, base]) == picks(base, None)
    # One member's own weights move the group's list.
    assert picks(base, [heavy, base]) != picks(base, None)
    # The per-artist cap is the group's, whatever a member's own.
    one_each = RankingSettings(weights=RankingWeights(max_per_artist=1))
    capped = blend(members, index, model, 30, RankingSettings(), [one_each, one_each])
    artists = [int(index.artist_of[p.position]) for p, _ in capped.items]
    assert max(artists.count(a) for a in artists) == 2
