"""The cold-start benchmark's result parsing and summary (bench.cold_start) and what its child serves."""

import base64
import json

import numpy as np
import pytest

from bench._cold_start_child import _catalog_records, _dynamodb_item
from bench.cold_start import (
    APART,
    FIELDS,
    RESULT_PREFIX,
    ROOT,
    child_root,
    parse_env,
    parse_result,
    summarize,
)
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
        run(imports=100, clients=10, catalog_load=0, first_request=1, startup=50),
        run(imports=10, clients=100, catalog_load=0, first_request=1, startup=50),
        run(imports=50, clients=50, catalog_load=0, first_request=100, startup=50),
    ]
    summary = summarize(samples)
    assert summary["imports"] == 50
    assert summary["clients"] == 50
    assert summary["cold_start"] == 111  # per-run sums 111, 111, 200; the sum of medians would be 101
    assert summary["startup"] == 50  # reported, not part of the cold start


def test_environment_variants_parse_as_key_value_pairs():
    assert parse_env("PYDANTIC_DISABLE_PLUGINS=__all__,A=b=c") == (
        ("PYDANTIC_DISABLE_PLUGINS", "__all__"),
        ("A", "b=c"),
    )
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_env("novalue")


def test_each_tree_is_measured_by_its_own_child_when_it_has_one(tmp_path):
    assert child_root(tmp_path) == ROOT  # a tree without the child: this checkout's
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "_cold_start_child.py").write_text("")
    assert child_root(tmp_path) == tmp_path


def test_fields_reported_apart_may_be_missing_from_an_older_child():
    older = {k: v for k, v in run(imports=1.0).items() if k not in APART}
    parsed = parse_result(RESULT_PREFIX + json.dumps(older))
    assert parsed["catalog_scan"] == 0.0
    assert parsed["imports"] == 1.0


def test_the_served_catalog_items_read_back_as_the_same_records():
    for record in _catalog_records(30, 8):
        wire = json.loads(json.dumps(_dynamodb_item(record)))  # what DynamoDB would send
        wire["embedding"]["B"] = base64.b64decode(wire["embedding"]["B"])  # as botocore hands it over
        back = record_from_item(wire)
        assert back.embedding is not None
        assert record.embedding is not None
        np.testing.assert_allclose(back.embedding, record.embedding, rtol=1e-6)
        assert back._replace(embedding=None) == record._replace(embedding=None)
