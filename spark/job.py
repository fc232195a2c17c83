"""The Spark training job: a DynamoDB export of the applied-events log in, the model artifact out.

Same input, matrix and output as the numpy trainer: each export file's events are folded by the history
fold (mixtape.learning.history) into sums per (listener, item) before the shuffle, merged per listener,
erased listeners dropped (spark.erasure); implicit ALS on the layer's confidence learns the factors; the
numpy trainer's EASE and exposure give the item rows and counts (spark.ease; co-occurrence cosine past
its bound, spark.neighbours); the artifact is published through the model store, pointer last.

    spark-submit --py-files mixtape.zip,spark.zip spark/main.py --export s3://<bucket>/exports/...
"""

import argparse
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from pyspark import RDD
from pyspark.ml.recommendation import ALS
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F  # noqa: N812  # pyspark's documented alias
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

from mixtape.config import EventFoldSettings, TrainSettings
from mixtape.learning import history
from mixtape.models.artifact import ModelArtifact, confidence
from mixtape.models.training_params import TrainingParams
from mixtape.search.ivf import partition
from mixtape.storage.dynamo.events import DynamoEventStore
from mixtape.storage.s3.models import S3ModelStore
from spark.ease import ease_rows, fits_driver
from spark.erasure import LiveLog, learned
from spark.export import data_path, folded, items_of, merged
from spark.neighbours import cooccurrence_neighbours

RATED = StructType(
    [
        StructField("user_id", StringType(), False),
        StructField("item_id", StringType(), False),
        StructField("weight", DoubleType(), False),
        StructField("rating", DoubleType(), False),
    ]
)


CONSTANT_MATCH = 0.05  # Spark's regParam serving like the numpy solver's constant ridge of 1.0


@dataclass(frozen=True)
class SparkOptions:
    """What only the Spark job has. Spark's ALS multiplies its regularisation by each row's number of
    ratings (weighted-λ): with `TrainingParams.regularization_scaling` "per_interaction" the numpy solver
    does the same and `reg_param` None takes its `regularization`; with "constant", Spark cannot, and
    CONSTANT_MATCH (chosen with `make eval-trainers`) is the value whose served quality matches."""

    reg_param: float | None = None
    max_items_per_user: int = 500  # a listener's strongest items that count for co-occurrence (cosine)
    blocks: int = 10  # ALS user and item blocks (Spark's default): about the executors' cores
    version_suffix: str = "-spark"


def reg_param(options: SparkOptions, params: TrainingParams) -> float:
    """The regParam Spark's ALS trains with (see SparkOptions)."""
    if options.reg_param is not None:
        return options.reg_param
    return params.regularization if params.regularization_scaling == "per_interaction" else CONSTANT_MATCH


def rated_rows(
    rows: Iterable[tuple[str, str, float]], alpha: float, epsilon: float
) -> Iterator[tuple[str, str, float, float]]:
    """(user_id, item_id, weight, rating) of (listener, item, weight > 0) rows. Spark's implicit ALS gives
    a rating r the confidence 1 + alpha * r: r = (confidence - 1) / alpha reproduces the layer's."""
    batch = list(rows)
    if not batch:
        return
    weights = np.fromiter((w for _, _, w in batch), np.float64, len(batch))
    ratings = (confidence(weights, alpha, epsilon) - 1.0) / alpha
    for (user_id, item_id, weight), rating in zip(batch, ratings.tolist(), strict=True):
        yield user_id, item_id, weight, rating


def _listener_partition(user_id: str) -> int:
    """A stable hash of the listener (Python's own string hash differs between worker processes)."""
    return zlib.crc32(user_id.encode())


def _indexed(frame: DataFrame, column: str, name: str) -> DataFrame:
    """Distinct values of `column` numbered 0..n-1 (ALS takes integer ids)."""
    values = frame.select(column).distinct().rdd.map(lambda row: row[0]).zipWithIndex()
    return values.toDF([column, name]).withColumn(name, F.col(name).cast("int"))


def read_rows(
    spark: SparkSession, export: str, fold: EventFoldSettings, now_ms: int, live: LiveLog | None
) -> RDD[history.Interaction]:
    """The (listener, item, weight > 0) rows of the export: each file's partition summed per (listener,
    item) before the shuffle (spark.export.folded), merged per listener, erased listeners dropped."""
    now_s = now_ms // 1000
    lines = spark.sparkContext.textFile(data_path(export))
    partial = lines.mapPartitions(lambda part: folded(items_of(part), fold, now_ms))
    by_listener = partial.reduceByKey(merged, lines.getNumPartitions(), _listener_partition)
    return by_listener.mapPartitions(lambda part: learned(part, live, now_s))


def train_from_export(
    spark: SparkSession,
    export: str,
    params: TrainingParams,
    *,
    now_ms: int,
    fold: EventFoldSettings,
    min_interactions: int,
    options: SparkOptions | None = None,
    timings: dict[str, float] | None = None,
    live: LiveLog | None = None,
) -> ModelArtifact | None:
    """The model learned from the export at `export` (its directory or manifest-summary.json), None when it
    holds fewer than `min_interactions` positive interactions. `live` is the live applied-events log,
    asked which listeners were erased since the export (spark.erasure; None: the export is the live log).
    `timings` (optional) receives the wall seconds of each phase: read, als, neighbours, artifact."""
    options = options or SparkOptions()
    timings = timings if timings is not None else {}
    clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[phase] = now - clock
        clock = now

    alpha, epsilon = params.alpha, params.epsilon
    rows = read_rows(spark, export, fold, now_ms, live)
    triples = spark.createDataFrame(
        rows.mapPartitions(lambda part: rated_rows(part, alpha, epsilon)), RATED
    ).cache()
    count = triples.count()
    lap("read")
    if count < min_interactions:
        triples.unpersist()
        return None
    users = _indexed(triples, "user_id", "user")
    items = _indexed(triples, "item_id", "item").cache()
    rated = triples.join(users, "user_id").join(items, "item_id").select("user", "item", "weight", "rating")
    rated = rated.cache()
    als = ALS(
        rank=params.factors,
        maxIter=params.iterations,
        regParam=reg_param(options, params),
        alpha=alpha,
        implicitPrefs=True,
        userCol="user",
        itemCol="item",
        ratingCol="rating",
        seed=params.seed,
        numUserBlocks=options.blocks,
        numItemBlocks=options.blocks,
    )
    model = als.fit(rated)
    item_rows = items.join(model.itemFactors, items["item"] == model.itemFactors["id"]).select(
        "item", "item_id", "features"
    )
    collected = sorted(item_rows.collect(), key=lambda row: row["item"])
    factors = np.asarray([row["features"] for row in collected], dtype=np.float32).reshape(-1, params.factors)
    item_ids = [row["item_id"] for row in collected]
    lap("als")
    listeners: dict[int, int] = {row[0]: row[1] for row in rated.groupBy("item").count().collect()}
    n_users = users.count()
    kept = sum(n >= params.min_item_users for n in listeners.values())
    shown = remainder = None  # exposure counts and EASE remainder: only where the rows are on the driver
    if fits_driver(n_users, kept, params):  # EASE and exposure as the numpy trainer computes them
        triples_rows = triples.select("user_id", "item_id", "weight").collect()
        vectors = users.join(model.userFactors, users["user"] == model.userFactors["id"])
        user_vectors = {row["user_id"]: row["features"] for row in vectors.collect()}
        (indptr, indices, values), shown, remainder = ease_rows(
            (tuple(row) for row in triples_rows), item_ids, params, (user_vectors, factors)
        )
    else:
        indptr, indices, values = cooccurrence_neighbours(
            rated,
            len(item_ids),
            neighbours=params.neighbors,
            min_item_users=params.min_item_users,
            max_items_per_user=options.max_items_per_user,
        )
    lap("neighbours")
    rated.unpersist()
    items.unpersist()
    triples.unpersist()
    wide = factors.astype(np.float64)
    artifact = ModelArtifact(
        version=f"v{now_ms}{options.version_suffix}",
        trained_at_ms=now_ms,
        item_ids=item_ids,
        factors=factors,
        gram=wide.T @ wide,
        regularization=params.foldin_regularization or params.regularization,  # fold-in's own ridge
        alpha=alpha,
        epsilon=epsilon,
        neighbor_indptr=indptr,
        neighbor_indices=indices,
        neighbor_weights=values,
        listeners=np.asarray([listeners[row["item"]] for row in collected], dtype=np.float32),
        users=n_users,
        interactions=count,
        ivf_lists=partition(factors),
        exposure=shown,
        remainder=remainder,
    )
    lap("artifact")
    return artifact


def session(master: str | None = None, shuffle_partitions: int | None = None) -> SparkSession:
    """The job's session: spark-submit's master and settings, or `master` (e.g. `local[2]`) when given."""
    builder = SparkSession.builder.appName("mixtape-train")
    if master is not None:
        builder = (
            builder.master(master)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
        )
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions)).config(
            "spark.default.parallelism", str(shuffle_partitions)
        )
    spark = builder.getOrCreate()
    if master is not None:
        spark.sparkContext.setLogLevel("ERROR")
    return spark


def main(argv: list[str] | None = None) -> None:
    """spark-submit entry point: settings from the environment as the trainer function reads them
    (EVENTS_TABLE, MODELS_BUCKET, HALF_LIFE_DAYS, TRAINING__*, MIN_INTERACTIONS), the export from the
    arguments."""
    parser = argparse.ArgumentParser(prog="spark/main.py", description=__doc__.splitlines()[0])
    parser.add_argument("--export", required=True, help="the export's directory or manifest-summary.json")
    parser.add_argument("--now-ms", type=int, default=None, help="decay weights to this time (default now)")
    parser.add_argument("--master", default=None, help="e.g. local[2]; default: spark-submit's")
    parser.add_argument("--reg-param", type=float, default=None, help="default: see SparkOptions")
    args = parser.parse_args(argv)
    settings = TrainSettings.from_environ()
    now_ms = args.now_ms if args.now_ms is not None else int(time.time() * 1000)
    spark = session(args.master)
    artifact = train_from_export(
        spark,
        args.export,
        settings.training,
        now_ms=now_ms,
        fold=settings,
        min_interactions=settings.min_interactions,
        options=SparkOptions(reg_param=args.reg_param),
        live=DynamoEventStore(settings.events_table),  # its client is built on each executor
    )
    if artifact is None:
        print(f"training skipped: fewer than {settings.min_interactions} interactions")
        return
    key = S3ModelStore(settings.models_bucket).publish(artifact)
    print(f"published s3://{settings.models_bucket}/{key}: {artifact.summary()}")
