"""The levers behind the defaults, each measured on the served path (`make tune`, reports/eval-levers.md).

    PYTHONPATH=layers/common .venv/bin/python -m evaluation.tune [--seeds 0,1,2,3,4] [--limit-users N]

Each seed replays its training history once; every training variant retrains on the same stores and every
ranking variant re-asks the same listeners. A lever is one change from today's defaults. It helps when it
raises the tuning seeds' mean HR@10 and NDCG@10 (0-2) and is kept only if the held-out seeds (3-4) agree.
"Per activity level" composes, per listener, the lists of the ranking variant that did best on the tuning
seeds for heavy, light and other listeners (by the size of their history): what weights chosen per level
would serve.
"""

import argparse
import statistics
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evaluation import metrics
from evaluation.protocol import HEAVY_ABOVE, LIGHT_UP_TO, Split, plays_and_tags, split
from evaluation.replay import replayed_stack
from evaluation.report import HELD_OUT_SEEDS, TUNING_SEEDS
from evaluation.run import REPORTS, _serve
from evaluation.served import ServedStack
from local import lastfm
from mixtape.config import RankingWeights
from mixtape.models.training_params import TrainingParams


@dataclass(frozen=True)
class Lever:
    name: str
    training: Mapping[str, Any] = field(default_factory=dict)  # TrainingParams changed
    ranking: Mapping[str, float] = field(default_factory=dict)  # RankingWeights changed


DEFAULT = Lever("defaults")
LEVERS = (
    DEFAULT,
    *(Lever(f"EASE λ {lam:g}", {"ease_lambda": lam}) for lam in (200.0, 400.0)),
    Lever("400 EASE weights per item", {"neighbors": 400}),
    Lever("ALS confidence 1 + alpha log(1 + weight)", {"epsilon": 1.0}),
    Lever("EASE input BM25", {"ease_weighting": "bm25"}),
    *(Lever(f"factors weight {v:g}", ranking={"factors": v}) for v in (1.2, 2.2)),
    *(Lever(f"EASE weight {v:g}", ranking={"neighbors": v}) for v in (0.7, 1.4)),
    *(Lever(f"debias {v:g}", ranking={"debias": v}) for v in (0.1, 0.3)),
    Lever("no exposure debias, popularity debias 0.4", ranking={"debias": 0.4, "debias_exposure": 0.0}),
    Lever("exposure debias 0.1, popularity debias 0.3", ranking={"debias": 0.3, "debias_exposure": 0.1}),
    Lever("exposure debias 0.3, popularity debias 0.1", ranking={"debias": 0.1, "debias_exposure": 0.3}),
    Lever("EASE sums over their 20th largest", ranking={"neighbor_scale_rank": 20}),
    Lever("model terms times (liked / 50) ^ 0.3", ranking={"activity_exponent": 0.3}),
    Lever(
        "ALS constant ridge λ 1, exposure debias 0.2 (the previous defaults)",
        {"regularization": 1.0, "regularization_scaling": "constant", "foldin_regularization": None},
        {"debias_exposure": 0.2},
    ),
    *(Lever(f"ALS weighted-λ {lam:g}", {"regularization": lam}) for lam in (0.1, 0.4)),
    Lever(
        "1,000 EASE weights per item, sums over their 20th largest, times activity ^ 0.3",
        {"neighbors": 1000},
        {"neighbor_scale_rank": 20, "activity_exponent": 0.3},
    ),
)
SLICES = ("heavy", "light", "other")
Lists = dict[int, list[int]]


def level(part: Split, user: int) -> str:
    size = part.history[user]
    return "heavy" if size > HEAVY_ABOVE else "light" if size <= LIGHT_UP_TO else "other"


def measure(
    seeds: Sequence[int],
    data: lastfm.LastFm,
    limit_users: int | None,
    log: Callable[[str], None],
    done: Callable[[dict[str, dict[int, Lists]], dict[int, Split]], object],
) -> tuple[dict[str, dict[int, Lists]], dict[int, Split]]:
    """Every lever's served lists, per seed; `done` after each seed (the table so far)."""
    plays, tagged = plays_and_tags(data, limit_users)
    lists: dict[str, dict[int, Lists]] = {lever.name: {} for lever in LEVERS}
    parts: dict[int, Split] = {}
    trainings = list(dict.fromkeys(tuple(sorted(lever.training.items())) for lever in LEVERS))
    with tqdm(total=len(seeds) * (1 + len(trainings) + len(LEVERS)), desc="tune", disable=None) as bar:
        for seed in seeds:
            parts[seed] = part = split(plays, seed, tagged)
            stack = replayed_stack(data, part, log, ServedStack())
            bar.update()
            for training in trainings:
                stack.use_training(TrainingParams.model_validate(dict(training)))
                stack.train()
                bar.update()
                for lever in (lv for lv in LEVERS if tuple(sorted(lv.training.items())) == training):
                    stack.use_ranking(RankingWeights().model_copy(update=dict(lever.ranking)))
                    lists[lever.name][seed], _ = _serve(stack, part)
                    bar.set_postfix_str(f"seed {seed}: {lever.name}")
                    bar.update()
            log(f"seed {seed} done")
            done(lists, parts)
    return lists, parts


def per_level(lists: dict[str, dict[int, Lists]], parts: dict[int, Split], tuning: Sequence[int]) -> Lever:
    """The ranking variants' best per activity level on the tuning seeds, composed into one lever's lists."""
    ranking = [lever.name for lever in LEVERS if not lever.training]
    chosen: dict[str, str] = {}
    for name in SLICES:

        def ndcg(variant: str, name: str = name) -> float:
            return statistics.mean(
                metrics.score(
                    lists[variant][s],
                    {u: t for u, t in parts[s].test.items() if level(parts[s], u) == name},
                    1,
                ).ndcg_at_10
                for s in tuning
            )

        chosen[name] = max(ranking, key=ndcg)
    composed = ", ".join(f"{name}: {variant}" for name, variant in chosen.items())
    lever = Lever(f"per activity level ({composed})")
    lists[lever.name] = {
        s: {u: lists[chosen[level(part, u)]][s][u] for u in part.users} for s, part in parts.items()
    }
    return lever


def table(lists: dict[str, dict[int, Lists]], parts: dict[int, Split]) -> str:
    groups = {
        "tuning": [s for s in parts if s in TUNING_SEEDS],
        "held out": [s for s in parts if s in HELD_OUT_SEEDS],
    }

    def mean(name: str, seeds: Sequence[int]) -> metrics.Scores:
        return metrics.mean(
            metrics.score(lists[name][s], parts[s].test, len(parts[s].catalog)) for s in seeds
        )

    lines = [
        "# Levers on the served path (`make tune`)",
        "",
        f"Tuning seeds {groups['tuning']}, held-out seeds {groups['held out']}; means of HR@10 / NDCG@10 / "
        "coverage@10 over every evaluated listener, Δ against the defaults of the same run. Kept: raises "
        "HR@10 and NDCG@10 on the tuning seeds and the held-out seeds agree.",
        "",
        "| lever | tuning | Δ HR@10, NDCG@10 | held out | Δ HR@10, NDCG@10 | kept? |",
        "|---|---|---|---|---|---|",
    ]
    for name in lists:
        cells, helps = [], []
        for seeds in groups.values():
            if not seeds:
                cells += ["—", "—"]
                continue
            got, base = mean(name, seeds), mean(DEFAULT.name, seeds)
            d_hr, d_ndcg = got.hr_at_10 - base.hr_at_10, got.ndcg_at_10 - base.ndcg_at_10
            helps.append(d_hr > 0 and d_ndcg > 0)
            cells += [
                f"{got.hr_at_10:.3f} / {got.ndcg_at_10:.3f} / {got.coverage_at_10:.3f}",
                f"{d_hr:+.3f}, {d_ndcg:+.3f}",
            ]
        verdict = (
            "(defaults)"
            if name == DEFAULT.name
            else "no"
            if not helps or not helps[0]
            else "held out pending"
            if len(helps) < 2  # tuning only so far
            else "yes"
            if helps[1]
            else "no: held out disagrees"
        )
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {verdict} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default=",".join(map(str, TUNING_SEEDS + HELD_OUT_SEEDS)))
    parser.add_argument("--data", default=None, help=f"dataset directory (default {lastfm.DEFAULT_DATA_DIR})")
    parser.add_argument("--limit-users", type=int, default=None, help="only the first N listeners")
    parser.add_argument("--out", type=Path, default=REPORTS)
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]

    def log(line: str) -> None:
        tqdm.write(line, file=sys.stdout)

    def write(lists: dict[str, dict[int, Lists]], parts: dict[int, Split]) -> str:
        done = {name: runs for name, runs in lists.items() if runs.keys() == parts.keys()}
        tuning = [s for s in parts if s in TUNING_SEEDS]
        if tuning:
            per_level(done, parts, tuning)
        text = table(done, parts)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "eval-levers.md").write_text(text)
        return text

    lists, parts = measure(seeds, lastfm.load(args.data), args.limit_users, log, write)
    print(write(lists, parts))


if __name__ == "__main__":
    main()
