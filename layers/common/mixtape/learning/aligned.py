"""The model re-indexed by catalog position, built once per (catalog index, model version) pair so a
request never maps ids: factors as a dense (n, d) float32 matrix and EASE rows as catalog positions."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from mixtape.catalog.index import CatalogIndex, FloatArray
from mixtape.config import RankingIndex
from mixtape.learning.cache import ModelCache
from mixtape.learning.foldin import fold_in
from mixtape.models.artifact import IvfPartition, ModelArtifact
from mixtape.models.profile import Profile
from mixtape.search.ivf import Facets, IvfIndex

Positions = npt.NDArray[np.int64]
COLUMN_BLOCK = 16  # model factor columns transposed at once while aligning


@dataclass(frozen=True)
class AlignedModel:
    model: ModelArtifact
    index: CatalogIndex
    # (n_catalog, d), column-major (the layout the scoring matmul reads); zero rows for unseen items
    factors: FloatArray
    known: npt.NDArray[np.bool_]  # (n_catalog,) the model has a factor row for the item
    row_of: npt.NDArray[np.int32]  # (n_catalog,) the item's model row (its EASE row), -1 when unseen
    # EASE rows as a padded table (one gather of whole rows per request, no per-entry index arithmetic):
    # model row r's entries are row neighbor_slot[r] of the two tables; columns are catalog positions,
    # padding points at the sink position n_catalog with weight 0 (score buffers have one spare slot).
    # Columns and weights interleaved (the weight's float32 bits as int32): one gather per request.
    neighbor_slot: npt.NDArray[np.int32]  # (n_model_rows,)
    neighbor_table: npt.NDArray[np.int32]  # (rows with entries + 1, widest row, 2); last row: padding
    log_listeners: FloatArray  # (n_catalog,) log1p(listeners) / max, for popularity debiasing
    factor_norm: float  # the largest factor row's norm: bounds a listener's factor scores (ranking)
    # (n_catalog,) log1p(exposure) / max (mixtape.learning.exposure), zeros when the model has none
    log_exposure: FloatArray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    # The EASE remainder (mixtape.learning.remainder): its left factors by model row, its right factors by
    # catalog position (zero rows for unseen items); None when the model has none.
    remainder_left: FloatArray | None = None
    remainder_right: FloatArray | None = None
    _debias: dict[tuple[float, float], FloatArray] = field(default_factory=dict, repr=False, compare=False)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _ivf: dict[tuple[int | None, int, int], IvfIndex] = field(default_factory=dict, repr=False, compare=False)

    @property
    def version(self) -> str:
        return self.model.version

    @classmethod
    def build(cls, model: ModelArtifact, index: CatalogIndex) -> "AlignedModel":
        """Vectorised throughout, int32 where it fits: ids are looked up in bulk (`IdLookup`), factors are
        written column by column, and the per-EASE-entry temporaries are int32 while the entries fit."""
        n = len(index)
        catalog_of_row = index.ids.find(model.item_ids).astype(np.int32)  # -1: gone from the catalog
        present_rows = np.flatnonzero(catalog_of_row >= 0)
        positions = catalog_of_row[present_rows]
        # Column by column into a (d, n) row-major buffer whose transpose is the (n, d) column-major
        # matrix the scoring matmul reads: d contiguous scatters instead of n rows written with stride n. The
        # model's rows are transposed COLUMN_BLOCK columns at a time, so no full transposed copy is held.
        by_column = np.zeros((model.dim, n), dtype=np.float32)
        for first in range(0, model.dim, COLUMN_BLOCK):
            block = np.ascontiguousarray(model.factors[:, first : first + COLUMN_BLOCK].T)
            for j, column in enumerate(block, start=first):
                by_column[j, positions] = column[present_rows]
        factors = by_column.T
        known = np.zeros(n, dtype=np.bool_)
        known[positions] = True
        row_of = np.full(n, -1, dtype=np.int32)
        row_of[positions] = present_rows
        listeners = np.zeros(n, dtype=np.float32)
        listeners[positions] = np.log1p(model.listeners[present_rows])
        top = float(listeners.max()) if n else 0.0
        shown = np.zeros(n, dtype=np.float32)
        if model.exposure is not None:
            shown[positions] = np.log1p(model.exposure[present_rows])
        shown_top = float(shown.max()) if n else 0.0
        # Re-point EASE columns at catalog positions, dropping items no longer in the catalog.
        entries = len(model.neighbor_indices)
        entry_type: npt.DTypeLike = np.int32 if entries < 2**31 else np.int64
        columns = catalog_of_row[model.neighbor_indices] if entries else np.zeros(0, np.int32)
        keep = columns >= 0
        rows = len(model.item_ids)
        row_of_entry = np.repeat(np.arange(rows, dtype=np.int32), np.diff(model.neighbor_indptr))[keep]
        lengths = np.bincount(row_of_entry, minlength=rows)
        filled = np.flatnonzero(lengths)
        slot = np.full(rows, len(filled), dtype=np.int32)
        slot[filled] = np.arange(len(filled), dtype=np.int32)
        width = max(1, int(lengths.max()) if len(lengths) else 1)
        table = np.zeros((len(filled) + 1, width, 2), dtype=np.int32)
        table[:, :, 0] = n  # padding: the sink position, weight 0
        starts = (np.cumsum(lengths) - lengths).astype(entry_type)  # entries stay grouped by row, in order
        rank = np.arange(len(row_of_entry), dtype=entry_type) - starts[row_of_entry]
        at = slot[row_of_entry]
        table[at, rank, 0] = columns[keep]
        table[at, rank, 1] = model.neighbor_weights[keep].astype(np.float32).view(np.int32)
        left = right = None
        if model.remainder is not None:
            left = model.remainder[0]
            right = np.zeros((n, left.shape[1]), dtype=np.float32)
            right[positions] = model.remainder[1][present_rows]
        return cls(
            model=model,
            index=index,
            factors=factors,
            known=known,
            row_of=row_of,
            neighbor_slot=slot,
            neighbor_table=table,
            log_listeners=listeners / top if top > 0 else listeners,
            log_exposure=shown / shown_top if shown_top > 0 else shown,
            factor_norm=float(np.sqrt(np.einsum("ij,ij->i", factors, factors).max())) if n else 0.0,
            remainder_left=left,
            remainder_right=right,
        )

    def user_vector(self, profile: Profile, half_life_ms: float) -> FloatArray | None:
        """The stored vector when it was folded into this model, else a fresh fold-in (lazy refresh)."""
        if profile.model_version == self.model.version:
            return profile.user_vector
        return fold_in(self.model, profile.weights_as_of_latest(half_life_ms))

    def liked_rows(self, positions: npt.NDArray[np.int64], missing_ids: Iterable[str] = ()) -> Positions:
        """Model rows of liked items given by catalog position, plus liked items the catalog no longer
        holds but the model still knows (`missing_ids`, looked up by id: rare)."""
        rows = self.row_of[positions]
        found = rows[rows >= 0].astype(np.int64)
        extra = [r for i in missing_ids if (r := self.model.position.get(i)) is not None]
        return np.concatenate((found, np.asarray(extra, dtype=np.int64))) if extra else found

    def neighbor_entries(self, rows: Positions) -> tuple[npt.NDArray[np.int32], FloatArray]:
        """Every entry of the given EASE rows, concatenated: (catalog positions, weights). A position
        appears once per row that holds it, and padding as the sink position n_catalog with weight 0;
        summing per position is left to the caller (a scatter-add into n_catalog + 1 slots)."""
        # np.take copies whole rows; indexing with [...] goes through fancy indexing's general path.
        entries = np.take(self.neighbor_table, self.neighbor_slot[rows], axis=0)
        return entries[:, :, 0].ravel(), entries[:, :, 1].ravel().view(np.float32)

    def ivf(self, config: RankingIndex | None) -> IvfIndex | None:
        """The IVF index over the factors when `config` asks for one and the catalog is large enough;
        built on first use (once per model and catalog in the container), None for the exact scan."""
        if config is None or config.kind != "ivf" or len(self.index) < config.ivf_min_items:
            return None
        key = (config.n_lists, config.n_probe, config.genre_columns)
        found = self._ivf.get(key)
        if found is None:
            found = self._ivf[key] = IvfIndex(
                self.factors,
                n_lists=config.n_lists,
                n_probe=config.n_probe,
                facets=self.genre_facets(config.genre_columns),
                lists=self.published_lists() if config.n_lists is None else None,
            )
        return found

    def published_lists(self) -> IvfPartition | None:
        """The trainer's IVF lists by catalog position (items the model has not seen: -1, assigned by the
        index), None when the artifact has none."""
        lists = self.model.ivf_lists
        if lists is None or not lists.n_lists:
            return None
        labels = np.full(len(self.index), -1, dtype=np.int32)
        labels[self.known] = lists.labels[self.row_of[self.known]]
        return IvfPartition(lists.centroids, labels)

    def genre_facets(self, limit: int) -> Facets | None:
        """The catalog's `limit` most frequent genres as IVF facets: each item has 1/(its genre count)
        per occurrence of a genre, the share of the ranker's genre term one affinity gets (_genre_table).
        Bounded: a catalog with thousands of genres keeps its common ones (rarer genres still score
        exactly, they only do not widen the candidates)."""
        members = self.index.genre_members
        names = sorted(members, key=lambda g: (-len(members[g]), g))[:limit]
        if not names:
            return None
        items = np.concatenate([members[g] for g in names]).astype(np.int64)
        columns = np.repeat(np.arange(len(names), dtype=np.int64), [len(members[g]) for g in names])
        values = (1.0 / self.index.genre_count[items]).astype(np.float32)
        return Facets(columns=columns, items=items, values=values, names=tuple(names))

    def rebased(self, index: CatalogIndex) -> "AlignedModel":
        """This model on `index`, which holds the same items at the same positions (`same_items`): the
        alignment, IVF indexes and derived tables are shared, not rebuilt."""
        if not index.same_items(self.index):
            raise ValueError("rebased onto an index with other items or positions")
        return replace(self, index=index)

    def derived[T](self, name: str, build: Callable[[], T], valid: Callable[[T], bool] = lambda _: True) -> T:
        """Data built from this model and its index's items (not their popularity), on first use and
        whenever `valid` rejects the one kept; shared with `rebased` copies."""
        found = self._derived.get(name)
        if found is None or not valid(found):
            found = self._derived[name] = build()
        return found

    def debias(self, weight: float, exposure: float = 0.0) -> FloatArray:
        """weight * log1p(listeners) / max + exposure * log1p(exposure) / max, computed once per pair of
        weights (settings, so once per container). A model without exposure counts (an older or Spark
        artifact) gets the exposure weight on popularity instead: the debias it was served with before."""
        cached = self._debias.get((weight, exposure))
        if cached is None:
            if self.model.exposure is None:
                value = (weight + exposure) * self.log_listeners
            else:
                value = weight * self.log_listeners + exposure * self.log_exposure
            cached = self._debias[weight, exposure] = value.astype(np.float32)
        return cached


class AlignedModelCache:
    """The aligned model for the live model and the catalog index a request ranks on. `prepare` builds the
    one for a new model or a new index ahead of use (called by the model and catalog caches' background
    refreshes, so no request pays for the alignment or for the IVF index `warm` selects). Until a request
    ranks on the prepared pair the previous one is kept too (requests still get it until the caches swap);
    then it is dropped, so memory holds two pairs only during a swap."""

    KEPT = 2

    def __init__(self, models: ModelCache | None, warm: RankingIndex | None = None) -> None:
        self._models = models
        self._warm = warm
        self._entries: list[AlignedModel] = []  # most recent first
        self._index: CatalogIndex | None = None  # the index of the latest request

    @property
    def loaded(self) -> AlignedModel | None:
        entries = self._entries
        return entries[0] if entries else None

    def get(self, index: CatalogIndex) -> AlignedModel | None:
        self._index = index
        model = self._models.get() if self._models is not None else None
        if model is None:
            return None
        entries = self._entries
        found = self._find(model, index)
        if found is None:
            return self._add(self._align(model, index))
        if found is entries[0] and len(entries) > 1:
            self._entries = [found]  # requests are on the newest pair: the previous one can go
        return found

    def prepare(self, *, model: ModelArtifact | None = None, index: CatalogIndex | None = None) -> None:
        """Build the aligned model of `model` (default: the loaded one) on `index` (default: the index of
        the latest request), and its IVF index if `warm` asks for one, unless it exists already."""
        model = model or (self._models.loaded if self._models is not None else None)
        index = index or self._index
        if model is None or index is None or self._find(model, index) is not None:
            return
        aligned = self._align(model, index)
        aligned.ivf(self._warm)
        self._add(aligned)

    def _align(self, model: ModelArtifact, index: CatalogIndex) -> AlignedModel:
        """A catalog reload that only moved popularity (every `catalog_max_age_seconds`) keeps the items
        where they were: the model aligned to the previous index is rebased instead of rebuilt (a rebuild
        repeats the alignment and the IVF index, and holds a second copy in memory during the swap)."""
        same = next((a for a in self._entries if a.model is model and a.index.same_items(index)), None)
        return same.rebased(index) if same is not None else AlignedModel.build(model, index)

    def _find(self, model: ModelArtifact, index: CatalogIndex) -> AlignedModel | None:
        return next((a for a in self._entries if a.model is model and a.index is index), None)

    def _add(self, aligned: AlignedModel) -> AlignedModel:
        self._entries = [aligned, *self._entries][: self.KEPT]  # one assignment: readers see old or new
        return aligned
