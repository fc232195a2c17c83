"""The two trainers side by side in the `make eval` report: per seed, the served HR@10, NDCG@10 and
coverage@10 of the numpy trainer's model and of the Spark job's (evaluation.spark_trainer), and the
differences (the Spark model must stay within 0.01 of the numpy one on HR@10 and NDCG@10)."""

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evaluation.report import Row

NUMPY = "Mixtape (served)"
SPARK = "Mixtape (served, Spark-trained)"


def side_by_side(rows: Sequence["Row"]) -> list[str]:
    """Markdown lines comparing the two trainers' served rows, per seed and on average; none without both."""
    numpy_rows = {r.seed: r.scores for r in rows if r.model == NUMPY}
    spark_rows = {r.seed: r.scores for r in rows if r.model == SPARK}
    seeds = sorted(numpy_rows.keys() & spark_rows.keys())
    if not seeds:
        return []
    lines = [
        "",
        "## The trainers side by side (served)",
        "",
        "| seed | HR@10 numpy | HR@10 Spark | Δ | NDCG@10 numpy | NDCG@10 Spark | Δ "
        "| coverage@10 numpy | coverage@10 Spark |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    deltas: dict[str, list[float]] = {"hr": [], "ndcg": []}
    for seed in seeds:
        a, b = numpy_rows[seed], spark_rows[seed]
        deltas["hr"].append(b.hr_at_10 - a.hr_at_10)
        deltas["ndcg"].append(b.ndcg_at_10 - a.ndcg_at_10)
        lines.append(
            f"| {seed} | {a.hr_at_10:.3f} | {b.hr_at_10:.3f} | {b.hr_at_10 - a.hr_at_10:+.3f} "
            f"| {a.ndcg_at_10:.3f} | {b.ndcg_at_10:.3f} | {b.ndcg_at_10 - a.ndcg_at_10:+.3f} "
            f"| {a.coverage_at_10:.3f} | {b.coverage_at_10:.3f} |"
        )

    def mean(scores: dict[int, Any], field: str) -> float:
        return statistics.mean(float(getattr(scores[s], field)) for s in seeds)

    lines.append(
        f"| mean | {mean(numpy_rows, 'hr_at_10'):.3f} | {mean(spark_rows, 'hr_at_10'):.3f} "
        f"| {statistics.mean(deltas['hr']):+.3f} | {mean(numpy_rows, 'ndcg_at_10'):.3f} "
        f"| {mean(spark_rows, 'ndcg_at_10'):.3f} | {statistics.mean(deltas['ndcg']):+.3f} "
        f"| {mean(numpy_rows, 'coverage_at_10'):.3f} | {mean(spark_rows, 'coverage_at_10'):.3f} |"
    )
    worst = max(abs(d) for d in deltas["hr"] + deltas["ndcg"])
    lines += ["", f"Largest per-seed |Δ| on HR@10 or NDCG@10: {worst:.3f} (target: ≤ 0.010)."]
    return lines
