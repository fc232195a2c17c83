"""Each benchmark's main entry, end to end at a tiny size: it runs, and reports its figures under the keys
that `make bench`, the reports and `bench.cost` read. The figures themselves are not judged here."""

import json
from pathlib import Path
from typing import Any

import pytest

from bench import cold_start, cost, ingest_bench, recommend_bench, topk_bench
from mixtape.config import RankingIndex

TINY_BANDWIDTH_BYTES = 1 << 20  # the 512 MB read would dominate a tiny run
STATS = {"p50", "p99"}


@pytest.fixture
def tiny_bandwidth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topk_bench, "BANDWIDTH_BYTES", TINY_BANDWIDTH_BYTES)


@pytest.mark.usefixtures("tiny_bandwidth")
def test_topk_bench_writes_every_path_for_every_k(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = topk_bench.main(["--sizes", "2000", "--out", str(tmp_path)])

    assert [(row["n"], row["k"]) for row in result["rows"]] == [(2000, k) for k in topk_bench.KS]
    for row in result["rows"]:
        for path in ("plain", "service", "select_argpartition", "select_TopK", "select_top_k"):
            assert set(row[path]) == STATS
            assert row[path]["p50"] > 0
        assert row["service_vs_limit"] > 0
    assert result["targets"] == {}  # neither 100k nor 1M measured
    assert json.loads((tmp_path / "topk.json").read_text())["rows"] == result["rows"]
    assert "| 2,000 | 20 |" in (tmp_path / "topk.md").read_text()
    assert "| 2,000 | 100 |" in capsys.readouterr().out


@pytest.mark.usefixtures("tiny_bandwidth")
def test_recommend_bench_times_the_handler_the_ranker_and_the_ivf_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recommend_bench, "IVF", RankingIndex(kind="ivf", ivf_min_items=1))  # at 2,000 too
    monkeypatch.setattr(recommend_bench, "RECALL_LISTENERS", 2)

    result = recommend_bench.main(["--sizes", "2000", "--out", str(tmp_path)])

    (row,) = result["rows"]
    assert set(row["k"]) == set(recommend_bench.KS)
    for k in recommend_bench.KS:
        assert set(row["k"][k]["handler"]) == set(row["k"][k]["ranking"]) == STATS
    assert set(row["capped_listener_handler"]) == STATS
    assert row["profile_reads_per_request"] == pytest.approx(1.0)
    assert set(row["catalog_reload_s"]) == {"popularity", "catalog"}
    assert row["limit_ms"] > 0
    ivf = row["ivf"]
    assert 0.0 <= ivf["recall10"] <= 1.0
    assert set(ivf["recall10_by_listeners"]) == {f"{size} plays" for size in recommend_bench.RECALL_SIZES}
    assert set(ivf["k"]) == set(recommend_bench.KS)
    assert result["targets"] == {}
    assert (tmp_path / "recommend.json").is_file()
    assert "IVF path at 2,000 items" in (tmp_path / "recommend.md").read_text()


@pytest.fixture(scope="module")
def ingest_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """`bench.ingest_bench --json` on a catalog of 50 items, batches of 10, 20 events through moto."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest_bench, "CATALOG_ITEMS", 50)
        patch.setattr(ingest_bench, "MIN_EVENTS_PER_SAMPLE", 10)
        patch.setattr(ingest_bench, "BOTOCORE_CALLS", 3)
        patch.setattr(ingest_bench, "BOTOCORE_ROUNDS", 1)
        report = ingest_bench.main(["--sizes", "10", "--repeat", "1", "--dynamo-events", "20", "--json"])
    path = tmp_path_factory.mktemp("reports") / "ingest.json"
    path.write_text(json.dumps(report))
    return report, path


def test_ingest_bench_reports_rates_requests_and_units_per_event(ingest_report) -> None:
    report, _ = ingest_report
    compute = report["compute_events_per_s"]
    for part in ("ingest", "profile_new", "profile_mature"):
        assert compute[part]["10"]["total_eps"] > 0
    for scenario in ("new", "mature"):
        usage = report["dynamodb"][scenario]
        assert usage["events"] == 20
        assert usage["profile_update"]["wru_per_event"] > 0
        assert usage["sqs"]["messages_per_event"] > 0
        assert usage["profile_item_bytes"] > 0
    assert report["botocore_put_item_cpu"]["shipped_config_us"] > 0
    assert set(report["targets"]) == {"ingest_eps"}
    assert "ingest_eps" in ingest_bench.markdown(report)


def test_cost_prices_the_bench_reports(
    ingest_report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """From the reports `make bench` writes: the cold-start one in the layout bench.cold_start writes it
    (its interpreters replaced by fixed phases: spawning them is tests/process's business)."""
    _, ingest_json = ingest_report
    phases = dict.fromkeys(cold_start.FIELDS, 1.0) | {"catalog_snapshot": 30.0, "second_request": 2.0}
    monkeypatch.setattr(cold_start, "run_once", lambda *_: phases)
    report = cold_start.main(["--mode", "lambda", "--function", "recommend", "--repeat", "1", "--json"])
    cold_start_json = tmp_path / "cold_start.json"
    cold_start_json.write_text(json.dumps(report))
    capsys.readouterr()

    data = cost.main(["--ingest-json", str(ingest_json), "--cold-start-json", str(cold_start_json)])

    assert set(data["results"]) == {"ingest_new", "ingest_mature", "recommend", "month"}
    # SnapStart off: every phase of init and the first request, plus the catalog's read from its snapshot
    assert data["measured"]["recommend_cold_start_ms"] == len(cold_start.COLD_PHASES) + 30.0
    assert data["measured"]["recommend_warm_ms"] == 2.0
    assert all(data["results"][name]["total"] > 0 for name in ("ingest_new", "ingest_mature", "recommend"))
    assert "#### 1M recommendation requests" in capsys.readouterr().out
