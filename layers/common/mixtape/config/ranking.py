"""Ranking settings: the ranker's term weights, how it finds its candidates, and how trending weighs items."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mixtape.models.context import Share


class RankingWeights(BaseModel):
    """Term weights of the ranker, chosen with `make eval` (README, "Model quality")."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    neighbors: float = 1.0  # learned model: EASE item->item rows of the listener's history
    # learned model: the EASE remainder (mixtape.learning.remainder), on the rows' scale (0: rows only)
    remainder: float = Field(default=1.0, ge=0)
    # learned model: ALS fold-in, divided by |v|·max|f| (mixtape.ranking.terms), so the term lies
    # within [-1, 1] whatever the listener's vector length.
    factors: float = 1.7
    debias: float = 0.2  # learned model: minus log(listeners), lifts the long tail
    # learned model: minus log(exposure) (mixtape.learning.exposure: how many training listeners the model
    # alone would show the item), pushes down what crowds most lists; a model without exposure counts gets
    # this weight on the popularity debias instead.
    debias_exposure: float = Field(default=0.25, ge=0)
    taste: float = 1.0
    artist: float = 0.6
    genre: float = 0.35
    popularity: float = 0.25  # cold start, and the prior while no model is live
    max_per_artist: int = Field(default=2, ge=1)
    # Fatigue (mixtape.ranking.fatigue): an item shown about `fatigue_impressions` times (decayed count)
    # without a play loses up to `fatigue` from its score, and recovers as the count decays.
    fatigue: float = Field(default=1.0, ge=0)
    fatigue_impressions: float = Field(default=3.0, ge=1)
    # Sequencing: no artist twice within this many places of a list (1: no two adjacent; 0: off).
    artist_spacing: int = Field(default=1, ge=0)
    # EASE rows read per request: the listener's strongest liked items. Bounds a request's work whatever
    # the profile holds (profiles keep max_items = 300 weighted items by default, so none is cut then).
    max_neighbor_rows: int = Field(default=300, ge=0)
    # Context (README, "Context, exploration and experiments"): the genres the listener plays at the
    # request's time of day (only with a `local_time`), and the share of the list given to exploration.
    daypart: float = 0.5
    explore: Share = 0.0


class RankingIndex(BaseModel):
    """How the ranker finds the best items of its dense (learned model) term. `exact` scores every item
    (memory-bandwidth bound, so its cost grows with items x factors); `ivf` probes the `n_probe` best of
    ~√n k-means lists of the factors (mixtape.search.ivf.IvfIndex, indexed once per model and catalog in
    the container) and merges the sparse terms (EASE neighbours, liked artists) exactly. IVF applies only
    from `ivf_min_items` catalog items: below that the exact scan is cheap enough. The lists are the
    trainer's (`ModelArtifact.ivf_lists`, ~√ model items) unless `n_lists` asks for others, which each
    container then clusters itself, on its own CPU. RANKING_INDEX__KIND=ivf switches it on."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: Literal["exact", "ivf"] = "exact"
    ivf_min_items: int = Field(default=250_000, ge=1)
    n_lists: int | None = Field(default=None, ge=1, description="None: the model's lists (√ items)")
    n_probe: int = Field(default=8, ge=1)
    rescore: int = Field(default=1_024, ge=0, description="EASE-boosted items outside the probed lists")
    # The genre term is dense and unrelated to the factor lists: liked-genre items of lists not probed are
    # candidates too, from the (genre, list) cells routing ranks best (IvfIndex.cells, read wider than the
    # items kept by the ranker's CELL_OVERSCAN): probing more lists does not make up for them. `n_probe`
    # and `genre_items` trade recall against work (README, "Performance and cost").
    genre_items: int = Field(default=6_000, ge=0, description="liked-genre items outside the probed lists")
    genre_columns: int = Field(default=64, ge=0, description="the most frequent genres indexed for that")


class TrendingSettings(BaseModel):
    """How `GET /v1/trending` weighs what it counts (mixtape.catalog.trending)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    # velocity = (listeners - previous) / (previous + smoothing): a few listeners more on an item nobody
    # played before is not yet a rise.
    smoothing: float = Field(default=5.0, gt=0)
    rising_velocity: float = Field(default=0.5, ge=0, description="velocity from which an item is rising")
    max_items: int = Field(default=1_000, ge=1, description="items held per window, best first")
