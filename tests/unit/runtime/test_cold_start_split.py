"""The cold-start benchmark's result parsing and summary (bench.cold_start) and what its child serves."""

import base64
import json

import numpy as np
import pytest

from bench._cold_start_child import _catalog_records, _dynamodb_item
from bench.cold_start import COLD_PHASES, FIELDS, RESULT_PREFIX, function_summary, parse_result, summarize
from mixtape.storage.dynamo.catalog import record_from_item


def run(**phases: float) -> dict[str, float]:
    return {field: phases.get(field, 0.0) for field in FIELDS}


def test_the_last_result_line_wins_over_the_handlers_own_output():
    first, last = run(imports=1.0), run(imports=2.0)
    stdout = "\n".join(
        [
            '{"level":"INFO","message":"a handler log line"}',
            RESULT_PREFIX + json.dumps(first),
            '{"_aws":{"CloudWatchMetrics":[]}}',
            RESULT_PREFIX + json.dumps(last),
        ]
    )
    assert parse_result(stdout)["imports"] == 2.0


def test_a_run_without_a_result_line_or_with_missing_phases_is_an_error():
    with pytest.raises(ValueError, match="no cold-start result"):
        parse_result('{"level":"ERROR"}\n')
    partial = {k: v for k, v in run().items() if k != "first_request"}
    with pytest.raises(ValueError, match="first_request"):
        parse_result(RESULT_PREFIX + json.dumps(partial))


def test_cold_start_is_the_median_of_per_run_sums_not_the_sum_of_medians():
    samples = [
        run(imports=100, clients=10, first_request=1, startup=50, restore=1),
        run(imports=10, clients=100, first_request=1, startup=50, restore=1),
        run(imports=50, clients=50, first_request=100, startup=50, restore=1),
    ]
    summary = summarize(samples, COLD_PHASES)
    assert summary["imports"] == 50
    assert summary["clients"] == 50
    assert summary["cold_start"] == 111  # per-run sums 111, 111, 200; the sum of medians would be 101
    assert summary["startup"] == 50  # reported, not part of the cold start


def test_with_snapstart_init_is_in_the_snapshot_and_the_restore_hooks_run_instead():
    without = [run(imports=200, clients=50, first_request=5), run(imports=220, clients=60, first_request=6)]
    with_snapstart = [
        run(
            imports=200, snapshot=40, restore=2, clients=10, dependencies=3, catalog_load=20, first_request=5
        ),
        run(
            imports=220, snapshot=45, restore=1, clients=12, dependencies=3, catalog_load=22, first_request=6
        ),
        run(
            imports=210, snapshot=42, restore=3, clients=11, dependencies=4, catalog_load=21, first_request=7
        ),
    ]
    for sample in with_snapstart:
        sample["cpu_imports"], sample["cpu_restore"] = sample["imports"], sample["restore"]
    summary = function_summary(without, with_snapstart)
    assert summary["cold_start"] == 270.5  # its own runs: 255 and 286
    assert summary["snapstart_cold_start"] == 44  # the median of 40, 44 and 46: imports and snapshot out
    assert summary["cpu_snapstart_cold_start"] == 2  # only the phases that have a CPU time here
    assert summary["snapstart"]["imports"] == 210  # reported, not counted
    assert "snapstart" not in function_summary(without, [])  # the local mode has no SnapStart runs


def test_the_served_catalog_items_read_back_as_the_same_records():
    for record in _catalog_records(30, 8):
        wire = json.loads(json.dumps(_dynamodb_item(record)))  # what DynamoDB would send
        wire["embedding"]["B"] = base64.b64decode(wire["embedding"]["B"])  # as botocore hands it over
        back = record_from_item(wire)
        assert back.embedding is not None
        assert record.embedding is not None
        np.testing.assert_allclose(back.embedding, record.embedding, rtol=1e-6)
        assert back._replace(embedding=None) == record._replace(embedding=None)
