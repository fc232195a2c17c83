"""The Spark trainer on the served path. In `make eval`: after the numpy trainer's model was measured, the
same stack's applied-events log is exported in DynamoDB's format, the Spark job (local[2]) trains on it,
its artifact is published to the same model store, and the same requests are served from it.

`make eval-trainers` (python -m evaluation.spark_trainer) does only that, on each seed, and also compares
what the two trainers produced (input rows, listener counts, EASE rows, factors) into
reports/eval-trainers.md.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from evaluation.served import ServedStack
from local.export import write_export
from mixtape import clock
from mixtape.config import TrainSettings
from mixtape.learning import history
from mixtape.models.artifact import ModelArtifact
from mixtape.storage.dynamo.events import event_to_item

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/mixtape-eval-EventsTable"
REPORT = Path(__file__).resolve().parent.parent / "reports" / "eval-trainers.md"


def train_with_spark(
    stack: ServedStack,
    spark: "SparkSession",
    reg_param: float | None = None,
    now_ms: int | None = None,
    rows_out: list[history.Interaction] | None = None,
) -> dict[str, Any]:
    """Export the stack's events log, train with Spark, publish to the stack's model store; the summary
    (with the artifact under "artifact"). `rows_out` receives the job's input rows when given."""
    from spark.erasure import LogKeys  # noqa: PLC0415  # pyspark only when asked for
    from spark.job import SparkOptions, read_rows, train_from_export  # noqa: PLC0415

    settings = TrainSettings(events_table="-", models_bucket="-")  # the trainer function's defaults
    options = SparkOptions(blocks=2) if reg_param is None else SparkOptions(blocks=2, reg_param=reg_param)
    logged = list(stack.events.logged_events())
    items = [event_to_item(entry.event, entry.expires_at_s) for entry in logged]
    live = LogKeys(frozenset((entry.event.user_id, entry.event.event_id) for entry in logged))
    now_ms = clock.now_ms() if now_ms is None else now_ms
    with tempfile.TemporaryDirectory() as out:
        export = write_export(items, Path(out), TABLE_ARN)
        if rows_out is not None:
            rows_out.extend(read_rows(spark, str(export), settings, now_ms, live).collect())
        started = time.perf_counter()
        timings: dict[str, float] = {}
        artifact = train_from_export(
            spark,
            str(export),
            settings.training,
            now_ms=now_ms,
            fold=settings,
            min_interactions=settings.min_interactions,
            options=options,
            timings=timings,
            live=live,
        )
        seconds = time.perf_counter() - started
    if artifact is None:
        raise RuntimeError("the Spark job found too few interactions")
    stack.publish(artifact)
    return {**artifact.summary(), "seconds": seconds, "phases": timings, "artifact": artifact}


def _rows(model: ModelArtifact) -> dict[str, dict[str, float]]:
    ids, indptr = model.item_ids, model.neighbor_indptr
    return {
        item_id: dict(
            zip(
                (ids[c] for c in model.neighbor_indices[indptr[r] : indptr[r + 1]]),
                model.neighbor_weights[indptr[r] : indptr[r + 1]].tolist(),
                strict=True,
            )
        )
        for r, item_id in enumerate(ids)
    }


def compared(
    numpy_model: ModelArtifact,
    spark_model: ModelArtifact,
    numpy_rows: list[history.Interaction],
    spark_rows: list[history.Interaction],
) -> dict[str, Any]:
    """What differs between the two trainers' input and output, item by item."""
    a = {(u, i): w for u, i, w in numpy_rows}
    b = {(u, i): w for u, i, w in spark_rows}
    common = a.keys() & b.keys()
    rel = max((abs(a[k] - b[k]) / abs(a[k]) for k in common), default=0.0)
    pos = spark_model.position
    same_listeners = sorted(numpy_model.item_ids) == sorted(spark_model.item_ids) and all(
        numpy_model.listeners[n] == spark_model.listeners[pos[i]] for n, i in enumerate(numpy_model.item_ids)
    )
    ra, rb = _rows(numpy_model), _rows(spark_model)
    same_columns = sum(ra[i].keys() == rb.get(i, {}).keys() for i in ra) / max(len(ra), 1)
    weight_gap = max(
        (abs(w - rb[i][j]) for i in ra for j, w in ra[i].items() if j in rb.get(i, {})), default=0.0
    )
    fa = numpy_model.factors.astype(np.float64)
    fb = spark_model.factors[[pos[i] for i in numpy_model.item_ids]].astype(np.float64)
    return {
        "rows": (len(a), len(b)),
        "same_pairs": a.keys() == b.keys(),
        "max_rel": rel,
        "same_listeners": same_listeners,
        "ease_same_columns": same_columns,
        "ease_max_gap": weight_gap,
        "norms": (float(np.linalg.norm(fa, axis=1).mean()), float(np.linalg.norm(fb, axis=1).mean())),
    }


def main(argv: list[str] | None = None) -> None:
    from evaluation.protocol import plays_and_tags, split  # noqa: PLC0415  # the harness's own modules
    from evaluation.replay import trained_stack  # noqa: PLC0415
    from evaluation.report import scored  # noqa: PLC0415
    from evaluation.run import _serve  # noqa: PLC0415
    from evaluation.trainers import NUMPY, SPARK, side_by_side  # noqa: PLC0415
    from local import lastfm  # noqa: PLC0415
    from local.train_spark import local_spark  # noqa: PLC0415
    from mixtape.config import RankingWeights  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m evaluation.spark_trainer", description=__doc__)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--data", default=None, help=f"dataset directory (default {lastfm.DEFAULT_DATA_DIR})")
    parser.add_argument("--out", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    data = lastfm.load(args.data)
    plays, tagged = plays_and_tags(data)
    spark = local_spark()
    rows, details = [], []
    for seed in (int(s) for s in args.seeds.split(",")):
        part = split(plays, seed, tagged)
        stack = trained_stack(data, part, print)
        numpy_model = stack.models.load(str(stack.models.current_version()))
        settings = TrainSettings(events_table="-", models_bucket="-")
        numpy_rows = list(
            history.interactions(stack.events.logged_events(), settings, numpy_model.trained_at_ms)
        )
        for name in (NUMPY, SPARK):
            if name == SPARK:  # the same time as the numpy model's, so the weights are comparable
                spark_rows: list[history.Interaction] = []
                summary = train_with_spark(
                    stack, spark, now_ms=numpy_model.trained_at_ms, rows_out=spark_rows
                )
            stack.use_ranking(RankingWeights())
            ranked, seconds = _serve(stack, part)
            rows.append(scored(name, part, ranked, seconds, part.known()))
        diff = compared(numpy_model, summary["artifact"], numpy_rows, spark_rows)
        details.append((seed, rows[-2], rows[-1], summary, diff))
        print(f"seed {seed}: {rows[-2].scores} / {rows[-1].scores}; Spark {summary['seconds']:.1f}s; {diff}")
    spark.stop()
    args.out.write_text(_report(side_by_side(rows), details, time.perf_counter() - started))
    sys.stdout.flush()


def _report(
    table: list[str], details: list[tuple[int, Any, Any, dict[str, Any], dict[str, Any]]], elapsed: float
) -> str:
    lines = [
        "# The numpy and the Spark trainer side by side (served, Last.fm)",
        "",
        "`make eval-trainers` (`python -m evaluation.spark_trainer`): per seed the eval v2 protocol's"
        " split is replayed through the handlers, the numpy trainer's model is served, then the Spark job"
        " (`local[2]`) trains on an export of the same events log and its model is served"
        f" ({elapsed / 60:.1f} min in all).",
        *table,
        "",
        "## Heavy listeners (> 300 artists) and what the two trainers produced",
        "",
        "| seed | heavy HR@10 numpy / Spark | heavy NDCG@10 numpy / Spark | input rows (numpy = Spark) "
        "| max rel. weight diff | listeners per item equal | EASE rows with the same columns "
        "| max EASE weight diff | mean factor norm numpy / Spark "
        "| Spark job (read, ALS, neighbours, artifact) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for seed, a, b, summary, diff in details:
        phases = ", ".join(f"{v:.1f}" for v in summary["phases"].values())
        lines.append(
            f"| {seed} | {a.slices['heavy'].hr_at_10:.3f} / {b.slices['heavy'].hr_at_10:.3f} "
            f"| {a.slices['heavy'].ndcg_at_10:.3f} / {b.slices['heavy'].ndcg_at_10:.3f} "
            f"| {diff['rows'][0]:,} ({'same pairs' if diff['same_pairs'] else 'other pairs'}) "
            f"| {diff['max_rel']:.1e} | {'yes' if diff['same_listeners'] else 'no'} "
            f"| {diff['ease_same_columns']:.1%} | {diff['ease_max_gap']:.1e} "
            f"| {diff['norms'][0]:.3f} / {diff['norms'][1]:.3f} | {summary['seconds']:.1f} s ({phases}) |"
        )
    seconds = [d[3]["seconds"] for d in details]
    gap, seed, field = max(
        (abs(getattr(b.scores, f) - getattr(a.scores, f)), seed, f)
        for seed, a, b, _, _ in details
        for f in ("hr_at_10", "ndcg_at_10")
    )
    lines += [
        "",
        f"Largest |Δ| unrounded: {gap:.4f} ({field} on seed {seed}).",
        f"Spark job wall time: mean {statistics.mean(seconds):.1f} s over {len(seconds)} seeds.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
