"""Issue 20's targets, checked on the served path's rows of one group of seeds (the held-out ones)."""

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING

from evaluation.baselines import SCORERS
from evaluation.intervals import MINUS, PERCENT, served_minus
from evaluation.metrics import LABELS
from evaluation.trainers import NUMPY

if TYPE_CHECKING:
    from evaluation.report import Row

# metric field -> minimum mean on the held-out seeds
TARGETS = {"hr_at_10": 0.85, "ndcg_at_10": 0.27, "coverage_at_10": 0.12}
COMPARED = ("hr_at_10", "ndcg_at_10")  # "beaten": the served mean is higher on both, per slice
DELTA = "\N{GREEK CAPITAL LETTER DELTA}"


def _mean(rows: Sequence["Row"], model: str, slice_name: str, metric: str) -> float:
    return statistics.mean(
        float(getattr(r.scores if slice_name == "all" else r.slices[slice_name], metric))
        for r in rows
        if r.model == model
    )


def _noise(rows: Sequence["Row"], baseline: str, slice_name: str, metric: str) -> str:
    """A miss's paired difference and whether its interval includes 0; empty without per-listener values."""
    found = served_minus(rows, baseline, slice_name, metric)
    if found is None:
        return ""
    return f", {DELTA} {found}: {'within' if found.within_noise else 'beyond'} noise"


def target_lines(rows: Sequence["Row"], label: str) -> list[str]:
    """Markdown lines: each target met or not, with the figure; empty without a served row."""
    if not any(r.model == NUMPY for r in rows):
        return []
    lines = ["", f"## Targets ({NUMPY}, {label})", "", "| target | figure | met |", "|---|---|---|"]
    for metric, floor in TARGETS.items():
        value = _mean(rows, NUMPY, "all", metric)
        lines.append(f"| {LABELS[metric]} ≥ {floor} | {value:.3f} | {'yes' if value >= floor else 'NO'} |")
    violations = sum(r.violations for r in rows if r.model == NUMPY)
    lines.append(f"| already-heard violations = 0 | {violations:,} | {'yes' if violations == 0 else 'NO'} |")
    present = [name for name in SCORERS if any(r.model == name for r in rows)]
    for slice_name in ("all", "heavy", "light"):
        if not any(
            r.model == NUMPY and (r.scores if slice_name == "all" else r.slices[slice_name]).users
            for r in rows
        ):
            lines.append(
                f"| every baseline beaten, {slice_name} listeners | — | no such listener evaluated |"
            )
            continue
        unbeaten = [
            f"{name} ({LABELS[m]} {_mean(rows, name, slice_name, m):.3f} vs "
            f"{_mean(rows, NUMPY, slice_name, m):.3f}{_noise(rows, name, slice_name, m)})"
            for name in present
            for m in COMPARED
            if _mean(rows, name, slice_name, m) >= _mean(rows, NUMPY, slice_name, m)
        ]
        verdict = "yes" if not unbeaten else "NO: " + "; ".join(unbeaten)
        lines.append(
            f"| every baseline beaten on HR@10 and NDCG@10, {slice_name} listeners | — | {verdict} |"
        )
    if any(r.model == NUMPY and r.listeners for r in rows):
        lines += [
            "",
            f"A miss is a baseline mean at least the served one; its {DELTA} is served {MINUS} baseline "
            f"with its paired {PERCENT} interval, within noise when that includes 0.",
        ]
    return lines
