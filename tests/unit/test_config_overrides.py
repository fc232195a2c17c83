"""Surface and device presets and experiments are validated when the settings load: a bad one fails the
cold start, never a request."""

import json

import pytest
from pydantic import ValidationError

from mixtape.config import RecommendSettings

TABLES = {"PROFILES_TABLE": "p", "CATALOG_TABLE": "c"}


def experiment(*variants: tuple[str, float, dict[str, float]], name: str = "ab") -> dict[str, object]:
    return {"name": name, "variants": [{"name": n, "share": s, "ranking": r} for n, s, r in variants]}


def test_presets_and_experiments_load_from_json_variables() -> None:
    settings = RecommendSettings.from_environ(
        {
            **TABLES,
            "RANKING_SURFACES": '{"radio": {"artist": 1.2, "explore": 0.1}}',
            "RANKING_DEVICES": '{"tv": {"max_per_artist": 1}}',
            "EXPERIMENTS": json.dumps([experiment(("control", 0.5, {}), ("bold", 0.5, {"genre": 0.7}))]),
        }
    )
    assert settings.ranking_surfaces == {"radio": {"artist": 1.2, "explore": 0.1}}
    assert settings.ranking_devices == {"tv": {"max_per_artist": 1}}
    assert [v.name for v in settings.experiments[0].variants] == ["control", "bold"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RANKING_SURFACES", '{"radio": {"artists": 1.0}}', "not ranking weights: artists"),
        ("RANKING_SURFACES", '{"radio": {"explore": 1.5}}', "surface radio"),
        ("RANKING_SURFACES", '{"Radio!": {"artist": 1.0}}', "pattern"),
        ("RANKING_DEVICES", '{"tv": {"max_per_artist": 0}}', "device tv"),
        ("RANKING_DEVICES", '{"tv": {"max_per_artist": 1.5}}', "device tv"),
        ("RANKING_DEVICES", "{not json", "JSON"),
        ("EXPERIMENTS", json.dumps([experiment(("a", 0.5, {}), ("b", 0.4, {}))]), "add up to 1"),
        ("EXPERIMENTS", json.dumps([experiment(("a", 0.5, {}), ("a", 0.5, {}))]), "unique"),
        ("EXPERIMENTS", json.dumps([experiment(("a", 1.0, {"explore": -1}))]), "experiment ab"),
        ("EXPERIMENTS", json.dumps([experiment(("a", 1.0, {}))] * 2), "experiment names must be unique"),
        (
            "EXPERIMENTS",
            json.dumps([experiment(("a", 1.0, {}), name=f"e{i}") for i in range(5)]),
            "at most 4",
        ),
    ],
)
def test_a_bad_override_fails_when_the_settings_load(variable: str, value: str, message: str) -> None:
    with pytest.raises((ValidationError, ValueError), match=message):
        RecommendSettings.from_environ({**TABLES, variable: value})


def test_activity_levels_load_from_json_and_an_empty_list_switches_them_off() -> None:
    assert [(a.name, a.above, a.up_to) for a in RecommendSettings.from_environ(TABLES).ranking_activity] == [
        ("light", 0, 20),
        ("heavy", 150, None),
    ]
    levels = [{"name": "new", "up_to": 5, "ranking": {"popularity": 1.0}}, {"name": "fan", "above": 5}]
    loaded = RecommendSettings.from_environ({**TABLES, "RANKING_ACTIVITY": json.dumps(levels)})
    assert [(a.name, a.above, a.up_to, a.ranking) for a in loaded.ranking_activity] == [
        ("new", 0, 5, {"popularity": 1.0}),
        ("fan", 5, None, {}),
    ]
    assert RecommendSettings.from_environ({**TABLES, "RANKING_ACTIVITY": "[]"}).ranking_activity == ()


def level(name: str, above: int = 0, up_to: int | None = None, **ranking: float) -> dict[str, object]:
    return {"name": name, "above": above, "up_to": up_to, "ranking": ranking}


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ([level("a", up_to=20), level("b", above=19)], "levels a and b overlap"),
        ([level("b", above=19), level("a", up_to=20)], "levels a and b overlap"),  # in any order
        ([level("a"), level("b", above=100)], "levels a and b overlap"),  # `a` has no upper bound
        ([level("a", up_to=20), level("a", above=20)], "names must be unique"),
        ([level("a", above=20, up_to=20)], "above must be less than up_to"),
        ([level("a", up_to=20, debiass=0.0)], "not ranking weights: debiass"),
        ([level("a", up_to=20, explore=2.0)], "level a"),
        ([level("a", up_to=20, max_per_artist=0.5)], "level a"),
        ([level("Heavy!")], "pattern"),
        ([level(f"l{i}", above=i, up_to=i + 1) for i in range(9)], "at most 8"),
        ("[{not json", "not valid JSON"),
    ],
)
def test_a_bad_activity_level_fails_when_the_settings_load_naming_the_variable(
    levels: object, message: str
) -> None:
    value = levels if isinstance(levels, str) else json.dumps(levels)
    with pytest.raises(ValidationError, match=message) as failed:
        RecommendSettings.from_environ({**TABLES, "RANKING_ACTIVITY": value})
    assert "ranking_activity" in str(failed.value).lower()
