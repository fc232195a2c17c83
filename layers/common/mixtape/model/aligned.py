"""The model re-indexed by catalog position, built once per (catalog index, model version) pair so a
request never maps ids: factors as a dense (n, d) float32 matrix and EASE rows as catalog positions."""

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from mixtape.catalog_index import CatalogIndex, FloatArray
from mixtape.model.artifact import ModelArtifact
from mixtape.model.cache import ModelCache
from mixtape.model.foldin import fold_in, positive_positions
from mixtape.models.profile import Profile

Positions = npt.NDArray[np.int64]


@dataclass(frozen=True)
class AlignedModel:
    model: ModelArtifact
    index: CatalogIndex
    factors: FloatArray  # (n_catalog, d); zero rows for items the model has not seen
    known: npt.NDArray[np.bool_]  # (n_catalog,) the model has a factor row for the item
    neighbor_indptr: npt.NDArray[np.int64]  # CSR by model row, columns are catalog positions
    neighbor_columns: npt.NDArray[np.int32]
    neighbor_weights: FloatArray
    log_listeners: FloatArray  # (n_catalog,) log1p(listeners) / max, for popularity debiasing
    _debias: dict[float, FloatArray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def version(self) -> str:
        return self.model.version

    @classmethod
    def build(cls, model: ModelArtifact, index: CatalogIndex) -> "AlignedModel":
        n = len(index)
        catalog_of_row = np.array([index.position.get(i, -1) for i in model.item_ids], dtype=np.int64)
        present = catalog_of_row >= 0
        factors = np.zeros((n, model.dim), dtype=np.float32)
        factors[catalog_of_row[present]] = model.factors[present]
        known = np.zeros(n, dtype=np.bool_)
        known[catalog_of_row[present]] = True
        listeners = np.zeros(n, dtype=np.float32)
        listeners[catalog_of_row[present]] = np.log1p(model.listeners[present])
        top = float(listeners.max()) if n else 0.0
        # Re-point EASE columns at catalog positions, dropping items no longer in the catalog.
        columns = (
            catalog_of_row[model.neighbor_indices] if len(model.neighbor_indices) else np.zeros(0, np.int64)
        )
        keep = columns >= 0
        row_of_entry = np.repeat(np.arange(len(model.item_ids)), np.diff(model.neighbor_indptr))
        indptr = np.zeros(len(model.item_ids) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of_entry[keep], minlength=len(model.item_ids)), out=indptr[1:])
        return cls(
            model=model,
            index=index,
            factors=factors,
            known=known,
            neighbor_indptr=indptr,
            neighbor_columns=columns[keep].astype(np.int32),
            neighbor_weights=model.neighbor_weights[keep],
            log_listeners=listeners / top if top > 0 else listeners,
        )

    def user_vector(self, profile: Profile, half_life_ms: float) -> FloatArray | None:
        """The stored vector when it was folded into this model, else a fresh fold-in (lazy refresh)."""
        if profile.model_version == self.model.version:
            return profile.user_vector
        return fold_in(self.model, profile.weights_as_of_latest(half_life_ms))

    def neighbor_contributions(
        self, weights: Mapping[str, float]
    ) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """Sum over liked items of their EASE rows (binary history, as EASE was trained): the catalog
        positions touched and their sums. Sparse: a listener's ~300 rows, not the catalog."""
        rows, _ = positive_positions(self.model, weights)
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        starts = self.neighbor_indptr[rows]
        lengths = self.neighbor_indptr[np.asarray(rows) + 1] - starts
        # Indexes of every entry of the selected CSR rows, without a Python loop over entries.
        offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        entries = offsets + np.arange(int(lengths.sum()))
        positions, inverse = np.unique(self.neighbor_columns[entries], return_inverse=True)
        sums = np.bincount(inverse, weights=self.neighbor_weights[entries], minlength=len(positions))
        return positions.astype(np.int64), sums.astype(np.float32)

    def debias(self, weight: float) -> FloatArray:
        """weight * log1p(listeners) / max, computed once per weight (a setting, so once per container)."""
        cached = self._debias.get(weight)
        if cached is None:
            cached = self._debias[weight] = (weight * self.log_listeners).astype(np.float32)
        return cached


class AlignedModelCache:
    """Keeps one aligned model per container in step with both the catalog index and the live model."""

    def __init__(self, models: ModelCache | None) -> None:
        self._models = models
        self._aligned: AlignedModel | None = None

    @property
    def loaded(self) -> AlignedModel | None:
        return self._aligned

    def get(self, index: CatalogIndex) -> AlignedModel | None:
        model = self._models.get() if self._models is not None else None
        if model is None:
            return None
        current = self._aligned
        if current is None or current.model is not model or current.index is not index:
            current = self._aligned = AlignedModel.build(model, index)
        return current
