"""Settings from the environment (mixtape.config.environment_values): pydantic-settings' rules for these
fields, without importing pydantic-settings on every cold start."""

import json

import pytest
from pydantic import ValidationError

from mixtape import config
from mixtape.config import ProfileSettings, RecommendSettings, TrainSettings

TABLES = {
    "PROFILES_TABLE": "profiles",
    "CATALOG_TABLE": "catalog",
    "EVENTS_TABLE": "events",
    "PROFILE_UPDATE_QUEUE_URL": "queue",
}


def test_fields_come_from_variables_of_the_same_name_in_any_case():
    settings = RecommendSettings.from_environ(
        {**TABLES, "EMBEDDING_DIM": "64", "half_life_days": "10.5", "Models_Bucket": "models"}
    )
    assert settings.profiles_table == "profiles"
    assert settings.embedding_dim == 64
    assert settings.half_life_days == 10.5
    assert settings.models_bucket == "models"
    assert settings.catalog_check_seconds == 2.0  # the default


def test_an_empty_bucket_name_stays_empty_and_means_no_model():
    assert RecommendSettings.from_environ({**TABLES, "MODELS_BUCKET": ""}).models_bucket == ""
    assert RecommendSettings.from_environ(TABLES).models_bucket is None


def test_a_nested_model_comes_from_json_and_per_field_variables_which_win():
    settings = ProfileSettings.from_environ(
        {
            **TABLES,
            "EVENT_WEIGHTS": json.dumps({"like": 5, "play": 2}),
            "EVENT_WEIGHTS__LIKE": "7",
            "limits__max_items": "10",
        }
    )
    assert settings.event_weights.like == 7.0
    assert settings.event_weights.play == 2.0
    assert settings.event_weights.save == 3.0  # the default
    assert settings.limits.max_items == 10
    ranking = RecommendSettings.from_environ({**TABLES, "RANKING__ARTIST": "0.1"}).ranking
    assert ranking.artist == 0.1
    training = TrainSettings.from_environ(
        {**TABLES, "MODELS_BUCKET": "m", "TRAINING__FACTORS": "16"}
    ).training
    assert training.factors == 16


def test_variables_of_no_field_are_ignored_but_unknown_nested_keys_are_rejected():
    settings = RecommendSettings.from_environ({**TABLES, "PATH": "/bin", "EMBEDDING_DIM__X": "3"})
    assert settings.embedding_dim == 32
    with pytest.raises(ValidationError, match="nope"):
        ProfileSettings.from_environ({**TABLES, "EVENT_WEIGHTS__NOPE": "1"})


@pytest.mark.parametrize(
    ("environ", "error"),
    [
        ({"EVENT_WEIGHTS": "{not json"}, "EVENT_WEIGHTS is not valid JSON"),
        ({"EVENT_WEIGHTS": "[1, 2]"}, "event_weights"),
        ({"EMBEDDING_DIM": "1"}, "embedding_dim"),
        ({"EMBEDDING_DIM": "many"}, "embedding_dim"),
    ],
)
def test_invalid_values_fail_naming_the_field(environ, error):
    with pytest.raises(ValueError, match=error):
        ProfileSettings.from_environ({**TABLES, **environ})


def test_a_missing_table_name_fails():
    with pytest.raises(ValidationError, match="catalog_table"):
        RecommendSettings.from_environ({"PROFILES_TABLE": "profiles"})


def test_the_functions_settings_read_the_process_environment(monkeypatch):
    for key, value in {**TABLES, "EMBEDDING_DIM": "48"}.items():
        monkeypatch.setenv(key, value)
    config.recommend_settings.cache_clear()
    try:
        assert config.recommend_settings().embedding_dim == 48
        assert config.recommend_settings().catalog_table == "catalog"
    finally:
        config.recommend_settings.cache_clear()


def test_settings_built_directly_hold_the_given_values_and_defaults_only(monkeypatch):
    monkeypatch.setenv("EMBEDDING_DIM", "48")
    settings = RecommendSettings(profiles_table="p", catalog_table="c")
    assert settings.embedding_dim == 32
    with pytest.raises(ValidationError, match="frozen"):
        settings.embedding_dim = 8  # type: ignore[misc]
