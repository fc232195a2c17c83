"""bench.heard_filter end to end at small sizes: it reports its figures under the keys the report reads,
and what it measures holds (no false negatives, the filter inside the profile item it prices)."""

import json
from pathlib import Path

from bench import heard_filter


def test_heard_filter_bench_reports_every_size(tmp_path: Path) -> None:
    result = heard_filter.main(["--sizes", "20,2000", "--catalog", "3000", "--out", str(tmp_path)])
    rows = result["rows"]
    assert [r["items"] for r in rows] == [20, 2000]
    for r in rows:
        assert r["false_negatives"] == 0
        assert r["false_positive_rate"] <= result["shape"]["error_rate"]
        assert r["item_bytes"] >= r["item_bytes_without_filter"] + r["filter_bytes"]
        assert r["commit_write_units"] >= r["item_bytes"] / 1024
    assert rows[0]["filter_bytes"] < rows[1]["filter_bytes"]
    assert json.loads((tmp_path / "heard_filter.json").read_text())["rows"] == rows
    assert "| 2,000 |" in (tmp_path / "heard_filter.md").read_text()
    ranked = result["ranking"]
    assert [r["k"] for r in ranked["rows"]] == list(heard_filter.KS)
    assert all(r["with_filter_ms"] > 0 and r["without_ms"] > 0 for r in ranked["rows"])
