"""Rerank, blend, mutes and onboarding seeds: the recommend path's terms and filters on other lists."""

import numpy as np
import pytest

from mixtape.catalog.index import CatalogIndex
from mixtape.config import RankingWeights
from mixtape.learning.aligned import AlignedModel
from mixtape.models.event_type import EventType
from mixtape.models.preferences import Preferences
from mixtape.models.profile import Profile
from mixtape.models.reason import ReasonCode
from mixtape.models.rerank import Filter
from mixtape.profiles.apply import fold_events
from mixtape.ranking import RankingSettings
from mixtape.ranking.blend import blend
from mixtape.ranking.rerank import rerank
from tests.unit.conftest import NOW_MS, stored
from tests.unit.ranking.randomized import DIM, random_catalog, random_listener, random_model, rank
from tests.unit.ranking.test_ranking import build, rock_fan

SETTINGS = RankingSettings()


def with_preferences(profile: Profile, **choices: list[str]) -> Profile:
    profile.preferences = Preferences.model_validate(choices)
    return profile


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("with_model", [True, False])
def test_rerank_gives_recommends_scores_order_and_reasons(seed: int, with_model: bool) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(60, 200))
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    artifact = random_model(rng, n) if with_model else None
    model = AlignedModel.build(artifact, index) if artifact is not None else None
    profile = random_listener(rng, n, artifact)
    listed = rank(profile, index, model, limit=15).items
    ids = [index.records[r.position].item_id for r in listed]
    asked = [ids[j] for j in rng.permutation(len(ids))] + ["not-in-catalog"]
    found = rerank(profile, index, model, asked, SETTINGS, apply_filters=True)
    assert found.unknown == ["not-in-catalog"]
    assert found.filtered == []
    got = [pick for pick, flag in found.items]
    # Recommend's list is sequenced (no adjacent artist), rerank's is the caller's candidates by score.
    assert {p.position: p.score for p in got} == pytest.approx(
        {r.position: r.score for r in listed}, abs=1e-4
    )
    assert [p.score for p in got] == sorted((p.score for p in got), reverse=True)
    by_position = {r.position: r for r in listed}
    for pick in got:
        assert (pick.reason_code, pick.reason) == by_position[pick.position][2:]


def test_rerank_applies_or_flags_the_listeners_filters(catalog, profile_settings):
    index = build(catalog)
    profile = rock_fan(
        catalog, profile_settings, *(stored(f"d{i}", "r5", EventType.DISLIKE) for i in range(3))
    )
    with_preferences(profile, muted_genres=["jazz"])
    assert profile.artists["art-b"] < 0  # r4, r5's artist: turned against
    asked = ["r3", "j1", "r5", "r4", "r1"]
    applied = rerank(profile, index, None, asked, SETTINGS, apply_filters=True)
    assert [index.records[p.position].item_id for p, _ in applied.items] == ["r3", "r1"]
    assert [(index.records[p].item_id, f) for p, f in applied.filtered] == [
        ("j1", Filter.MUTED_GENRE),
        ("r5", Filter.DISLIKED),
        ("r4", Filter.ARTIST_DISLIKED),
    ]
    flagged = rerank(profile, index, None, asked, SETTINGS, apply_filters=False)
    assert flagged.filtered == []
    flags = [(index.records[p.position].item_id, f) for p, f in flagged.items]
    assert flags[:2] == [("r3", None), ("r1", None)]  # a played item is not filtered: rerank keeps it
    assert dict(flags[2:]) == {
        "j1": Filter.MUTED_GENRE,
        "r5": Filter.DISLIKED,
        "r4": Filter.ARTIST_DISLIKED,
    }


def test_muted_artists_and_genres_are_never_recommended(catalog, profile_settings):
    index = build(catalog)
    profile = rock_fan(catalog, profile_settings)
    before = {index.records[r.position].artist_id for r in rank(profile, index, None, limit=8).items}
    assert "art-a" in before
    assert "art-c" in before
    with_preferences(profile, muted_artists=["art-a"], muted_genres=["jazz"])
    after = [index.records[r.position] for r in rank(profile, index, None, limit=8).items]
    assert after
    assert all(r.artist_id != "art-a" and "jazz" not in r.genres for r in after)
    cold = with_preferences(Profile(user_id="new"), muted_genres=["rock"])
    listed = [index.records[r.position] for r in rank(cold, index, None, limit=8).items]
    assert listed
    assert all("rock" not in r.genres for r in listed)


def test_seeds_lead_the_cold_start_list_until_there_is_history(catalog, profile_settings):
    index = build(catalog)
    new = with_preferences(Profile(user_id="new"), seed_artists=["art-c"], seed_genres=["rock"])
    found = rank(new, index, None, limit=4)
    assert found.cold_start
    first = index.records[found.items[0].position]
    assert first.artist_id == "art-c"
    assert (found.items[0].reason_code, found.items[0].reason) == (
        ReasonCode.SEED,
        "because you picked Artist art-c",
    )
    rest = [r for r in found.items if index.records[r.position].artist_id != "art-c"]
    assert rest
    assert all(r.reason == "because you picked rock" for r in rest)
    fan = with_preferences(rock_fan(catalog, profile_settings), seed_artists=["art-c"])
    assert not any(r.reason_code is ReasonCode.SEED for r in rank(fan, index, None, limit=4).items)


def test_blend_serves_each_listener_and_holds_every_listeners_filters(catalog, profile_settings):
    index = build(catalog)
    rock = rock_fan(catalog, profile_settings)  # played r1, r2 (art-a)
    jazz_events = [stored("j-1", "j1", user_id="u-2"), stored("j-2", "r4", EventType.DISLIKE, user_id="u-2")]
    jazz = fold_events(Profile(user_id="u-2"), jazz_events, catalog.features(["j1", "r4"]), profile_settings)
    with_preferences(jazz, muted_artists=["art-b"])
    found = blend([("u-1", rock), ("u-2", jazz)], index, None, 6, SETTINGS)
    picked = [index.records[p.position] for p, _ in found.items]
    assert picked
    ids = {r.item_id for r in picked}
    assert not ids & {"r1", "r2", "j1", "r4"}  # known to one of them
    assert all(r.artist_id != "art-b" for r in picked)  # muted by u-2
    for pick, whose in found.items:
        record = index.records[pick.position]
        users = [u for u, _ in whose]
        if record.artist_id == "art-a":
            assert "u-1" in users
        if record.artist_id == "art-c":
            assert "u-2" in users
        if whose:
            assert pick.reason_code is ReasonCode.GROUP
            assert pick.reason == "for " + " and ".join(users)
    scores = [p.score for p, _ in found.items]
    assert scores == sorted(scores, reverse=True)


def test_blend_is_least_misery_an_item_one_listener_rejects_never_wins(catalog, profile_settings):
    index = build(catalog)
    rock = rock_fan(catalog, profile_settings)
    other = rock_fan(catalog, profile_settings, *(stored(f"x{i}", "r3", EventType.DISLIKE) for i in range(4)))
    alone = [index.records[r.position].item_id for r in rank(rock, index, None, limit=3).items]
    assert "r3" in alone
    together = blend([("a", rock), ("b", other)], index, None, 3, SETTINGS)
    assert "r3" not in [index.records[p.position].item_id for p, _ in together.items]


def test_blend_of_new_listeners_uses_their_seeds():
    rng = np.random.default_rng(3)
    index = CatalogIndex.build(1, random_catalog(rng, 80), DIM, NOW_MS, 1.0)
    artist = index.records[0].artist_id
    seeded = with_preferences(Profile(user_id="s"), seed_artists=[artist])
    found = blend([("s", seeded), ("n", None)], index, None, 3, RankingSettings(weights=RankingWeights()))
    first, whose = found.items[0]
    assert index.records[first.position].artist_id == artist
    assert [u for u, _ in whose] == ["s"]
    assert whose[0][1].code is ReasonCode.SEED


def test_rerank_for_a_new_listener_uses_cold_start_scores_and_seeds(catalog):
    index = build(catalog)
    new = with_preferences(Profile(user_id="new"), seed_genres=["jazz"], muted_artists=["art-b"])
    found = rerank(new, index, None, ["r1", "r5", "j3", "j1"], SETTINGS, apply_filters=True)
    assert found.cold_start
    assert [index.records[p].item_id for p, _ in found.filtered] == ["r5"]
    ranked = [(index.records[p.position].item_id, p.reason) for p, _ in found.items]
    assert {i for i, _ in ranked[:2]} == {"j3", "j1"}
    assert all(reason == "because you picked jazz" for _, reason in ranked[:2])
    assert ranked[2][0] == "r1"
    assert ranked[2][1] in {"popular now", "new release", "something new for you"}
