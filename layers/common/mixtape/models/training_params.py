"""Training hyper-parameters: apart from mixtape.learning.training, so that the settings of every function
(mixtape.config) do not import the training code."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TrainingParams(BaseModel):
    """Hyper-parameters, chosen with `make eval` on Last.fm (see README, "Model quality")."""

    # defer_build: validators are built at first use, not at import; each function builds only the models
    # it uses (mixtape.models says why).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    factors: int = Field(default=64, ge=2, le=512)
    iterations: int = Field(default=12, ge=1, le=100)
    # ALS's ridge: `regularization` for every row, or times the row's number of interactions (weighted-λ,
    # as Spark's ALS; chosen on the tuning seeds: heavy listeners and hit items are held back by their
    # evidence). Fold-in solves one listener at serve time with its own ridge (None: `regularization`).
    regularization: float = Field(default=0.2, gt=0)
    regularization_scaling: Literal["constant", "per_interaction"] = "per_interaction"
    foldin_regularization: float | None = Field(default=1.0, gt=0)
    alpha: float = Field(default=5.0, gt=0, description="confidence = 1 + alpha * log1p(weight / epsilon)")
    epsilon: float = Field(default=0.0, ge=0, description="0 = binary confidence 1 + alpha")
    cg_steps: int = Field(default=3, ge=1, le=20)
    ease_lambda: float = Field(default=100.0, gt=0)
    neighbors: int = Field(default=200, ge=0, le=5000, description="EASE weights kept per item (0 = none)")
    min_item_users: int = Field(default=2, ge=1, description="items with fewer listeners get no EASE row")
    max_ease_items: int = Field(default=15_000, ge=0, description="EASE is skipped above this (O(n^3))")
    # The rank of the EASE remainder (mixtape.learning.remainder): what each item's kept weights drop,
    # approximated so long histories are scored nearer the dense EASE (0: none).
    ease_remainder_rank: int = Field(default=128, ge=0, le=512)
    # EASE's input: 1 per listener-item pair, or the interaction weight damped (log1p), or BM25-weighted
    # (saturated by bm25_k1, length-normalised by bm25_b, times the item's idf).
    ease_weighting: Literal["binary", "log", "bm25"] = "binary"
    bm25_k1: float = Field(default=100.0, gt=0)
    bm25_b: float = Field(default=0.8, ge=0, le=1)
    # Exposure (mixtape.learning.exposure): each item's count of appearances in the model's top
    # `exposure_k` over up to `exposure_users` sampled listeners (0: none), lists debiased by
    # `exposure_debias` (the ranker's default debias), published for the ranker's exposure debias.
    exposure_users: int = Field(default=20_000, ge=0)
    exposure_k: int = Field(default=10, ge=1, le=1000)
    exposure_debias: float = Field(default=0.4, ge=0)
    seed: int = 0
