"""`make eval`: Mixtape served end to end vs offline baselines on Last.fm, same splits, seeds 0-2.

For each seed: split; replay the training part through the handlers (PUT /v1/items, POST /v1/events,
profile-update batches, one trainer run) and ask GET .../recommendations for every evaluated listener;
then score most-popular, item-kNN, ALS and EASE on the same training matrix. Also serves a few
ablations of the ranker (same stores and model, other weights) to show what each quality lever adds.
"""

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evaluation import baselines, metrics
from evaluation.protocol import Split, split
from evaluation.report import Row, write_reports
from evaluation.served import ServedStack
from local import lastfm
from local.importer import catalog_item, pack_groups, play_events
from mixtape.config import Experiment, RankingIndex, RankingWeights
from mixtape.models.training_params import TrainingParams

DEFAULT_SEEDS = (0, 1, 2)
REPORTS = Path(__file__).resolve().parent.parent / "reports"


def trained_stack(
    data: lastfm.LastFm, part: Split, log: Callable[[str], None], experiments: Sequence[Experiment] = ()
) -> ServedStack:
    """A fresh served stack with the split's training part replayed through it and a model trained."""
    started = time.perf_counter()
    stack = ServedStack(experiments=experiments)
    stack.put_items([catalog_item(data.artists[a]) for a in part.catalog])
    now_ms = int(time.time() * 1000)
    by_user: dict[int, list[dict[str, Any]]] = {}
    for play in part.train:
        by_user.setdefault(play.user_id, []).extend(play_events(play, now_ms))
    accepted, duplicates = stack.post_events(pack_groups(by_user.values(), 500))
    delivered = stack.drain()
    ingest_s = time.perf_counter() - started
    summary = stack.train()
    train_s = time.perf_counter() - started - ingest_s
    log(
        f"  served: {accepted:,} events accepted ({duplicates} duplicates), {delivered:,} profile-update "
        f"messages in {ingest_s:.1f}s; model {summary['version']} ({summary['items']:,} items, "
        f"{summary['interactions']:,} interactions) in {train_s:.1f}s"
    )
    return stack


def served_runs(
    data: lastfm.LastFm,
    part: Split,
    seed: int,
    ablations: dict[str, dict[str, float]],
    log: Callable[[str], None],
) -> list[Row]:
    stack = trained_stack(data, part, log)
    results = []
    base = RankingWeights()
    variants: dict[str, tuple[dict[str, float], RankingIndex | None]] = {
        "Mixtape (served)": ({}, None),
        **{name: (overrides, None) for name, overrides in ablations.items()},
        **{name: ({}, index) for name, index in (INDEX_VARIANTS if ablations else {}).items()},
    }
    exact: dict[int, list[int]] = {}
    for name, (overrides, index) in variants.items():
        stack.use_ranking(base.model_copy(update=overrides), index)
        t0 = time.perf_counter()
        ranked = {}
        for user in part.users:
            answer = stack.recommend(lastfm.user_id_for(user), limit=20)
            ranked[user] = [lastfm.artist_for_item_id(i["item_id"]) or -1 for i in answer["items"]]
        seconds = time.perf_counter() - t0
        exact = exact or ranked  # the first variant is the exact ranker with the default weights
        agreement = metrics.overlap_at_10(ranked, exact) if index is not None else None
        scores = metrics.score(ranked, part.test, len(part.catalog))
        results.append(Row(name, seed, scores, seconds, agreement))
        log(f"  {name}: {len(part.users):,} requests in {seconds:.1f}s")
    return results


def baseline_runs(part: Split, seed: int, log: Callable[[str], None]) -> list[Row]:
    matrix = baselines.training_matrix(part)
    scorers: dict[str, Callable[[baselines.Matrix], baselines.Matrix]] = {
        "most popular": baselines.most_popular,
        "item-kNN (cosine)": baselines.item_knn,
        "ALS (own, 64 factors)": lambda x: baselines.als(x, TrainingParams()),
        "EASE (lambda 100)": baselines.ease,
    }
    results = []
    for name, scorer in scorers.items():
        t0 = time.perf_counter()
        ranked = baselines.top_k(matrix, scorer(matrix.binary), part)
        seconds = time.perf_counter() - t0
        results.append(Row(name, seed, metrics.score(ranked, part.test, len(part.catalog)), seconds))
        log(f"  {name}: {seconds:.1f}s")
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
ABLATIONS: dict[str, dict[str, float]] = {
    "served, ALS fold-in only": {"neighbors": 0.0, "debias": 0.0, "genre": 0.0},
    "served, EASE rows only": {"factors": 0.0, "debias": 0.0, "genre": 0.0},
    "served, no popularity debias": {"debias": 0.0},
    "served, no genre affinity": {"genre": 0.0},
    # Exploration (README, "Context, exploration and experiments"): the deployment default RANKING__EXPLORE
    # swept; the first row (explore 0) is the served default.
    **{f"served, explore {share}": {"explore": share} for share in (0.1, 0.2, 0.4)},
}


def run(seeds: Sequence[int], data_dir: str | None, limit_users: int | None, ablate: bool) -> list[Row]:
    log = print
    data = lastfm.load(data_dir)
    plays = data.plays
    if limit_users is not None:
        keep = set(sorted({p.user_id for p in plays})[:limit_users])
        plays = tuple(p for p in plays if p.user_id in keep)
    rows: list[Row] = []
    for seed in seeds:
        part = split(plays, seed)
        log(
            f"seed {seed}: {len(part.train):,} training plays, {len(part.test):,} evaluated listeners, "
            f"{len(part.catalog):,} artists in the training catalog"
        )
        rows.extend(served_runs(data, part, seed, ABLATIONS if ablate else {}, log))
        rows.extend(baseline_runs(part, seed, log))
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
    parser.add_argument("--out", type=Path, default=REPORTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = run([int(s) for s in args.seeds.split(",")], args.data, args.limit_users, not args.no_ablations)
    table = write_reports(rows, args.out, time.perf_counter() - started, vars(args))
    print(table)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
