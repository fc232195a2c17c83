"""Item -> item neighbours that scale with the catalog: cosine of binary co-occurrence, top N per item.

EASE (the numpy trainer's neighbours) inverts an items x items matrix: cubic, so it stays the small-catalog
path. Here a self-join on the listener counts, for each pair of items, the listeners who have both;
the weight is count / sqrt(listeners_a * listeners_b) (item-kNN cosine). Each listener contributes only
their `max_items_per_user` strongest items, so the pairs are at most users x that squared, whatever the
catalog; items with fewer than `min_item_users` listeners get no row, as in EASE.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F  # noqa: N812  # pyspark's documented alias

from mixtape.models.artifact import CsrRows


def cooccurrence_neighbours(
    rated: DataFrame, n_items: int, *, neighbours: int, min_item_users: int, max_items_per_user: int
) -> CsrRows:
    """CSR rows (indptr, column indices, weights) over item indexes 0..n_items-1 from `rated` (columns
    `user`, `item`, `weight`); each row's entries by descending weight."""
    if neighbours == 0:
        return np.zeros(n_items + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32)
    strongest = Window.partitionBy("user").orderBy(F.desc("weight"), F.asc("item"))
    kept = (
        rated.select("user", "item", "weight")
        .withColumn("rank", F.row_number().over(strongest))
        .where(F.col("rank") <= max_items_per_user)
        .select("user", "item")
    )
    counts = kept.groupBy("item").agg(F.count("*").alias("n")).where(F.col("n") >= min_item_users)
    eligible = kept.join(counts, "item").cache()
    left = eligible.select("user", F.col("item").alias("a"), F.col("n").alias("n_a"))
    right = eligible.select("user", F.col("item").alias("b"), F.col("n").alias("n_b"))
    pairs = (
        left.join(right, "user")
        .where(F.col("a") != F.col("b"))
        .groupBy("a", "b", "n_a", "n_b")
        .agg(F.count("*").alias("both"))
        .withColumn("w", F.col("both") / F.sqrt(F.col("n_a").cast("double") * F.col("n_b")))
    )
    best = Window.partitionBy("a").orderBy(F.desc("w"), F.asc("b"))
    top = pairs.withColumn("rank", F.row_number().over(best)).where(F.col("rank") <= neighbours)
    rows = top.select("a", "b", "w", "rank").collect()
    eligible.unpersist()
    return _csr(rows, n_items)


def _csr(rows: Sequence[Sequence[Any]], n_items: int) -> CsrRows:
    """Rows (a, b, weight, rank) as CSR, each row's entries by rank."""
    a = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    b = np.fromiter((r[1] for r in rows), np.int32, len(rows))
    w = np.fromiter((r[2] for r in rows), np.float32, len(rows))
    rank = np.fromiter((r[3] for r in rows), np.int64, len(rows))
    order = np.lexsort((rank, a))
    indptr = np.zeros(n_items + 1, np.int64)
    np.add.at(indptr, a + 1, 1)
    return np.cumsum(indptr), b[order], w[order]
