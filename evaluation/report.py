"""The `make eval` report: per group of seeds (tuning, held out) the mean of each metric with its spread
(min to max), the heavy and light listener slices, already-heard violations, the served path's paired
lead over each baseline with its interval, and the targets; JSON rows; a chart."""

import json
import platform
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from evaluation import intervals, metrics
from evaluation.protocol import HEAVY_ABOVE, LIGHT_UP_TO, SLICES, Split
from evaluation.targets import target_lines
from evaluation.trainers import side_by_side

TUNING_SEEDS = (0, 1, 2)  # parameters are chosen on these
HELD_OUT_SEEDS = (3, 4)  # and reported on these, which no choice looked at


@dataclass(frozen=True)
class Row:
    model: str
    seed: int
    scores: metrics.Scores  # every evaluated listener
    seconds: float
    vs_exact: float | None = None  # approximate index: share of the exact ranker's top 10 it returns
    slices: Mapping[str, metrics.Scores] = field(default_factory=dict)  # "heavy", "light"
    violations: int = 0  # already-heard items over every top-20 list
    listeners: Mapping[str, metrics.PerListener] = field(default_factory=dict)  # "all", "heavy", "light"


def scored(
    model: str,
    part: Split,
    ranked: Mapping[int, Sequence[int]],
    seconds: float,
    known: Mapping[int, frozenset[int]],
    vs_exact: float | None = None,
) -> Row:
    """A model's lists scored over every listener and each slice, with the already-heard count and each
    listener's values (for the paired intervals)."""
    size = len(part.catalog)
    every = metrics.per_listener(ranked, part.test)
    listeners = {name: every.only(part.slice(name)) for name in SLICES}
    return Row(
        model,
        part.seed,
        metrics.score(ranked, part.test, size, every),
        seconds,
        vs_exact,
        {name: metrics.score(ranked, part.slice(name), size, listeners[name]) for name in ("heavy", "light")},
        metrics.already_heard(ranked, known),
        listeners,
    )


def rows_as_json(rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [
        {
            "model": r.model,
            "seed": r.seed,
            "seconds": r.seconds,
            "vs_exact": r.vs_exact,
            "already_heard": r.violations,
            **r.scores.as_dict(),
            "slices": {name: s.as_dict() for name, s in r.slices.items()},
        }
        for r in rows
    ]


METRICS = tuple((label, field) for field, label in metrics.LABELS.items())


def spread(values: Iterable[float]) -> str:
    """Mean, with min to max when there is more than one value."""
    found = list(values)
    mean = statistics.mean(found)
    return f"{mean:.3f}" if len(found) == 1 else f"{mean:.3f} ({min(found):.3f}\N{EN DASH}{max(found):.3f})"


def seed_groups(rows: Sequence[Row]) -> dict[str, list[int]]:
    """The seeds of the run, as tuning / held out / other groups (the empty ones left out)."""
    seeds = sorted({r.seed for r in rows})
    groups = {
        "tuning": [s for s in seeds if s in TUNING_SEEDS],
        "held out": [s for s in seeds if s in HELD_OUT_SEEDS],
        "other": [s for s in seeds if s not in TUNING_SEEDS + HELD_OUT_SEEDS],
    }
    return {name: found for name, found in groups.items() if found}


def group_table(rows: Sequence[Row], name: str, seeds: Sequence[int]) -> list[str]:
    mine = [r for r in rows if r.seed in seeds]
    models = list(dict.fromkeys(r.model for r in mine))

    def of(model: str) -> list[Row]:
        return [r for r in mine if r.model == model]

    def users(model: str, key: str | None) -> int:
        runs = of(model)
        return round(statistics.mean(r.scores.users if key is None else r.slices[key].users for r in runs))

    first = models[0]
    lines = [
        "",
        f"## {name.capitalize()} seeds {', '.join(map(str, seeds))}",
        "",
        f"Mean (min\N{EN DASH}max) over the seeds; {users(first, None):,} listeners, of whom "
        f"{users(first, 'heavy'):,} heavy (> {HEAVY_ABOVE} artists in their complete history) and "
        f"{users(first, 'light'):,} light (≤ {LIGHT_UP_TO}).",
        "",
        "| model | HR@10 | NDCG@10 | Recall@20 | coverage@10 | heavy HR@10 | heavy NDCG@10 | light HR@10 "
        "| light NDCG@10 | already heard | s / seed | top-10 = exact |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for model in models:
        runs = of(model)
        cells = [spread(getattr(r.scores, f) for r in runs) for _, f in METRICS]
        cells += [
            spread(getattr(r.slices[s], f) for r in runs) if users(model, s) else "—"
            for s in ("heavy", "light")
            for f in ("hr_at_10", "ndcg_at_10")
        ]
        agreements = [r.vs_exact for r in runs if r.vs_exact is not None]
        cells += [
            f"{sum(r.violations for r in runs):,}",
            f"{statistics.mean(r.seconds for r in runs):.1f}",
            f"{statistics.mean(agreements):.3f}" if agreements else "—",
        ]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return lines


def markdown(rows: Sequence[Row], elapsed: float, args: Mapping[str, Any]) -> str:
    groups = seed_groups(rows)
    lines = [
        f"# Mixtape offline evaluation — Last.fm HetRec 2011 ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        "Per-listener random 80/20 split of each listener's played artists (listeners with ≥ 5), over the "
        "complete history (plays and tagged artists, replayed as likes; a test artist leaves training "
        "entirely), training artists excluded, full ranking over the training catalog. Parameters are "
        "chosen on the tuning seeds only. Already heard: items of a listener's training history in their "
        f"top 20, summed over the seeds. `make eval` took {elapsed / 60:.1f} min on {platform.machine()} "
        f"({platform.python_version()}).",
    ]
    for name, seeds in groups.items():
        lines += group_table(rows, name, seeds)
        lines += intervals.table_lines(rows, seeds)
    if "held out" in groups:
        lines += target_lines([r for r in rows if r.seed in groups["held out"]], "held-out seeds")
    lines += side_by_side(rows)
    if args.get("limit_users"):
        lines += ["", f"Smoke run: first {args['limit_users']} listeners only."]
    return "\n".join(lines) + "\n"


def chart(rows: Sequence[Row], path: Path) -> None:
    """Bars of the held-out seeds' means (every seed's when none is held out)."""
    groups = seed_groups(rows)
    seeds = groups.get("held out") or sorted({r.seed for r in rows})
    shown = [r for r in rows if r.seed in seeds]
    models = list(dict.fromkeys(r.model for r in shown))
    fig, axes = plt.subplots(1, len(METRICS), figsize=(4 * len(METRICS), 4.5))
    for ax, (label, name) in zip(axes, METRICS, strict=True):
        values = [statistics.mean(getattr(r.scores, name) for r in shown if r.model == m) for m in models]
        colors = ["#1db954" if n.startswith("Mixtape") else "#9aa0a6" for n in models]
        ax.barh(models[::-1], values[::-1], color=colors[::-1])
        ax.set_title(label)
        for y, v in enumerate(values[::-1]):
            ax.text(v, y, f" {v:.3f}", va="center", fontsize=8)
        ax.set_xlim(0, max(values) * 1.25 if max(values) > 0 else 1)
        if ax is not axes[0]:
            ax.set_yticklabels([])
    fig.suptitle(f"Mixtape vs baselines on Last.fm (mean of seeds {', '.join(map(str, seeds))})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_reports(rows: Sequence[Row], out: Path, elapsed: float, args: Mapping[str, Any]) -> str:
    out.mkdir(parents=True, exist_ok=True)
    table = markdown(rows, elapsed, args)
    (out / "eval.md").write_text(table)
    paired = intervals.as_json(rows, seed_groups(rows))
    (out / "eval.json").write_text(
        json.dumps({"rows": rows_as_json(rows), "intervals": paired, "seconds": elapsed}, indent=1)
    )
    chart(rows, out / "eval.png")
    return table
