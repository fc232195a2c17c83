"""Random catalogs, models and listeners for the ranking tests, and a one-call ranking request.

Catalogs have genres with repeats, explicit items, embeddings on some items and artists with several
items; models have items the catalog lacks and EASE rows with repeated columns; listeners have liked,
disliked and unknown items, artists turned against, genres, a taste vector, and half the time a stale
model version that forces a fresh fold-in.
"""

import numpy as np

from mixtape.catalog.index import CatalogIndex
from mixtape.config import RankingIndex, RankingWeights
from mixtape.learning.aligned import AlignedModel
from mixtape.models.artifact import ModelArtifact
from mixtape.models.catalog import CatalogRecord
from mixtape.models.profile import Profile, RecentItem
from mixtape.ranking import RankingRequest, RankingSettings, Recommendations, recommend

GENRES = ["rock", "jazz", "pop", "folk", "metal", "soul"]
DIM = 4


def random_catalog(rng: np.random.Generator, n: int) -> list[CatalogRecord]:
    artists = rng.integers(0, max(2, n // 6), n)
    records = []
    for i in range(n):
        genres = tuple(GENRES[g] for g in rng.integers(0, len(GENRES), rng.integers(0, 4)))
        embedding = rng.normal(size=DIM).astype(np.float32) if rng.random() < 0.5 else None
        if embedding is not None:
            embedding /= np.linalg.norm(embedding)
        records.append(
            CatalogRecord(
                f"i{i}", f"T{i}", f"a{artists[i]}", f"A{artists[i]}", genres, bool(rng.random() < 0.1),
                None, None, embedding, {},
            )
        )  # fmt: skip
    return records


def random_model(rng: np.random.Generator, n: int, version: str = "m1") -> ModelArtifact:
    ids = [f"i{i}" for i in rng.permutation(n + 20)]  # some items the catalog lacks
    rows = len(ids)
    factors = rng.normal(size=(rows, 8)).astype(np.float32)
    lengths = rng.integers(0, 12, rows)
    lengths[rng.random(rows) < 0.3] = 0
    entries = int(lengths.sum())
    return model_of(
        ids,
        factors,
        lengths,
        rng.integers(0, rows, entries).astype(np.int32),
        rng.normal(0, 0.1, entries).astype(np.float32),
        rng.integers(0, 50, rows).astype(np.float32),
        version,
    )


def model_of(
    ids: list[str],
    factors: np.ndarray,
    lengths: np.ndarray,
    neighbors: np.ndarray,
    weights: np.ndarray,
    listeners: np.ndarray,
    version: str = "m1",
) -> ModelArtifact:
    """An artifact with these factors and EASE rows (`lengths` entries per item, in item order)."""
    return ModelArtifact(
        version=version,
        trained_at_ms=0,
        item_ids=ids,
        factors=factors,
        gram=(factors.T @ factors).astype(np.float64),
        regularization=1.0,
        alpha=5.0,
        epsilon=0.0,
        neighbor_indptr=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
        neighbor_indices=neighbors,
        neighbor_weights=weights,
        listeners=listeners,
        users=10,
        interactions=100,
    )


def random_listener(rng: np.random.Generator, n: int, model: ModelArtifact | None) -> Profile:
    items = {f"i{i}": float(rng.choice([-2.0, 1.0, 2.0, 3.0, 0.5])) for i in rng.choice(n + 30, n // 4)}
    profile = Profile(
        user_id="u",
        items=items,
        artists={f"a{a}": float(rng.normal(1.0, 1.5)) for a in rng.choice(max(2, n // 6), 8)},
        genres={g: float(rng.normal(1.0, 1.0)) for g in rng.choice(GENRES, 3, replace=False)},
        recent=[RecentItem(item_id=f"i{i}", ts=1) for i in rng.choice(n, 3)],
        disliked={f"i{i}": 1 for i in rng.choice(n, 3)},
        taste_sum=rng.normal(size=DIM),
        taste_weight=1.0,
    )
    if model is not None and rng.random() < 0.5:  # folded into this model already; else folded on read
        profile.user_vector = rng.normal(size=model.dim).astype(np.float32)
        profile.model_version = model.version
    return profile


def rank(
    profile: Profile,
    index: CatalogIndex,
    model: AlignedModel | None,
    weights: RankingWeights | None = None,
    *,
    limit: int,
    exclude_explicit: bool = False,
    genre: str | None = None,
    config: RankingIndex | None = None,
) -> Recommendations:
    """`recommend` with these weights and index config (defaults: the settings' defaults, exact)."""
    settings = RankingSettings(weights=weights or RankingWeights(), index=config or RankingIndex())
    return recommend(profile, index, model, RankingRequest(limit, exclude_explicit, genre, settings))
