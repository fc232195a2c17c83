"""Input models: what clients may send, and the precise reasons they are turned away."""

import numpy as np
import pytest
from pydantic import ValidationError

from mixtape.models.catalog import (
    FLOAT32_MAX,
    FLOAT32_ROUNDS_TO_ZERO,
    CatalogItem,
    ItemBatch,
    unit_embedding,
)
from mixtape.models.events import EventBatch, ListeningEvent, ProfileUpdateMessage, StoredEvent
from tests.unit.conftest import NOW_MS, stored

GOOD = {
    "event_id": "evt-1",
    "user_id": "u-alice",
    "item_id": "trk-0001",
    "type": "play",
    "timestamp": "2026-11-17T10:00:00Z",
    "ms_played": 180_000,
}


def test_iso_and_epoch_ms_timestamps_normalise_to_the_same_epoch_ms():
    iso = ListeningEvent.model_validate(GOOD)
    epoch = ListeningEvent.model_validate({**GOOD, "timestamp": iso.timestamp})
    assert iso.timestamp == epoch.timestamp == 1_794_909_600_000


def test_iso_timestamps_carry_their_offset():
    shifted = ListeningEvent.model_validate({**GOOD, "timestamp": "2026-11-17T11:30:00+01:30"})
    assert shifted.timestamp == 1_794_909_600_000
    # RFC 3339, as the schema's `format: date-time` and its pattern say: no offset, no date-time.
    for unstated in ("2026-11-17T10:00:00", "2026-11-17 10:00:00Z", "2026-11-17t10:00:00z", "2026-11-17"):
        with pytest.raises(ValidationError, match="RFC 3339"):
            ListeningEvent.model_validate({**GOOD, "timestamp": unstated})


def test_json_integers_written_with_a_zero_fraction_are_integers():
    event = ListeningEvent.model_validate({**GOOD, "timestamp": 1.5e12, "ms_played": 1000.0, "count": 2.0})
    assert (event.timestamp, event.ms_played, event.count) == (1_500_000_000_000, 1000, 2)
    assert all(isinstance(v, int) for v in (event.timestamp, event.ms_played, event.count))


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("timestamp", True, "not a boolean"),
        ("timestamp", 1_763_373_600, "seconds"),  # seconds, not milliseconds
        ("timestamp", NOW_MS + 6 * 60_000, "future"),
        ("timestamp", "yesterday", "ISO-8601"),
        ("timestamp", 1.5e12 + 0.5, "epoch milliseconds"),
        ("timestamp", "1999-12-31T23:59:59Z", "2000 or later"),
        ("ms_played", 1.5, "integer"),
        ("type", "teleport", "Input should be"),
        ("ms_played", True, "integer"),
        ("ms_played", "100", "integer"),
        ("ms_played", -1, "greater than or equal"),
        ("count", 0, "greater than or equal"),
        ("user_id", "../etc/passwd", "pattern"),
        ("user_id", "a%2Fb", "pattern"),
        ("user_id", "bad\x00id", "pattern"),
        ("item_id", "x" * 129, "at most 128"),
        ("event_id", "", "at least 1"),
        ("surprise", 1, "Extra inputs"),
    ],
)
def test_bad_event_fields_are_rejected_with_a_reason(field, value, fragment):
    with pytest.raises(ValidationError) as excinfo:
        ListeningEvent.model_validate({**GOOD, field: value})
    assert fragment in str(excinfo.value)


def test_a_timestamp_within_the_allowed_clock_skew_is_accepted():
    assert (
        ListeningEvent.model_validate({**GOOD, "timestamp": NOW_MS + 4 * 60_000}).timestamp
        == NOW_MS + 240_000
    )


def test_plays_and_skips_need_ms_played_but_likes_do_not():
    with pytest.raises(ValidationError, match="ms_played is required for play"):
        ListeningEvent.model_validate({k: v for k, v in GOOD.items() if k != "ms_played"})
    like = ListeningEvent.model_validate(
        {**{k: v for k, v in GOOD.items() if k != "ms_played"}, "type": "like"}
    )
    assert like.ms_played is None
    assert like.count == 1


def test_count_aggregates_plays_only():
    assert ListeningEvent.model_validate({**GOOD, "count": 42}).count == 42
    with pytest.raises(ValidationError, match="only allowed on play"):
        ListeningEvent.model_validate({**GOOD, "type": "skip", "count": 2})


def test_batches_hold_1_to_500_events_and_name_the_bad_index():
    with pytest.raises(ValidationError):
        EventBatch.model_validate({"events": []})
    with pytest.raises(ValidationError):
        EventBatch.model_validate({"events": [GOOD] * 501})
    with pytest.raises(ValidationError) as excinfo:
        EventBatch.model_validate({"events": [GOOD, {**GOOD, "type": "nope"}]})
    assert excinfo.value.errors()[0]["loc"][:3] == ("events", 1, "type")


def test_catalog_items_reject_non_finite_or_boolean_embeddings_and_lowercase_genres():
    base = {"item_id": "t1", "title": "T", "artist_id": "a1", "artist_name": "A"}
    item = CatalogItem.model_validate({**base, "genres": ["Indie Rock"], "embedding": [1, 0.5]})
    assert item.genres == ["indie rock"]
    assert item.embedding == [1.0, 0.5]
    for bad in ([float("nan")], [True, 1.0], ["0.5"]):
        with pytest.raises(ValidationError):
            CatalogItem.model_validate({**base, "embedding": bad})
    with pytest.raises(ValidationError):
        CatalogItem.model_validate({**base, "explicit": "yes"})


@pytest.mark.parametrize(
    ("embedding", "loc", "message"),
    [
        ([1e39, 0.0, 0.0, 0.0], (0,), "less than or equal"),  # inf as float32
        ([np.nextafter(-FLOAT32_MAX, -np.inf), 1.0], (0,), "greater than or equal"),
        ([0.0, 0.0, 0.0, 0.0], (), "all zeros"),
        ([FLOAT32_ROUNDS_TO_ZERO, -FLOAT32_ROUNDS_TO_ZERO], (), "all zeros"),  # 0.0 as float32 (ties to even)
        ([1e-46, 0.0], (), "all zeros"),
        ([1.0], (), "at least 2 items"),
    ],
)
def test_catalog_embeddings_must_be_finite_and_non_zero_as_float32(
    embedding: list[float], loc: tuple[int, ...], message: str
):
    base = {"item_id": "t1", "title": "T", "artist_id": "a1", "artist_name": "A"}
    with pytest.raises(ValidationError) as excinfo:
        ItemBatch.model_validate({"items": [base, {**base, "embedding": embedding}]})
    (error,) = excinfo.value.errors()
    assert error["loc"] == ("items", 1, "embedding", *loc)
    assert message in error["msg"]


def test_embedding_bounds_are_float32s_own():
    """The schema's bounds are exact: at them float32 is finite and non-zero, just past them it is not."""
    base = {"item_id": "t1", "title": "T", "artist_id": "a1", "artist_name": "A"}
    assert np.float32(FLOAT32_MAX) == np.finfo(np.float32).max
    assert np.float32(FLOAT32_ROUNDS_TO_ZERO) == 0
    tiny = float(np.nextafter(FLOAT32_ROUNDS_TO_ZERO, 1.0))
    assert np.float32(tiny) > 0
    assert CatalogItem.model_validate({**base, "embedding": [0.0, -tiny]}).embedding == [0.0, -tiny]
    # the largest float32 values are fine, and unit_embedding normalises them without overflowing
    big = CatalogItem.model_validate({**base, "embedding": [FLOAT32_MAX, -FLOAT32_MAX]})
    assert big.embedding is not None
    unit = unit_embedding(big.embedding)
    assert unit is not None
    assert np.allclose(unit, [2**-0.5, -(2**-0.5)])


def test_unit_embedding_is_none_for_a_stored_vector_that_is_not_finite_or_zero():
    for stored_vector in ([np.inf, 0.0], [np.nan, 1.0], [0.0, 0.0]):
        assert unit_embedding(np.array(stored_vector, dtype=np.float32)) is None


def test_profile_update_messages_carry_one_users_events():
    good = ProfileUpdateMessage(user_id="u-1", events=[stored("e1", "r1")])
    assert good.events[0].event_id == "e1"
    with pytest.raises(ValidationError, match="belong to its user"):
        ProfileUpdateMessage(user_id="u-2", events=[stored("e1", "r1")])


def test_an_accepted_event_is_the_validated_event_plus_its_ingestion_time():
    assert set(StoredEvent.model_fields) == set(ListeningEvent.model_fields) | {"ingested_at"}
    event = ListeningEvent.model_validate(
        {
            "event_id": "e-1",
            "user_id": "u-1",
            "item_id": "i-1",
            "type": "play",
            "timestamp": NOW_MS - 60_000,
            "ms_played": 1000,
            "context": {"source": "home"},
        }
    )
    accepted = StoredEvent.accept(event, ingested_at=1_800_000_000_000)
    validated = StoredEvent.model_validate({**event.model_dump(), "ingested_at": 1_800_000_000_000})
    assert accepted == validated
    assert StoredEvent.model_validate_json(accepted.model_dump_json()) == validated
