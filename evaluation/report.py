"""The `make eval` report: a Markdown table (mean over seeds, with the spread), JSON rows, a PNG chart."""

import json
import platform
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from evaluation import metrics
from evaluation.trainers import side_by_side


@dataclass(frozen=True)
class Row:
    model: str
    seed: int
    scores: metrics.Scores
    seconds: float
    vs_exact: float | None = None  # approximate index: share of the exact ranker's top 10 it returns


def rows_as_json(rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [
        {"model": r.model, "seed": r.seed, "seconds": r.seconds, "vs_exact": r.vs_exact, **r.scores.as_dict()}
        for r in rows
    ]


METRICS = (
    ("HR@10", "hr_at_10"),
    ("NDCG@10", "ndcg_at_10"),
    ("Recall@20", "recall_at_20"),
    ("coverage@10", "coverage_at_10"),
)


@dataclass(frozen=True)
class Summary:
    model: str
    scores: metrics.Scores  # means over seeds
    seconds: float
    hr_spread: float  # HR@10 standard deviation across seeds
    vs_exact: float | None


def summarise(rows: Sequence[Row]) -> list[Summary]:
    """Per model, in first-seen order: means over seeds, and the HR@10 spread across them."""
    models = list(dict.fromkeys(r.model for r in rows))
    out = []
    for model in models:
        mine = [r for r in rows if r.model == model]
        hrs = [r.scores.hr_at_10 for r in mine]
        agreements = [r.vs_exact for r in mine if r.vs_exact is not None]
        out.append(
            Summary(
                model,
                metrics.mean(r.scores for r in mine),
                statistics.mean(r.seconds for r in mine),
                statistics.pstdev(hrs) if len(hrs) > 1 else 0.0,
                statistics.mean(agreements) if agreements else None,
            )
        )
    return out


def markdown(rows: Sequence[Row], elapsed: float, args: dict[str, Any]) -> str:
    seeds = sorted({r.seed for r in rows})
    lines = [
        f"# Mixtape offline evaluation — Last.fm HetRec 2011 ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Mean over seeds {', '.join(map(str, seeds))}; per-listener random 80/20 split of artists "
        "(listeners with ≥ 5), training artists excluded, full ranking over the training catalog. "
        f"`make eval` took {elapsed / 60:.1f} min on {platform.machine()} ({platform.python_version()}).",
        "",
        "| model | HR@10 | NDCG@10 | Recall@20 | coverage@10 | users | s / seed | HR@10 sd "
        "| top-10 = exact |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in summarise(rows):
        mean = row.scores
        agreement = "—" if row.vs_exact is None else f"{row.vs_exact:.3f}"
        lines.append(
            f"| {row.model} | {mean.hr_at_10:.3f} | {mean.ndcg_at_10:.3f} | {mean.recall_at_20:.3f} | "
            f"{mean.coverage_at_10:.3f} | {mean.users:,} | {row.seconds:.1f} | {row.hr_spread:.3f} "
            f"| {agreement} |"
        )
    lines += side_by_side(rows)
    if args.get("limit_users"):
        lines += ["", f"Smoke run: first {args['limit_users']} listeners only."]
    return "\n".join(lines) + "\n"


def chart(rows: Sequence[Row], path: Path) -> None:
    summary = summarise(rows)
    fig, axes = plt.subplots(1, len(METRICS), figsize=(4 * len(METRICS), 4.5))
    for ax, (label, field) in zip(axes, METRICS, strict=True):
        names = [row.model for row in summary]
        values = [getattr(row.scores, field) for row in summary]
        colors = ["#1db954" if n.startswith("Mixtape") else "#9aa0a6" for n in names]
        ax.barh(names[::-1], values[::-1], color=colors[::-1])
        ax.set_title(label)
        for y, v in enumerate(values[::-1]):
            ax.text(v, y, f" {v:.3f}", va="center", fontsize=8)
        ax.set_xlim(0, max(values) * 1.25 if max(values) > 0 else 1)
        if ax is not axes[0]:
            ax.set_yticklabels([])
    fig.suptitle("Mixtape vs baselines on Last.fm (mean of seeds)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_reports(rows: Sequence[Row], out: Path, elapsed: float, args: dict[str, Any]) -> str:
    out.mkdir(parents=True, exist_ok=True)
    table = markdown(rows, elapsed, args)
    (out / "eval.md").write_text(table)
    (out / "eval.json").write_text(json.dumps({"rows": rows_as_json(rows), "seconds": elapsed}, indent=1))
    chart(rows, out / "eval.png")
    return table
