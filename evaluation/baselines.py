"""Offline baselines on the same splits: most popular, item-kNN (cosine), ALS and EASE.

Each scores the dense listener x artist matrix of the training part directly (no service in the way),
excludes the listener's training artists and returns the top-k artist ids per evaluated listener.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evaluation.protocol import Split
from mixtape.learning.training import Interactions, train_als
from mixtape.models.training_params import TrainingParams

Matrix = npt.NDArray[np.float64]
Scorer = Callable[[Matrix], Matrix]  # binary training matrix -> scores for the evaluated rows


@dataclass(frozen=True)
class TrainingMatrix:
    users: list[int]  # row -> listener
    items: list[int]  # column -> artist
    binary: Matrix  # listeners x artists, 1 where played or liked (tagged)
    weight: Matrix  # play counts


def training_matrix(split: Split) -> TrainingMatrix:
    """The same training data the served replay gets: plays and likes (tags)."""
    users = sorted({p.user_id for p in split.train} | {t.user_id for t in split.likes})
    items = list(split.catalog)
    row = {u: i for i, u in enumerate(users)}
    col = {a: i for i, a in enumerate(items)}
    weight = np.zeros((len(users), len(items)))
    for play in split.train:
        weight[row[play.user_id], col[play.artist_id]] += play.weight
    binary = (weight > 0).astype(np.float64)
    for like in split.likes:
        binary[row[like.user_id], col[like.artist_id]] = 1.0
    return TrainingMatrix(users, items, binary, weight)


def most_popular(x: Matrix) -> Matrix:
    return np.broadcast_to(x.sum(axis=0), x.shape).copy()


def item_knn(x: Matrix) -> Matrix:
    """Cosine similarity of artist columns; a listener's score is the sum over their artists."""
    unit = x / np.maximum(np.linalg.norm(x, axis=0), 1e-12)
    return np.asarray(
        (x @ unit.T) @ unit, dtype=np.float64
    )  # = x @ (unitᵀ unit) without the artists x artists matrix


def ease(x: Matrix, lam: float = 100.0) -> Matrix:
    """EASE (Steck 2019), dual form: only listeners x listeners is inverted."""
    n_users = x.shape[0]
    inner = np.linalg.inv(lam * np.eye(n_users) + x @ x.T)
    kx = inner @ x
    xp = (x - (x @ x.T) @ kx) / lam  # x @ P with P = (x^T x + lam I)^-1
    diag = (1.0 - np.einsum("ui,ui->i", x, kx)) / lam
    return np.asarray(x - xp / diag, dtype=np.float64)


def als(x: Matrix, params: TrainingParams) -> Matrix:
    rows, cols = np.nonzero(x)
    data = Interactions(
        [str(i) for i in range(x.shape[0])], [str(i) for i in range(x.shape[1])], rows, cols, x[rows, cols]
    )
    users, items = train_als(data, params)
    return users @ items.T


def top_k(matrix: TrainingMatrix, scores: Matrix, split: Split, k: int = 20) -> dict[int, list[int]]:
    row = {u: i for i, u in enumerate(matrix.users)}
    ranked: dict[int, list[int]] = {}
    for user in split.users:
        i = row[user]
        s = np.where(matrix.binary[i] > 0, -np.inf, scores[i])
        best = np.argpartition(-s, k)[:k] if k < len(s) else np.arange(len(s))
        best = best[np.argsort(-s[best], kind="stable")]
        ranked[user] = [matrix.items[j] for j in best if np.isfinite(s[j])]
    return ranked


# The baselines `make eval` runs, by report name (the targets check the served path against each).
SCORERS: dict[str, Scorer] = {
    "most popular": most_popular,
    "item-kNN (cosine)": item_knn,
    "ALS (own, 64 factors)": lambda x: als(x, TrainingParams()),
    "EASE (lambda 100)": ease,
}
