"""How `make bench` judges the recommend targets, on rows worked out by hand."""

from typing import Any

import pytest

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
