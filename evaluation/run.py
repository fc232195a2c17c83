"""`make eval`: Mixtape served end to end vs offline baselines on Last.fm, same splits, seeds 0-4.

For each seed: split; replay the training part (plays and likes) through the handlers (PUT /v1/items,
POST /v1/events, profile-update batches, one trainer run) and ask GET .../recommendations for every
evaluated listener; then score most-popular, item-kNN, ALS and EASE on the same training matrix. Also
serves a few ablations of the ranker (same stores and model, other weights) to show what each quality
lever adds. Seeds 0-2 are the tuning seeds, 3-4 are held out (evaluation.report).
"""

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tqdm import tqdm

from evaluation import baselines, metrics
from evaluation.protocol import Split, plays_and_tags, split
from evaluation.replay import trained_stack
from evaluation.report import HELD_OUT_SEEDS, TUNING_SEEDS, Row, scored, write_reports
from evaluation.served import ServedStack
from evaluation.spark_trainer import train_with_spark
from evaluation.trainers import NUMPY, SPARK
from local import lastfm
from local.train_spark import local_spark
from mixtape.config import ActivityLevel, RankingIndex, RankingWeights

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_SEEDS = TUNING_SEEDS + HELD_OUT_SEEDS
REPORTS = Path(__file__).resolve().parent.parent / "reports"
Step = Callable[[str], None]  # marks one phase of a seed done (the progress bar)


class Ablation(NamedTuple):
    """A served variant on the same trained stack: weight overrides over the defaults, and other activity
    levels (RANKING_ACTIVITY) unless `activity` is None (`()`: one weight set for everyone)."""

    weights: dict[str, float]
    activity: tuple[ActivityLevel, ...] | None = None


def served_runs(
    data: lastfm.LastFm,
    part: Split,
    ablations: dict[str, Ablation],
    log: Callable[[str], None],
    step: Step,
    spark: "SparkSession | None" = None,
) -> list[Row]:
    stack = trained_stack(data, part, log)
    step("replay and train")
    known = part.known()
    results = []
    base = RankingWeights()
    variants: dict[str, tuple[Ablation, RankingIndex | None]] = {
        NUMPY: (Ablation({}), None),
        **{name: (ablation, None) for name, ablation in ablations.items()},
        **{name: (Ablation({}), index) for name, index in (INDEX_VARIANTS if ablations else {}).items()},
    }
    exact: dict[int, list[int]] = {}
    for name, (ablation, index) in variants.items():
        stack.use_ranking(base.model_copy(update=ablation.weights), index, ablation.activity)
        ranked, seconds = _serve(stack, part)
        exact = exact or ranked  # the first variant is the exact ranker with the default weights
        agreement = metrics.overlap_at_10(ranked, exact) if index is not None else None
        results.append(scored(name, part, ranked, seconds, known, agreement))
        log(f"  {name}: {len(part.users):,} requests in {seconds:.1f}s")
        step(name)
    if spark is not None:  # the same stack and requests, served from the Spark job's model
        summary = train_with_spark(stack, spark)
        phases = ", ".join(f"{name} {value:.1f}s" for name, value in summary["phases"].items())
        log(f"  Spark job: {summary['items']:,} items in {summary['seconds']:.1f}s ({phases})")
        stack.use_ranking(base)
        ranked, seconds = _serve(stack, part)
        results.append(scored(SPARK, part, ranked, seconds, known))
        log(f"  {SPARK}: {len(part.users):,} requests in {seconds:.1f}s")
        step(SPARK)
    return results


def _serve(stack: ServedStack, part: Split) -> tuple[dict[int, list[int]], float]:
    t0 = time.perf_counter()
    ranked = {}
    for user in part.users:
        answer = stack.recommend(lastfm.user_id_for(user), limit=20)
        ranked[user] = [lastfm.artist_for_item_id(i["item_id"]) or -1 for i in answer["items"]]
    return ranked, time.perf_counter() - t0


def baseline_runs(part: Split, log: Callable[[str], None], step: Step) -> list[Row]:
    matrix = baselines.training_matrix(part)
    known = part.known()
    results = []
    for name, scorer in baselines.SCORERS.items():
        t0 = time.perf_counter()
        ranked = baselines.top_k(matrix, scorer(matrix.binary), part)
        seconds = time.perf_counter() - t0
        results.append(scored(name, part, ranked, seconds, known))
        log(f"  {name}: {seconds:.1f}s")
        step(name)
    return results


# The approximate index on real data: every listener ranked through IVF (RANKING_INDEX__KIND=ivf, forced on
# this small catalog) with ~√n lists, as at 1M. The first variant keeps the defaults' shares of the catalog
# at 1M (8 of 1,000 lists, 6,000 liked-genre items: 1 of ~123 lists and ~90 items here), the second probes
# twice the lists and no genre items. Their top 10 is compared with the exact ranker's ("top-10 = exact").
INDEX_VARIANTS: dict[str, RankingIndex] = {
    "served, IVF (1 of √n lists + 90 liked-genre items)": RankingIndex(
        kind="ivf", ivf_min_items=1, n_probe=1, genre_items=90
    ),
    "served, IVF (2 of √n lists)": RankingIndex(kind="ivf", ivf_min_items=1, n_probe=2, genre_items=0),
}

# Quality levers, each switched off on the same trained stack (README, "Model quality").
ABLATIONS: dict[str, Ablation] = {
    # One model part alone, for every listener (no level may put another term back).
    "served, ALS fold-in only": Ablation({"neighbors": 0.0, "debias": 0.0, "genre": 0.0}, activity=()),
    "served, EASE rows and remainder only": Ablation(
        {"factors": 0.0, "debias": 0.0, "genre": 0.0}, activity=()
    ),
    "served, no EASE remainder": Ablation({"remainder": 0.0}),
    "served, no popularity debias": Ablation({"debias": 0.0}),
    "served, no exposure debias": Ablation({"debias_exposure": 0.0}),
    "served, no debias": Ablation({"debias": 0.0, "debias_exposure": 0.0}),
    "served, no genre affinity": Ablation({"genre": 0.0}),
    # Weights per activity level (RANKING_ACTIVITY) switched off: the deployment's for every listener.
    "served, one weight set for everyone": Ablation({}, activity=()),
    # Exploration (README, "Context, exploration and experiments"): the deployment default RANKING__EXPLORE
    # swept; the first row (explore 0) is the served default.
    **{f"served, explore {share}": Ablation({"explore": share}) for share in (0.1, 0.2, 0.4)},
}


def phases(ablate: bool, with_spark: bool) -> int:
    """Phases of one seed, for the progress bar: replay and train, each served variant, Spark, baselines."""
    served = 1 + (len(ABLATIONS) + len(INDEX_VARIANTS) if ablate else 0)
    return 1 + served + int(with_spark) + len(baselines.SCORERS)


def run(
    seeds: Sequence[int],
    data_dir: str | None,
    limit_users: int | None,
    ablate: bool,
    with_spark: bool = True,
    extras_seeds: Sequence[int] | None = None,
) -> list[Row]:
    """Served and baselines on every seed; ablations and the Spark-trained model on `extras_seeds` (all
    seeds when None)."""
    extras = set(seeds if extras_seeds is None else extras_seeds)
    with_spark = with_spark and bool(extras & set(seeds))
    spark = local_spark() if with_spark else None
    data = lastfm.load(data_dir)
    plays, tagged = plays_and_tags(data, limit_users)
    rows: list[Row] = []
    # On stderr and only on a terminal (tqdm's disable=None); the log lines go around it to stdout.
    total = sum(phases(ablate and s in extras, with_spark and s in extras) for s in seeds)
    with tqdm(total=total, desc="make eval", disable=None) as bar:

        def log(line: str) -> None:
            tqdm.write(line, file=sys.stdout)

        for seed in seeds:

            def step(phase: str, seed: int = seed) -> None:
                bar.set_postfix_str(f"seed {seed}: {phase} done")
                bar.update()

            part = split(plays, seed, tagged)
            log(
                f"seed {seed}: {len(part.train):,} training plays and {len(part.likes):,} likes, "
                f"{len(part.test):,} evaluated listeners, {len(part.catalog):,} training artists"
            )
            more = seed in extras
            rows.extend(
                served_runs(
                    data, part, ABLATIONS if ablate and more else {}, log, step, spark if more else None
                )
            )
            rows.extend(baseline_runs(part, log, step))
    if spark is not None:
        spark.stop()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default=",".join(map(str, DEFAULT_SEEDS)))
    parser.add_argument("--data", default=None, help=f"dataset directory (default {lastfm.DEFAULT_DATA_DIR})")
    parser.add_argument(
        "--limit-users", type=int, default=None, help="only the first N listeners (smoke runs)"
    )
    parser.add_argument("--no-ablations", action="store_true")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark-trained model")
    parser.add_argument(
        "--extras-seeds",
        default=str(TUNING_SEEDS[0]),
        help="seeds that also get the ablations, IVF and the Spark-trained model ('all': every seed)",
    )
    parser.add_argument("--out", type=Path, default=REPORTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    seeds = [int(s) for s in args.seeds.split(",")]
    extras = None if args.extras_seeds == "all" else [int(s) for s in args.extras_seeds.split(",")]
    rows = run(seeds, args.data, args.limit_users, not args.no_ablations, not args.no_spark, extras)
    table = write_reports(rows, args.out, time.perf_counter() - started, vars(args))
    print(table)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
