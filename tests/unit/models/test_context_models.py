"""The context's dayparts and the recommendation id's format."""

import pytest
from pydantic import TypeAdapter, ValidationError

from mixtape.models.context import Daypart, RankingContext
from mixtape.models.events import EventContext
from mixtape.models.experiment import (
    Assignment,
    RecommendationId,
    assignments_of,
    recommendation_id,
    variant_header,
)
from mixtape.models.rerank import RerankRequest

HOUR_MS = 3_600_000


@pytest.mark.parametrize(
    ("local_time", "daypart"),
    [("00:00", "night"), ("05:59", "night"), ("06:00", "morning"), ("11:59", "morning"),
     ("12:00", "afternoon"), ("17:59", "afternoon"), ("18:00", "evening"), ("23:59", "evening")],
)  # fmt: skip
def test_dayparts_are_six_hour_parts_of_the_local_day(local_time: str, daypart: str) -> None:
    assert RankingContext(local_time=local_time).daypart is Daypart(daypart)


def test_an_event_s_daypart_is_in_its_own_time_zone() -> None:
    midnight = 1_795_046_400_000  # 2026-11-18T00:00Z
    assert Daypart.of_event(midnight + 7 * HOUR_MS, None) is Daypart.MORNING  # UTC without an offset
    assert Daypart.of_event(midnight + 7 * HOUR_MS, -8 * 60) is Daypart.EVENING  # 23:00 the day before
    assert Daypart.of_event(midnight + 22 * HOUR_MS, 5 * 60 + 30) is Daypart.NIGHT  # 03:30 the next day


@pytest.mark.parametrize("bad", ["8:00", "24:00", "12:60", "noon", "08:00:00"])
def test_local_time_is_hh_mm(bad: str) -> None:
    with pytest.raises(ValidationError):
        RankingContext(local_time=bad)


@pytest.mark.parametrize("explore", [-0.1, 1.01])
def test_explore_is_a_share(explore: float) -> None:
    with pytest.raises(ValidationError):
        RankingContext(explore=explore)


def test_a_recommendation_id_carries_its_assignments() -> None:
    assignments = [
        Assignment(experiment="ranker", variant="bold"),
        Assignment(experiment="explore-ab", variant="c"),
    ]
    rid = recommendation_id("0123456789abcdef", assignments)
    assert TypeAdapter(RecommendationId).validate_python(rid) == rid
    assert assignments_of(rid) == [("ranker", "bold"), ("explore-ab", "c")]
    assert assignments_of("0123456789abcdef") == []
    assert variant_header(assignments) == "ranker=bold,explore-ab=c"
    assert variant_header([]) is None


@pytest.mark.parametrize(
    "bad",
    [
        "xyz",
        "0123456789abcdeg",
        "0123456789abcdef~a",
        "0123456789abcdef~A:b",
        "0123456789abcdef" + "~a:b" * 5,
    ],
)
def test_events_refuse_a_malformed_recommendation_id(bad: str) -> None:
    with pytest.raises(ValidationError):
        EventContext(recommendation_id=bad)


@pytest.mark.parametrize("offset", [-841, 841, True, "60"])
def test_utc_offsets_are_whole_minutes_within_fourteen_hours(offset: object) -> None:
    with pytest.raises(ValidationError):
        EventContext.model_validate({"utc_offset_minutes": offset})


def test_a_json_explore_is_a_number_between_0_and_1_never_a_boolean():
    assert RankingContext.model_validate_json('{"explore": 1}').explore == 1.0
    for bad in ("false", "true", '"0.2"', "1.5"):
        with pytest.raises(ValidationError):
            RankingContext.model_validate_json(f'{{"explore": {bad}}}')


def test_rerank_item_ids_are_documented_unique():
    assert RerankRequest.model_json_schema()["properties"]["item_ids"]["uniqueItems"] is True
