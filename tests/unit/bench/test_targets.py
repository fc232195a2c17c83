"""How `make bench` judges the targets, on figures worked out by hand."""

from typing import Any

import pytest

from bench import ingest_bench, topk_bench
from bench.recommend_bench import _targets


def row(
    n: int, limit_ms: float, handler: tuple[float, float], ranking: float, **extra: Any
) -> dict[str, Any]:
    p50, p99 = handler  # handler p50 and p99; the ranking's p50 (its p99 is not judged)
    return {
        "n": n,
        "limit_ms": limit_ms,
        "k": {100: {"handler": {"p50": p50, "p99": p99}, "ranking": {"p50": ranking, "p99": ranking}}},
        **extra,
    }


def ivf(p50: float, recall10: float) -> dict[str, Any]:
    return {"k": {100: {"p50": p50}}, "recall10": recall10}


def test_targets_are_judged_in_their_direction_next_to_the_cost_the_catalog_does_not_explain() -> None:
    rows = [
        row(10_000, 0.1, (1.1, 1.3), 0.7),
        row(100_000, 0.6, (1.9, 3.0), 1.2),
        row(1_000_000, 6.0, (9.5, 11.0), 8.1, ivf=ivf(1.4, 0.97)),
    ]
    targets = _targets(rows)

    assert targets["handler_p50_100k_ms"]["met"] is False
    assert targets["handler_p99_100k_ms"]["met"] is True
    # 10k handler less its read (1.0 ms) plus the 100k read (0.6 ms)
    assert targets["handler_p50_100k_ms"]["fixed"] == pytest.approx(1.6)
    assert targets["ranking_vs_limit_1m"]["value"] == pytest.approx(1.35)
    assert targets["ranking_vs_limit_1m"]["met"] is True
    assert targets["ivf_p50_1m_ms"]["fixed"] == pytest.approx(0.6)  # 10k ranking less its read
    assert targets["ivf_p50_1m_ms"]["met"] is False
    assert targets["ivf_recall10_1m"]["met"] is True  # higher is better: 0.97 reaches 0.97
    assert targets["ivf_recall10_1m"]["better"] == "higher"


def test_without_a_10k_row_there_is_no_fixed_cost_to_report() -> None:
    targets = _targets([row(100_000, 0.6, (1.4, 3.0), 1.0)])
    assert targets["handler_p50_100k_ms"]["met"] is True
    assert "fixed" not in targets["handler_p50_100k_ms"]
    assert "ranking_vs_limit_1m" not in targets


def test_topk_targets_take_the_worst_k_of_the_100k_and_1m_rows() -> None:
    def topk_row(n: int, p50: float, ratio: float) -> dict[str, Any]:
        return {"n": n, "service": {"p50": p50}, "service_vs_limit": ratio}

    rows = [topk_row(10_000, 9.0, 9.0), topk_row(100_000, 1.2, 2.0), topk_row(100_000, 1.6, 2.0)]
    rows += [topk_row(1_000_000, 9.0, 1.3), topk_row(1_000_000, 9.0, 1.4)]

    targets = topk_bench.targets(rows)

    assert targets["service_p50_100k_ms"] == {"value": 1.6, "target": 1.5, "met": False}  # 10k not judged
    assert targets["service_vs_limit_1m"] == {"value": 1.4, "target": 1.4, "met": True}  # at the edge
    assert topk_bench.targets(rows[:1]) == {}


def test_the_ingest_target_is_judged_on_the_slowest_batch_size() -> None:
    def compute(*rates: float) -> dict[str, Any]:
        return {"ingest": {str(10**i): {"total_eps": r} for i, r in enumerate(rates, start=1)}}

    assert ingest_bench.targets(compute(150_000, 99_999, 120_000))["ingest_eps"]["met"] is False
    met = ingest_bench.targets(compute(150_000, 100_000))["ingest_eps"]
    assert (met["value"], met["met"], met["better"]) == (100_000, True, "higher")
