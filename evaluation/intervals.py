"""Paired cluster-bootstrap intervals of the served path's lead over a baseline, per slice of listeners.

The statistic is the report's own: the mean over the seeds of a group of each seed's mean difference
(served - baseline) over that seed's listeners. The seeds share listeners, so the resampled unit is the
listener with all their seeds (a cluster): resampling (listener, seed) pairs independently would count one
listener's correlated seeds as independent evidence and narrow the interval. Percentile interval over
`RESAMPLES` resamples from a fixed generator, so a report is reproducible.
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

from evaluation.baselines import SCORERS
from evaluation.metrics import LABELS
from evaluation.protocol import SLICES
from evaluation.trainers import NUMPY

if TYPE_CHECKING:
    from evaluation.metrics import PerListener
    from evaluation.report import Row

RESAMPLES = 2_000
LEVEL = 0.95
SEED = 0
PERCENT = f"{LEVEL * 100:.0f} %"
MINUS = "\N{MINUS SIGN}"

Values = Mapping[int, float]  # listener -> a metric's value on one seed


@dataclass(frozen=True)
class Interval:
    mean: float  # mean over the seeds of the per-seed mean difference
    low: float
    high: float
    listeners: int  # distinct listeners over the seeds: the resampled units

    @property
    def within_noise(self) -> bool:
        """The interval includes 0: the data cannot tell the two apart."""
        return self.low <= 0.0 <= self.high

    def __str__(self) -> str:
        return f"{self.mean:+.3f} ({self.low:+.3f} \N{HORIZONTAL ELLIPSIS} {self.high:+.3f})"


def paired_bootstrap(
    served: Sequence[Values], baseline: Sequence[Values], resamples: int = RESAMPLES
) -> Interval | None:
    """served[s] and baseline[s]: seed s's value per listener, paired on the listeners both scored.
    None when no listener is in both on any seed."""
    pairs = [(a, b, a.keys() & b.keys()) for a, b in zip(served, baseline, strict=True)]
    users = sorted(set().union(*(shared for _, _, shared in pairs)))
    if not users:
        return None
    row = {u: i for i, u in enumerate(users)}
    difference = np.zeros((len(users), len(pairs)))  # listener x seed, 0 where absent
    present = np.zeros((len(users), len(pairs)))
    for seed, (a, b, shared) in enumerate(pairs):
        for user in shared:
            difference[row[user], seed] = a[user] - b[user]
            present[row[user], seed] = 1.0
    counts = _draws(len(users), resamples)
    means = _seed_means(counts @ difference, counts @ present)
    tail = 100.0 * (1.0 - LEVEL) / 2.0
    low, high = np.percentile(means, [tail, 100.0 - tail])
    point = _seed_means(difference.sum(axis=0, keepdims=True), present.sum(axis=0, keepdims=True))
    return Interval(float(point[0]), float(low), float(high), len(users))


def _draws(n: int, resamples: int) -> np.ndarray:
    """resamples x n: how often each listener is drawn in each resample of n draws with replacement (a
    listener drawn brings all their seeds)."""
    drawn = np.random.default_rng(SEED).integers(0, n, size=(resamples, n))
    drawn += n * np.arange(resamples)[:, None]  # resample r counts in [r * n, r * n + n): one bincount
    return np.bincount(drawn.ravel(), minlength=resamples * n).reshape(resamples, n).astype(float)


def _seed_means(totals: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per row, the mean over the seeds of total / count, skipping seeds a resample drew nobody from."""
    per_seed = np.divide(totals, counts, out=np.full(totals.shape, np.nan), where=counts > 0)
    return np.asarray(np.nanmean(per_seed, axis=1))


def served_minus(rows: Sequence["Row"], baseline: str, slice_name: str, metric: str) -> Interval | None:
    """The served path's lead over `baseline` on one slice and metric, over the seeds of `rows` that
    have both with per-listener values; None without such a seed."""

    def by_seed(model: str) -> dict[int, "PerListener"]:
        return {r.seed: r.listeners[slice_name] for r in rows if r.model == model and r.listeners}

    served, other = by_seed(NUMPY), by_seed(baseline)
    seeds = sorted(served.keys() & other.keys())
    if not seeds:
        return None
    return paired_bootstrap(
        [getattr(served[s], metric) for s in seeds], [getattr(other[s], metric) for s in seeds]
    )


COLUMNS = tuple((s, m) for s in SLICES for m in ("hr_at_10", "ndcg_at_10"))


def group_intervals(rows: Sequence["Row"]) -> dict[tuple[str, tuple[str, str]], Interval | None]:
    """(baseline, (slice, metric)) -> the served path's lead, for every baseline in `rows` (one group)."""
    present = [name for name in SCORERS if any(r.model == name for r in rows)]
    return {(name, column): served_minus(rows, name, *column) for name in present for column in COLUMNS}


def as_json(rows: Sequence["Row"], groups: Mapping[str, Sequence[int]]) -> list[dict[str, object]]:
    """The intervals of every seed group, one record per baseline, slice and metric (eval.json)."""
    return [
        {"group": group, "baseline": name, "slice": column[0], "metric": column[1], **asdict(found)}
        for group, seeds in groups.items()
        for (name, column), found in group_intervals([r for r in rows if r.seed in seeds]).items()
        if found is not None
    ]


def table_lines(rows: Sequence["Row"], seeds: Sequence[int]) -> list[str]:
    """Markdown: per baseline, the served path's lead with its interval on each slice and metric, over
    `seeds`; none without a served row carrying per-listener values."""
    mine = [r for r in rows if r.seed in seeds]
    if not any(r.model == NUMPY and r.listeners for r in mine):
        return []
    found = group_intervals(mine)
    present = list(dict.fromkeys(name for name, _ in found))
    sizes = [
        next((i.listeners for (_, c), i in found.items() if c == (s, "hr_at_10") and i), 0) for s in SLICES
    ]
    lines = [
        "",
        f"### {NUMPY} {MINUS} baseline ({PERCENT} interval), per slice",
        "",
        f"Paired per listener: the mean over the seeds of each seed's mean difference, with a {PERCENT} "
        f"percentile interval from {RESAMPLES:,} bootstrap resamples of listeners (each with all their "
        f"seeds); an interval that includes 0 is within noise. Listeners: {sizes[0]:,} all, {sizes[1]:,} "
        f"heavy, {sizes[2]:,} light.",
        "",
        "| baseline | " + " | ".join(f"{s} {LABELS[m]}" for s, m in COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for name in present:
        cells = [str(found[name, c]) if found[name, c] else "—" for c in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines
