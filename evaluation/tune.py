"""The levers behind the defaults, each measured on the served path (`make tune`, reports/eval-levers.md).

    PYTHONPATH=layers/common .venv/bin/python -m evaluation.tune [--seeds 0,1,2,3,4] [--limit-users N]

Each seed replays its training history once; every training variant retrains on the same stores and every
ranking variant re-asks the same listeners. A lever is one change from today's defaults: training
parameters, ranking weights, or the activity levels (RANKING_ACTIVITY). It helps when it raises the tuning
seeds' mean HR@10 and NDCG@10 (0-2) and is kept only if the held-out seeds (3-4) agree; the heavy and light
slices' NDCG@10 are shown beside, since issue 20 asks every slice to beat the baselines.
"""

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evaluation import metrics
from evaluation.protocol import Split, plays_and_tags, split
from evaluation.replay import replayed_stack
from evaluation.report import HELD_OUT_SEEDS, TUNING_SEEDS
from evaluation.run import REPORTS, _serve
from evaluation.served import ServedStack
from local import lastfm
from mixtape.config import DEFAULT_ACTIVITY_LEVELS, ActivityLevel, RankingWeights
from mixtape.models.training_params import TrainingParams


@dataclass(frozen=True)
class Lever:
    name: str
    training: Mapping[str, Any] = field(default_factory=dict)  # TrainingParams changed
    ranking: Mapping[str, float] = field(default_factory=dict)  # RankingWeights changed
    activity: tuple[ActivityLevel, ...] | None = None  # RANKING_ACTIVITY (None: the defaults)


def levels(**changes: Mapping[str, Any]) -> tuple[ActivityLevel, ...]:
    """The default activity levels with some levels' fields changed, by level name."""
    return tuple(
        ActivityLevel.model_validate({**level, **changes.get(level["name"], {})})
        for level in DEFAULT_ACTIVITY_LEVELS
    )


NO_DEBIAS = {"debias": 0.0, "debias_exposure": 0.0}
DEFAULT = Lever("defaults")
LEVERS = (
    DEFAULT,
    Lever("one weight set for everyone (no activity levels)", activity=()),
    Lever("heavy level above 100", activity=levels(heavy={"above": 100})),
    Lever("heavy level above 300", activity=levels(heavy={"above": 300})),
    Lever("light level up to 40", activity=levels(light={"up_to": 40})),
    Lever("light level without its factors weight 3", activity=levels(light={"ranking": NO_DEBIAS})),
    Lever("no EASE remainder", {"ease_remainder_rank": 0}),
    *(Lever(f"EASE remainder rank {r}", {"ease_remainder_rank": r}) for r in (64, 256)),
    Lever("EASE remainder weight 0.5", ranking={"remainder": 0.5}),
    Lever("EASE λ 200", {"ease_lambda": 200.0}),
    *(Lever(f"factors weight {v:g}", ranking={"factors": v}) for v in (1.2, 2.2)),
    *(Lever(f"EASE weight {v:g}", ranking={"neighbors": v}) for v in (0.7, 1.4)),
    *(Lever(f"debias {v:g}", ranking={"debias": v}) for v in (0.1, 0.3)),
    Lever("exposure debias 0.15", ranking={"debias_exposure": 0.15}),
    *(Lever(f"ALS weighted-λ {lam:g}", {"regularization": lam}) for lam in (0.1, 0.4)),
    Lever("fold-in ridge 3", {"foldin_regularization": 3.0}),
)
Lists = dict[int, list[int]]


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
                    weights = RankingWeights().model_copy(update=dict(lever.ranking))
                    stack.use_ranking(weights, activity=lever.activity)
                    lists[lever.name][seed], _ = _serve(stack, part)
                    bar.set_postfix_str(f"seed {seed}: {lever.name}")
                    bar.update()
            log(f"seed {seed} done")
            done(lists, parts)
    return lists, parts


def table(lists: dict[str, dict[int, Lists]], parts: dict[int, Split]) -> str:
    groups = {
        "tuning": [s for s in parts if s in TUNING_SEEDS],
        "held out": [s for s in parts if s in HELD_OUT_SEEDS],
    }

    def mean(name: str, seeds: Sequence[int], group: str = "all") -> metrics.Scores:
        return metrics.mean(
            metrics.score(lists[name][s], parts[s].slice(group), len(parts[s].catalog)) for s in seeds
        )

    lines = [
        "# Levers on the served path (`make tune`)",
        "",
        f"Tuning seeds {groups['tuning']}, held-out seeds {groups['held out']}; means of HR@10 / NDCG@10 / "
        "coverage@10 over every evaluated listener, Δ against the defaults of the same run, then the heavy "
        "and light slices' NDCG@10. Kept: raises HR@10 and NDCG@10 on the tuning seeds and the held-out "
        "seeds agree.",
        "",
        "| lever | tuning | Δ HR@10, NDCG@10 | heavy / light NDCG@10 | held out | Δ HR@10, NDCG@10 "
        "| heavy / light NDCG@10 | kept? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in lists:
        cells, helps = [], []
        for seeds in groups.values():
            if not seeds:
                cells += ["—", "—", "—"]
                continue
            got, base = mean(name, seeds), mean(DEFAULT.name, seeds)
            d_hr, d_ndcg = got.hr_at_10 - base.hr_at_10, got.ndcg_at_10 - base.ndcg_at_10
            helps.append(d_hr > 0 and d_ndcg > 0)
            cells += [
                f"{got.hr_at_10:.3f} / {got.ndcg_at_10:.3f} / {got.coverage_at_10:.3f}",
                f"{d_hr:+.3f}, {d_ndcg:+.3f}",
                f"{mean(name, seeds, 'heavy').ndcg_at_10:.3f} / {mean(name, seeds, 'light').ndcg_at_10:.3f}",
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
        text = table(done, parts)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "eval-levers.md").write_text(text)
        return text

    lists, parts = measure(seeds, lastfm.load(args.data), args.limit_users, log, write)
    print(write(lists, parts))


if __name__ == "__main__":
    main()
