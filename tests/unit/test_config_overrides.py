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
