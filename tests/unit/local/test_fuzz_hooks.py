"""`make fuzz`'s hooks rewrite positive bodies into bodies the models accept, and nothing else."""

import re

from local.fuzz_hooks import _distinct_ids, _rewrite
from mixtape.models.catalog import ItemBatch
from mixtape.models.events import TIMESTAMP_PATTERN, EventBatch
from mixtape.models.ids import ID_PATTERN
from mixtape.models.preferences import Preferences
from tests.unit.conftest import NOW_MS


def test_future_timestamps_become_now_in_their_own_form_and_past_ones_stay():
    body = {
        "events": [
            {"timestamp": NOW_MS + 10**9},
            {"timestamp": float(NOW_MS + 10**9)},
            {"timestamp": "9999-12-31T23:59:59+14:00"},
            {"timestamp": NOW_MS - 1},
            {"timestamp": "2001-01-01T00:00:00Z"},
            {"timestamp": "not a date"},
        ]
    }
    stamps = [event["timestamp"] for event in _rewrite(body, NOW_MS)["events"]]
    assert stamps[:2] == [NOW_MS, NOW_MS]
    assert re.fullmatch(TIMESTAMP_PATTERN, stamps[2])
    assert stamps[3:] == [NOW_MS - 1, "2001-01-01T00:00:00Z", "not a date"]


def test_repeated_item_ids_of_a_batch_become_distinct_valid_ids():
    long_id = "a" * 128
    items = [
        {"item_id": i, "title": "t", "artist_id": "a", "artist_name": "A"}
        for i in ("x", "x", long_id, long_id)
    ]
    rewritten = _rewrite({"items": items}, NOW_MS)["items"]
    ids = [item["item_id"] for item in rewritten]
    assert ids[0] == "x"
    assert ids[2] == long_id
    assert len(set(ids)) == 4
    assert all(re.fullmatch(ID_PATTERN, i) for i in ids)
    ItemBatch.model_validate({"items": rewritten})  # what the models take


def test_a_rewritten_event_batch_is_one_the_models_take():
    event = {
        "event_id": "e",
        "user_id": "u",
        "item_id": "i",
        "type": "like",
        "timestamp": "9000-01-01T00:00:00Z",
    }
    batch = EventBatch.model_validate(_rewrite({"events": [event]}, NOW_MS))
    assert batch.events[0].timestamp <= NOW_MS  # the year-9000 timestamp became now


def test_a_seed_that_is_also_muted_leaves_the_seeds_and_the_preferences_validate():
    body = {"seed_artists": ["art-01", "art-02"], "muted_artists": ["art-01"], "seed_genres": ["jazz"]}
    rewritten = _rewrite(body, NOW_MS)
    assert rewritten["seed_artists"] == ["art-02"]
    assert rewritten["seed_genres"] == ["jazz"]
    Preferences.model_validate(rewritten)


def test_repeated_blend_users_become_distinct_valid_ids():
    ids = _distinct_ids(["0", "0", "a" * 128, "a" * 128])
    assert len(set(ids)) == 4
    assert all(re.fullmatch(ID_PATTERN, user_id) for user_id in ids)
