"""The ranker over an IVF index instead of the whole catalog (RankingIndex.kind = "ivf").

Candidates: every item of the `n_probe` lists whose centroids score best for the listener's vector
(their factor scores are exact), the listener's `rescore` strongest EASE neighbours outside those lists,
the items of liked artists (factor scores computed row by row) and the best liked-genre items of lists
not probed. Every candidate's score is then exactly the exact ranker's: scaled factor term, debias, EASE
sum, artist, genre and taste, with the same filters. Approximate is only which items are candidates.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mixtape.catalog.index import CatalogIndex, FloatArray
from mixtape.learning.aligned import AlignedModel
from mixtape.ranking.diversity import top_k_capped
from mixtape.ranking.fatigue import NO_FATIGUE, Fatigue
from mixtape.ranking.filters import filter_candidates
from mixtape.ranking.listener import NO_POSITIONS, Listener, Positions
from mixtape.ranking.request import RankingRequest
from mixtape.ranking.terms import Terms, csr_take
from mixtape.search.ivf import IvfIndex
from mixtape.search.select import IndexArray, top_k_keyed

# Liked-genre cells are read this many times wider than the items kept (`Approximate._genre_cells`): the
# choice within the cells finds items whose other genres are liked too. Chosen with bench.recommend_bench.
CELL_OVERSCAN = 3
_NO_ROWS = np.empty((0, 4), dtype=np.int32)  # no `ListOrder` rows


def one_per_key(
    keys: npt.NDArray[np.integer[Any]], stamp: npt.NDArray[np.int32], drop: IndexArray = NO_POSITIONS
) -> npt.NDArray[np.bool_]:
    """True at exactly one entry of each distinct key (the last written), and at none whose key is in
    `drop`; no sort. `stamp`: a scratch int32 array over the keys' range (left dirty: only ever compared
    with what this call wrote)."""
    order = np.arange(len(keys), dtype=np.int32)
    stamp[keys] = order
    stamp[drop] = -1
    kept: npt.NDArray[np.bool_] = stamp[keys] == order
    return kept


class Approximate:
    def __init__(
        self,
        terms: Terms,
        listener: Listener,
        ivf: IvfIndex,
        request: RankingRequest,
        fatigue: Fatigue = NO_FATIGUE,
    ) -> None:
        self.terms, self.listener, self.ivf, self.request = terms, listener, ivf, request
        self.fatigue = fatigue
        self.config = request.settings.index

    def search(self) -> tuple[Positions, FloatArray]:
        """The chosen positions and their scores."""
        terms, ivf = self.terms, self.ivf
        model, weights, vector = terms.model, terms.weights, terms.scaled_vector
        if model is None or vector is None:
            raise RuntimeError("approximate search needs the listener's model and scaled vector")
        routing = ivf.route(vector)
        lists = len(routing)
        probe = min(self.config.n_probe, lists)
        best = np.argpartition(-routing, probe - 1)[:probe] if probe < lists else np.arange(lists)
        keys, scored, slots = ivf.probe(vector, best)  # scaled factor scores: the vector carries the scale
        probed = np.zeros(lists, dtype=np.bool_)
        probed[best] = True
        extra, extra_slots = self._outside(probed)
        table = ListOrder.of(ivf, model, terms.index, (weights.debias, weights.debias_exposure)).rows
        cells, cell_static = self._genre_cells(routing, probed, table, extra_slots)
        positions = np.concatenate((keys, extra, ivf.items_at(cells)))
        scores = np.concatenate((scored, ivf.list_vectors(np.concatenate((extra_slots, cells))) @ vector))
        # Each candidate's static columns in one gather (probed items: contiguous runs of list order).
        # np.take, not table[...]: fancy indexing copies rows this short one by one.
        static = np.concatenate((np.take(table, np.concatenate((slots, extra_slots)), axis=0), cell_static))
        scores += self._rest(positions, static)
        self.fatigue.apply_to(scores, positions)
        return self._capped(positions, scores)

    def _genre_cells(
        self,
        routing: FloatArray,
        probed: npt.NDArray[np.bool_],
        table: npt.NDArray[np.int32],
        scored: IndexArray,
    ) -> tuple[IndexArray, npt.NDArray[np.int32]]:
        """Liked-genre items of lists not probed, as (slots, their `ListOrder` rows), leaving out the
        `scored` slots: the genre term is dense and unrelated to the factor lists, so a liked-genre item
        of a list routing ranks 100th can outscore the probed lists' items. The best (genre, list) cells
        (IvfIndex.cells) are read CELL_OVERSCAN times wider than the `genre_items` kept, which are the
        items whose list's routing score plus their own genre term minus debias is highest: a cell's
        estimate (its mean genre value) hides the items whose other genres are liked too. An item counts
        once per liked genre it has (repeats are dropped after the choice: cheaper on the wider read)."""
        terms, ivf, budget = self.terms, self.ivf, self.config.genre_items
        if terms.genre_table is None or not budget or not ivf.facet_columns:
            return NO_POSITIONS, _NO_ROWS
        liked = [
            (column, terms.weights.genre * value)
            for g, value in terms.genre_affinity.items()
            if value > 0 and (column := ivf.facet_columns.get(g)) is not None
        ]
        if not liked:
            return NO_POSITIONS, _NO_ROWS
        columns = np.array([c for c, _ in liked], dtype=np.int64)
        weights = np.array([w for _, w in liked], dtype=np.float32)
        slots, lists = ivf.cells(routing, probed, columns, weights, CELL_OVERSCAN * budget)
        static = np.take(table, slots, axis=0)
        if len(slots) > budget:
            estimate = np.take(routing, lists) + np.take(terms.genre_table, static[:, ListOrder.GENRE_SET])
            estimate += static[:, ListOrder.DEBIAS].view(np.float32)
            best = np.argpartition(-estimate, budget - 1)[:budget]
            slots, static = slots[best], np.take(static, best, axis=0)
        keep = one_per_key(slots, terms.ws.stamp, drop=scored)  # an item in two liked genres' cells once
        return slots[keep], static[keep]

    def _outside(self, probed: npt.NDArray[np.bool_]) -> tuple[Positions, IndexArray]:
        """Sparse-boosted items in lists that were not probed: the `rescore` distinct items with the
        strongest EASE sums, liked artists' items, as (positions, slots in list order). Deduplicated (an
        item can be both)."""
        terms, index = self.terms, self.terms.index
        parts = []
        if len(terms.neighbor_columns) and terms.neighbor_scale:
            # One entry per column before choosing: an item in many of the listener's EASE rows repeats
            # (with the same sum), and on Last.fm the repeats took most of the `rescore` slots, leaving out
            # much of the exact top 10.
            real = terms.neighbor_columns < len(index)  # not the padding's sink position
            columns, sums = terms.neighbor_columns[real], terms.neighbor_sums[real]
            once = one_per_key(columns, terms.ws.stamp)
            columns, sums = columns[once], sums[once]
            rescore = self.config.rescore
            if len(columns) > rescore:  # a set, not an order: one partition, cheaper than top_k_keyed
                columns = columns[np.argpartition(sums, len(sums) - rescore)[-rescore:]]
            parts.append(columns.astype(np.int64))
        liked = np.array([a for a, v in terms.artist_affinity.items() if v > 0], dtype=np.int64)
        if len(liked) and terms.weights.artist:
            parts.append(csr_take(index.artist_start, index.artist_items, liked)[0].astype(np.int64))
        if not parts:
            return NO_POSITIONS, NO_POSITIONS
        extra = np.concatenate(parts)
        extra = extra[~probed[self.ivf.list_of[extra]]]
        unique: Positions = extra[one_per_key(extra, terms.ws.stamp)]  # an item both boosted and liked
        return unique, self.ivf.list_slots(unique)

    def _rest(self, positions: Positions, static: npt.NDArray[np.int32]) -> FloatArray:
        """Every term but the factor term at the given positions, -inf where a filter excludes. `static`:
        the candidates' rows of `ListOrder.rows`."""
        terms, index, weights, ws = self.terms, self.terms.index, self.terms.weights, self.terms.ws
        rest: FloatArray = static[:, ListOrder.DEBIAS].view(np.float32).copy()  # 0 - debias: the first term
        genre_set, artist = static[:, ListOrder.GENRE_SET], static[:, ListOrder.ARTIST]
        if terms.neighbor_scale:
            rest += ws.neighbors[positions] * terms.neighbor_scale
        if (remainder := terms.remainder_at(positions)) is not None:
            rest += remainder
        if terms.taste is not None and weights.taste:
            rest += np.float32(weights.taste) * (index.embeddings[positions] @ terms.taste)
        if terms.genre_table is not None:
            rest += np.take(terms.genre_table, genre_set)
        if terms.artist_affinity:  # one gather from a per-artist table
            ids = np.fromiter(terms.artist_affinity, dtype=np.int64, count=len(terms.artist_affinity))
            values = np.fromiter(terms.artist_affinity.values(), dtype=np.float64, count=len(ids))
            table = ws.artist_values(
                len(index.artist_names),
                ids,
                np.where(values < 0, -np.inf, weights.artist * np.maximum(values, 0.0)),
            )
            rest += np.take(table, artist)
        explicit = static[:, ListOrder.EXPLICIT]
        filter_candidates(rest, positions, genre_set, explicit, index, self.listener.known, ws, self.request)
        return rest

    def _capped(self, positions: Positions, scores: FloatArray) -> tuple[Positions, FloatArray]:
        artist_of, cap = self.terms.index.artist_of, self.terms.weights.max_per_artist
        chosen = top_k_capped(
            scores,
            self.request.limit,
            artist_of,
            cap,
            lambda values, k: top_k_keyed(values, k, positions),
            positions,
            spacing=self.terms.weights.artist_spacing,
            heard=self.listener.heard,
        )
        return positions[chosen], scores[chosen]


@dataclass(frozen=True, slots=True)
class ListOrder:
    """The catalog and model data the approximate path reads per candidate, one int32 row per item in the
    IVF lists' order, so a candidate's data is one row of one gather and the probed items' rows are a few
    contiguous runs instead of random reads. Columns: 0 - debias (float32 bits: the first term of
    `_rest`, computed as it would be per request), genre set, artist, explicit."""

    DEBIAS, GENRE_SET, ARTIST, EXPLICIT = range(4)

    ivf: IvfIndex
    debias: tuple[float, float]  # the popularity and exposure debias weights
    rows: npt.NDArray[np.int32]

    @classmethod
    def of(
        cls, ivf: IvfIndex, model: AlignedModel, index: CatalogIndex, debias: tuple[float, float]
    ) -> "ListOrder":
        # One per aligned model (and its rebased copies) and debias pair: requests whose activity levels,
        # presets or variants differ in debias alternate between kept orders instead of rebuilding one.
        # Bounded: the pairs are the configured weights'.
        return model.derived(
            f"ivf-order {debias}",
            lambda: cls.build(ivf, model, index, debias),
            lambda found: found.ivf is ivf,
        )

    @classmethod
    def build(
        cls, ivf: IvfIndex, model: AlignedModel, index: CatalogIndex, debias: tuple[float, float]
    ) -> "ListOrder":
        rows = np.empty((len(index), 4), dtype=np.int32)
        negative = np.float32(0.0) - model.debias(*debias)
        rows[:, cls.DEBIAS] = ivf.in_list_order(negative).view(np.int32)
        rows[:, cls.GENRE_SET] = ivf.in_list_order(index.genre_set_of)
        rows[:, cls.ARTIST] = ivf.in_list_order(index.artist_of)
        rows[:, cls.EXPLICIT] = ivf.in_list_order(index.explicit)
        return cls(ivf, debias, rows)
