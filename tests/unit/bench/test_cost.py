"""The cost model's arithmetic, on cases worked out by hand."""

import pytest

from bench.cost import (
    Assumptions,
    Measured,
    Prices,
    billed_ms,
    gb_seconds,
    ingestion_lines,
    personalize_month_lines,
    recommendation_lines,
    tiered,
    xray_traces,
)

TPS_TIERS = ((20_000.0, 0.20), (200_000.0, 0.10), (0.0, 0.05))


@pytest.fixture
def prices() -> Prices:
    return Prices.load()


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        (0, 0.0),
        (10_000, 2_000.0),  # inside the first tier
        (25_000, 20_000 * 0.20 + 5_000 * 0.10),
        (250_000, 20_000 * 0.20 + 180_000 * 0.10 + 50_000 * 0.05),
    ],
)
def test_tiered_prices_each_unit_at_its_own_tier(units, expected):
    assert tiered(units, TPS_TIERS) == pytest.approx(expected)


def test_lambda_bills_whole_milliseconds_in_proportion_to_memory():
    assert billed_ms(10.2) == 11
    assert billed_ms(0.1) == 1
    assert gb_seconds(1000, 10.2, 1024) == pytest.approx(11.0)  # 1000 x 11 ms x 1 GB
    assert gb_seconds(1000, 10.2, 512) == pytest.approx(5.5)


def test_xray_samples_one_request_per_second_then_five_percent():
    a = Assumptions()
    assert xray_traces(0.5, a) == pytest.approx(0.5)
    assert xray_traces(11.0, a) == pytest.approx(1 + 0.05 * 10)


def test_personalize_bills_the_average_tps_of_each_hour_and_never_below_the_minimum(prices):
    a = Assumptions(personalize_training_hours_per_month=0)
    busy = personalize_month_lines(1_000_000, 0, a, prices)
    tps_hours = 1_000_000 / 86_400 * 730  # 11.57 TPS for 730 hours
    assert busy[0].quantity == pytest.approx(tps_hours)
    assert busy[0].cost == pytest.approx(tps_hours * 0.20)  # all inside the first 20,000 TPS-hours
    idle = personalize_month_lines(0, 0, a, prices)
    assert idle[0].cost == pytest.approx(730 * 1 * 0.20)


def _measured(wru_ingest: float, wru_profile: float) -> Measured:
    usage = {
        "scenario": "hand-made",
        "events": 100,
        "profile_item_bytes": 8192,  # two 4 KB read units
        "catalog_item_bytes": 400,
        "ingest": {
            "requests_per_event": 1.0,
            "wru_per_event": wru_ingest,
            "rru_per_event": 0.0,
            "requests": {},
        },
        "profile_update": {
            "requests_per_event": 0.4,
            "wru_per_event": wru_profile,
            "rru_per_event": 0.5,
            "requests": {"GetItem": 20, "BatchGetItem": 20, "PutItem": 20, "BatchWriteItem": 20},
        },
        "sqs": {"messages_per_event": 0.2, "billed_send_requests_per_event": 0.02},
    }
    return Measured(
        memory_mb=1769,  # one full vCPU: no CPU scaling
        ingest_events_per_s=100_000,
        profile_events_per_s={"new": 10_000},
        dynamo={"new": usage},
        botocore_us_per_request=200,
        recommend_warm_ms=2.0,
        recommend_cold_start_ms=300.0,
    )


def test_ingestion_dynamodb_line_is_units_per_event_times_a_million_at_the_unit_price(prices):
    lines = {line.item: line for line in ingestion_lines(_measured(1.0, 2.0), "new", Assumptions(), prices)}
    writes = lines["DynamoDB writes"]
    assert writes.quantity == pytest.approx(3_000_000)
    assert writes.cost == pytest.approx(3 * 0.625)
    assert lines["HTTP API requests"].quantity == pytest.approx(10_000)  # 100 events per POST
    assert lines["DynamoDB reads"].cost == pytest.approx(0.5 * 0.125)


def test_recommendation_duration_is_compute_plus_one_read(prices):
    a = Assumptions(dynamo_read_ms=4.0)
    lines = {line.item: line for line in recommendation_lines(_measured(1, 2), "new", a, prices)}
    # 2.0 ms compute + 0.2 ms botocore + 4 ms GetItem = 6.2 ms, billed 7 ms at 1769 MB
    assert lines["Lambda duration, warm"].quantity == pytest.approx(1_000_000 * 0.007 * 1769 / 1024)
    assert lines["DynamoDB profile reads"].quantity == pytest.approx(1_000_000 * 1.0)  # 2 units x 0.5
