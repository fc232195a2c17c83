"""Real-time fold-in: a listener's ALS vector from their current interactions and fixed item factors.

The least-squares solution ALS itself would give that listener,
    (Y^T Y + sum_i (c_i - 1) y_i y_i^T + lambda I) u = sum_i c_i y_i,
one d-by-d solve, so a single new play moves the vector without retraining.
"""

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from mixtape.models.artifact import ModelArtifact, confidence


def positive_positions(model: ModelArtifact, weights: Mapping[str, float]) -> tuple[list[int], list[float]]:
    """Model rows and weights of the items the listener likes that the model knows."""
    rows: list[int] = []
    values: list[float] = []
    for item_id, weight in weights.items():
        # A non-finite weight (never stored since the fold guards it) would make the vector NaN: skipped.
        if weight > 0 and math.isfinite(weight) and (row := model.position.get(item_id)) is not None:
            rows.append(row)
            values.append(weight)
    return rows, values


def fold_in(model: ModelArtifact, weights: Mapping[str, float]) -> npt.NDArray[np.float32] | None:
    """The listener's factor vector, or None when none of their liked items is in the model."""
    rows, values = positive_positions(model, weights)
    if not rows:
        return None
    liked = model.factors[rows].astype(np.float64)
    conf = confidence(np.asarray(values, dtype=np.float64), model.alpha, model.epsilon)
    system = model.gram + (liked.T * (conf - 1.0)) @ liked
    system[np.diag_indices_from(system)] += model.regularization
    vector = np.linalg.solve(system, liked.T @ conf).astype(np.float32)
    # Non-finite model factors (a corrupt artifact) must not reach a stored profile: no vector instead.
    return vector if np.isfinite(vector).all() else None
