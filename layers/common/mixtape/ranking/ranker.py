"""Ranking: score every catalog item with numpy -> filter -> cap per artist -> explain.

Score = learned model (ALS fold-in + EASE neighbours, minus a popularity debias) + taste-vector cosine
+ artist affinity + genre affinity + popularity prior, each weighted by configuration. The two model
parts are each scaled by their largest magnitude for this listener so their weights stay comparable.
Affinities are normalised by the listener's strongest one, so time decay (a common factor) never
changes the order, and weights stay comparable across listeners.

Per request the listener's ids are mapped to catalog positions once (`_Listener`), every catalog-wide
term is written into preallocated float32 buffers (`_Workspace`, one per catalog index), sparse terms are
scatters of the listener's few thousand entries, the genre term is one gather from a per-request table
of genre sets, and only the k chosen items are explained (one small matrix of terms, one row per item).
Nothing loops over catalog items in Python. With `RankingIndex(kind="ivf")` on a large catalog the dense
term is searched in an IVF index instead (`_Approximate`) and the sparse terms merged exactly.
"""

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from mixtape.catalog.index import CatalogIndex, FloatArray
from mixtape.config import RankingIndex, RankingWeights
from mixtape.learning.aligned import AlignedModel
from mixtape.models.profile import Profile
from mixtape.search.ivf import IvfIndex
from mixtape.search.select import IndexArray, TopK, top_k, top_k_keyed

EXPLAIN_FROM_TOP_ITEMS = 5
# EASE entries >= catalog size / 32: add the accumulator as a vector (sequential passes) rather than by
# position (random accesses into a buffer the matrix-vector product has just pushed out of the cache).
DENSE_NEIGHBORS = 32
FRESHNESS_TIE_BREAK = 1e-3  # orders a catalog nobody has played yet by release date, nothing more

Positions = npt.NDArray[np.int64]
Selector = Callable[[FloatArray, int], IndexArray]
_NO_POSITIONS: Positions = np.empty(0, dtype=np.int64)
_NO_COLUMNS = np.empty(0, dtype=np.int32)
_NO_VALUES: FloatArray = np.empty(0, dtype=np.float32)
_NO_VALUES_64: npt.NDArray[np.float64] = np.empty(0, dtype=np.float64)
_NO_ROWS = np.empty((0, 4), dtype=np.int32)  # no `_ListOrder` rows
# IVF: liked-genre cells are read this many times wider than the items kept (_Approximate._genre_cells).
# Measured at 1M items with 6 lists probed (40 listeners with 20 plays): 5,000 kept of 3x read: recall@10
# 0.978; of 2x: 0.965; every item of 8,000 read (no choice within cells): 0.970.
CELL_OVERSCAN = 3


class Reason(StrEnum):
    ARTIST = "artist_affinity"
    GENRE = "genre_affinity"
    SIMILAR = "similar_to_item"
    LISTENERS = "listeners_also_play"
    POPULAR = "popular"
    NEW_RELEASE = "new_release"
    SAME_ARTIST = "same_artist"


class Ranked(NamedTuple):
    """One pick. A named tuple, not a frozen dataclass: built 100 times per request, at a third of the
    cost (a frozen dataclass sets each field through object.__setattr__)."""

    position: int
    score: float
    reason_code: Reason
    reason: str


def _normalised(values: Mapping[str, float]) -> dict[str, float]:
    """Scale so the strongest positive affinity is 1; negatives are clipped at -1."""
    top = max((v for v in values.values() if v > 0), default=0.0)
    if top <= 0:
        return {k: max(-1.0, v / abs(v)) for k, v in values.items() if v != 0}
    return {k: max(-1.0, v / top) for k, v in values.items()}


def top_k_capped(
    scores: FloatArray,
    k: int,
    artist_of: npt.NDArray[np.int32],
    cap: int,
    select: Selector = top_k,
    positions: Positions | None = None,
) -> list[int]:
    """Indexes of the k best finite scores, at most `cap` per artist. Takes an exact top-`pool` (sampled
    threshold, no sort or argpartition of the catalog) and widens it only when the cap rejected too many;
    a pool that comes back short holds every finite score, so no count of them is needed up front.
    `positions`: the catalog position of each score (candidates), when the scores are not the catalog's;
    artists are then looked up for the pool only.
    No loop over picks: in score order, the greedy cap keeps an item exactly when fewer than `cap` items
    of its artist come before it (those were kept, by the same rule), i.e. when its rank among the pool's
    items of its artist is below `cap`."""
    pool = min(len(scores), max(4 * k, 32))
    while True:
        found = select(scores, pool)
        artists = artist_of[found if positions is None else positions[found]]
        kept = found[_rank_within_group(artists) < cap][:k]
        if len(kept) == k or len(found) < pool or pool >= len(scores):
            chosen: list[int] = kept.tolist()
            return chosen
        pool = min(len(scores), pool * 4)


def _rank_within_group(groups: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.intp]:
    """Each entry's rank among the entries of its group that come before it (a stable sort by group)."""
    order = np.argsort(groups, kind="stable")
    grouped = groups[order]
    first = np.flatnonzero(np.concatenate(([True], grouped[1:] != grouped[:-1])))
    rank = np.empty(len(groups), dtype=np.intp)
    rank[order] = np.arange(len(groups)) - np.repeat(first, np.diff(np.append(first, len(groups))))
    return rank


def _one_per_key(
    keys: npt.NDArray[np.integer[Any]], stamp: npt.NDArray[np.int32], drop: IndexArray = _NO_POSITIONS
) -> npt.NDArray[np.bool_]:
    """True at exactly one entry of each distinct key (the last written), and at none whose key is in
    `drop`; no sort. `stamp`: a scratch int32 array over the keys' range (left dirty: only ever compared
    with what this call wrote)."""
    order = np.arange(len(keys), dtype=np.int32)
    stamp[keys] = order
    stamp[drop] = -1
    kept: npt.NDArray[np.bool_] = stamp[keys] == order
    return kept


class _Workspace:
    """Catalog-sized buffers reused by every request on one catalog index: the score vector, a spare
    vector for dense terms, a zeroed accumulator for EASE sums (zeroed again after each request) and the
    top-k selector's buffers. Score and accumulator have one extra slot, the sink of EASE padding."""

    def __init__(self, n: int) -> None:
        self.padded: FloatArray = np.empty(n + 1, dtype=np.float32)
        self.scores: FloatArray = self.padded[:n]
        self.spare: FloatArray = np.empty(n, dtype=np.float32)
        self.neighbors: FloatArray = np.zeros(n + 1, dtype=np.float32)
        self.blocked = np.zeros(n, dtype=np.bool_)  # approximate path: known items, cleared after use
        self.stamp = np.zeros(n, dtype=np.int32)  # approximate path: deduplicates candidates
        self._artist_values: FloatArray | None = None
        self.select = TopK(n)
        self.lock = threading.Lock()

    def artist_values(self, artists: int) -> FloatArray:
        """A zeroed per-artist table (the approximate path sets and clears the listener's artists)."""
        if self._artist_values is None or len(self._artist_values) != artists:
            self._artist_values = np.zeros(artists, dtype=np.float32)
        return self._artist_values


@contextmanager
def _workspace(index: CatalogIndex) -> Iterator[_Workspace]:
    shared = index.scratch("ranking", lambda: _Workspace(len(index)))
    if not shared.lock.acquire(blocking=False):  # another thread ranks on this container: own buffers
        yield _Workspace(len(index))
        return
    try:
        yield shared
    finally:
        shared.lock.release()


@dataclass(frozen=True, slots=True)
class _Listener:
    """A profile's ids resolved to catalog positions once per request (filters, EASE rows, reasons)."""

    liked: Positions  # positions of the items with positive weight, in profile order
    liked_values: npt.NDArray[np.float64]
    ids: list[str]  # the profile's item ids, in profile order
    liked_missing: list[str]  # liked ids the catalog no longer holds (the model may still know them)
    liked_missing_values: npt.NDArray[np.float64]
    liked_at: Positions  # where each liked item (catalog ones, then missing ones) sits in the profile
    known: Positions  # everything the listener has interacted with (never recommended back)

    @classmethod
    def resolve(cls, profile: Profile, index: CatalogIndex) -> "_Listener":
        ids = list(profile.items)
        count = len(ids)
        everything = list(chain(ids, (r.item_id for r in profile.recent), profile.disliked))
        positions = index.ids.find(everything)
        values = np.fromiter(profile.items.values(), dtype=np.float64, count=count)
        found = positions[:count] >= 0
        positive = values > 0
        liked = np.flatnonzero(positive & found)
        missing = np.flatnonzero(positive & ~found)
        known = positions[positions >= 0]
        return cls(
            liked=positions[liked],
            liked_values=values[liked],
            ids=ids,
            liked_missing=[ids[j] for j in missing.tolist()],
            liked_missing_values=values[missing],
            liked_at=np.concatenate((liked, missing)),
            known=known,
        )

    def strongest_liked(self, limit: int) -> tuple[Positions, list[str]]:
        """The `limit` most liked items (ties: first in the profile), as (catalog positions, ids the
        catalog no longer holds); all of them when there are no more."""
        found = len(self.liked)
        if found + len(self.liked_missing) <= limit:
            return self.liked, self.liked_missing
        values = np.concatenate((self.liked_values, self.liked_missing_values))
        keep = np.sort(np.lexsort((self.liked_at, -values))[:limit])
        missing = keep[keep >= found] - found
        return self.liked[keep[keep < found]], [self.liked_missing[j] for j in missing.tolist()]

    def strongest(self, usable: npt.NDArray[np.bool_]) -> list[int]:
        """The strongest liked items with a vector (weight, then item id, descending): what "similar
        to ..." can point at. Only the items tied with the few strongest are compared by id."""
        keep = np.flatnonzero(usable[self.liked])
        values = self.liked_values[keep]
        if len(values) <= EXPLAIN_FROM_TOP_ITEMS:
            return [p for _, _, p in sorted(self._named(keep), reverse=True)]
        kth = np.partition(values, len(values) - EXPLAIN_FROM_TOP_ITEMS)[len(values) - EXPLAIN_FROM_TOP_ITEMS]
        above = sorted(self._named(keep[values > kth]), reverse=True)  # fewer than 5
        # The items tied at the 5th weight (often hundreds: integer play counts) are compared by id only,
        # sorting the id strings alone (C speed: 3x faster than a heap of (id, position) tuples).
        tied = keep[values == kth]
        ids = [self.ids[j] for j in self.liked_at[tied].tolist()]
        best = sorted(ids, reverse=True)[: EXPLAIN_FROM_TOP_ITEMS - len(above)]
        positions = self.liked[tied].tolist()
        return [p for _, _, p in above] + [positions[ids.index(i)] for i in best]  # ids are unique

    def _named(self, keep: npt.NDArray[np.intp]) -> list[tuple[float, str, int]]:
        """(weight, item id, catalog position) of the given liked items."""
        ids = [self.ids[j] for j in self.liked_at[keep].tolist()]
        return list(zip(self.liked_values[keep].tolist(), ids, self.liked[keep].tolist(), strict=True))


def _filter(
    scores: FloatArray,
    spare: FloatArray,
    index: CatalogIndex,
    known: Positions,
    exclude_explicit: bool,
    genre: str | None,
) -> FloatArray:
    """Set everything the listener must not get to -inf: known items, explicit ones on request, and
    (with a genre filter) everything outside the genre. Positions only: no catalog-wide mask. Returns the
    buffer holding the result (`spare` when a genre filter copied the genre's members into it)."""
    if genre is not None:
        members = index.genre_members.get(genre.lower(), _NO_COLUMNS)
        spare.fill(-np.inf)
        spare[members] = scores[members]
        scores = spare
    if exclude_explicit:
        scores[index.explicit_positions] = -np.inf
    if len(known):
        scores[known] = -np.inf
    return scores


def _known_positions(profile: Profile | None, index: CatalogIndex) -> Positions:
    if profile is None:
        return _NO_POSITIONS
    positions = index.ids.find(list(profile.known_items()))
    return positions[positions >= 0]


def _cold_start(
    index: CatalogIndex,
    weights: RankingWeights,
    profile: Profile | None,
    exclude_explicit: bool,
    genre: str | None,
    limit: int,
) -> list[Ranked]:
    with _workspace(index) as ws:
        scores = ws.scores
        np.multiply(index.popularity, weights.popularity, out=scores)
        np.multiply(index.freshness, FRESHNESS_TIE_BREAK, out=ws.spare)
        scores += ws.spare
        scores = _filter(scores, ws.spare, index, _known_positions(profile, index), exclude_explicit, genre)
        return [
            Ranked(i, float(scores[i]), Reason.POPULAR, "popular now")
            if index.popularity[i] > 0
            else Ranked(i, float(scores[i]), Reason.NEW_RELEASE, "new release")
            for i in top_k_capped(scores, limit, index.artist_of, weights.max_per_artist, ws.select)
        ]


def _csr_take(
    start: npt.NDArray[np.int64], data: npt.NDArray[np.int32], rows: Positions
) -> tuple[npt.NDArray[np.int32], Positions]:
    """The entries of CSR rows `rows` concatenated, and each row's length (no loop over entries)."""
    first = start[rows]
    lengths = start[rows + 1] - first
    total = int(lengths.sum())
    if total == 0:
        return data[:0], lengths
    offsets = np.repeat(first - (np.cumsum(lengths) - lengths), lengths)
    return data[offsets + np.arange(total)], lengths


class _Terms:
    """A listener's score terms. `total()` sums them into the workspace's float32 buffer (one
    matrix-vector product plus sparse updates: no per-term catalog-sized arrays); `explain(chosen)`
    recomputes each term for the chosen items only, as one (k, terms) matrix."""

    def __init__(
        self,
        profile: Profile,
        listener: _Listener,
        index: CatalogIndex,
        weights: RankingWeights,
        model: AlignedModel | None,
        half_life_ms: float,
        ws: _Workspace,
        *,
        dense_ok: bool = True,
    ) -> None:
        self.index, self.weights, self.model, self.ws = index, weights, model, ws
        artists = _normalised(profile.artists)
        self.artist_affinity = {
            a: v
            for a, v in zip(index.artist_lookup.find(list(artists)).tolist(), artists.values(), strict=True)
            if a >= 0
        }
        self.genre_affinity = _normalised(profile.genres)
        self.genre_table = self._genre_table() if weights.genre else None
        taste = profile.taste_vector()
        self.taste = taste if taste is not None and taste.shape[0] == index.embeddings.shape[1] else None
        self.vector = (
            model.user_vector(profile, half_life_ms) if model is not None and weights.factors else None
        )
        # The factor term is scaled by a bound on its magnitude known before the product (Cauchy-Schwarz:
        # |f·v| <= |v|·max|f|), so the scale folds into the vector: no pass over the scores to find their
        # largest magnitude, none to apply it, and the IVF path ranks with the exact scale.
        self.scaled_vector: FloatArray | None = None
        if self.vector is not None and model is not None:
            bound = float(np.linalg.norm(self.vector)) * model.factor_norm
            scale = weights.factors / bound if bound > 0 else 0.0
            self.scaled_vector = (self.vector * np.float32(scale)).astype(np.float32)
        self.chosen_factors: FloatArray | None = None  # set by explain()
        # EASE: the listener's rows scatter-added into the zeroed accumulator; `reset()` zeroes it again.
        # With many entries for the catalog's size the accumulator is then used as a dense vector (two
        # sequential passes); with few, only the touched positions are (a gather-assign).
        self.neighbor_columns = _NO_COLUMNS
        self.neighbor_sums = _NO_VALUES  # sparse mode: the sum at each column (duplicates share it)
        self.neighbor_dense = False
        self.neighbor_scale = np.float32(0.0)
        if model is not None and weights.neighbors:
            sources = listener.strongest_liked(weights.max_neighbor_rows)
            columns, values = model.neighbor_entries(model.liked_rows(*sources))
            if len(columns):
                self.neighbor_columns = columns
                np.add.at(ws.neighbors, columns, values)
                n = len(index)
                self.neighbor_dense = dense_ok and len(columns) * DENSE_NEIGHBORS >= n
                if self.neighbor_dense:
                    sums = ws.neighbors[:n]
                    top = max(float(sums.max()), -float(sums.min()))
                else:
                    self.neighbor_sums = ws.neighbors[columns]
                    top = float(np.abs(self.neighbor_sums).max())
                if top > 0:
                    self.neighbor_scale = np.float32(weights.neighbors / top)
                    if self.neighbor_dense:  # scaled now, while in cache (the factor pass evicts it)
                        ws.neighbors[:n] *= self.neighbor_scale

    def _genre_table(self) -> FloatArray | None:
        """weight · (sum of the listener's affinities over a genre set's genres) / set size, per set."""
        index = self.index
        found = [
            (sets, value)
            for g, value in self.genre_affinity.items()
            if (sets := index.genre_sets_of_genre.get(g)) is not None
        ]
        if not found:
            return None
        sets = np.concatenate([s for s, _ in found])
        values = np.repeat([v for _, v in found], [len(s) for s, _ in found])
        # A set lists a genre once per occurrence in the item; one scatter-add for all the genres.
        table = np.asarray(np.bincount(sets, weights=values, minlength=len(index.genre_set_size)), np.float64)
        table *= self.weights.genre
        table /= index.genre_set_size
        return table.astype(np.float32)

    def reset(self) -> None:
        if self.neighbor_dense or len(self.neighbor_columns) * DENSE_NEIGHBORS >= len(self.index):
            self.ws.neighbors.fill(0.0)
        else:
            self.ws.neighbors[self.neighbor_columns] = 0.0

    def total(self) -> FloatArray:
        """Every term summed into the score buffer."""
        index, weights, model, ws = self.index, self.weights, self.model, self.ws
        scores, spare = ws.scores, ws.spare
        # The artist terms' positions and values first, while the affinities are cached (the factor pass
        # evicts them); an item has one artist: no repeated positions.
        liked = [(a, v) for a, v in self.artist_affinity.items() if v > 0]
        boosted, boost = _NO_COLUMNS, _NO_VALUES_64
        if liked and weights.artist:
            boosted, lengths = _csr_take(
                index.artist_start, index.artist_items, np.array([a for a, _ in liked], dtype=np.int64)
            )
            boost = weights.artist * np.repeat([v for _, v in liked], lengths)
        against = [a for a, v in self.artist_affinity.items() if v < 0]  # artists the listener turned against
        if against:
            blocked, _ = _csr_take(index.artist_start, index.artist_items, np.array(against, dtype=np.int64))
        if model is not None:  # the model carries popularity itself (and debiases it): no separate prior
            self._model_terms(model, scores)
        else:
            np.multiply(index.popularity, weights.popularity, out=scores)
        if self.taste is not None and weights.taste:
            np.matmul(index.embeddings, self.taste, out=spare)
            spare *= np.float32(weights.taste)
            scores += spare
        if self.genre_table is not None:  # positions are grouped by genre set: one repeat of the table
            scores += np.repeat(self.genre_table, index.genre_set_items)
        if len(boosted):
            scores[boosted] += boost
        if against:
            scores[blocked] = -np.inf
        return scores

    def _model_terms(self, model: AlignedModel, scores: FloatArray) -> None:
        """factors @ (scale · vector) - debias + EASE sums. (Blocking these passes so a block of scores
        stays in cache while debias and sums are applied measured no faster at 1M.)"""
        weights, ws = self.weights, self.ws
        if self.scaled_vector is not None:
            np.matmul(model.factors, self.scaled_vector, out=scores)
        else:
            scores.fill(0.0)
        if weights.debias:
            scores -= model.debias(weights.debias)
        if self.neighbor_scale and self.neighbor_dense:  # scaled in place by __init__
            scores += ws.neighbors[: len(scores)]
        elif self.neighbor_scale:  # duplicate columns all write the same value: a safe gather-assign
            ws.padded[self.neighbor_columns] += self.neighbor_sums * self.neighbor_scale

    def explain(self, chosen: Positions, ivf: IvfIndex | None = None) -> list[Reason]:
        """The strongest term of each chosen item (first of equals, in the order of `_TERM_ORDER`).
        `ivf`: the IVF index in use, whose row-major copy of the factors serves the chosen rows."""
        index, weights, model = self.index, self.weights, self.model
        k = len(chosen)
        terms = np.zeros((k, 4), dtype=np.float64)
        artists = index.artist_of[chosen].tolist()
        terms[:, 0] = [weights.artist * self.artist_affinity.get(a, 0.0) for a in artists]
        if self.genre_table is not None:
            terms[:, 1] = self.genre_table[index.genre_set_of[chosen]]
        if self.taste is not None:
            terms[:, 2] = weights.taste * (index.embeddings[chosen] @ self.taste)
        if model is None:
            terms[:, 3] = weights.popularity * index.popularity[chosen]
            last = Reason.POPULAR
        else:
            if self.scaled_vector is not None:
                # The same float32 rows either way; a row of the column-major matrix costs one cache miss
                # per element (~40 µs for 100 rows when the matrix is not cached), the IVF copy's one per row.
                self.chosen_factors = (
                    model.factors[chosen] if ivf is None else ivf.list_vectors(ivf.list_slots(chosen))
                )  # kept for _reasons' anchors
                terms[:, 3] = self.chosen_factors @ self.scaled_vector
            if self.neighbor_scale:  # dense mode scaled the accumulator in place
                scale = np.float32(1.0) if self.neighbor_dense else self.neighbor_scale
                terms[:, 3] += self.ws.neighbors[chosen] * scale
            if weights.debias:
                terms[:, 3] -= model.debias(weights.debias)[chosen]
            last = Reason.LISTENERS
        codes = (Reason.ARTIST, Reason.GENRE, Reason.SIMILAR, last)
        return [codes[c] for c in np.argmax(terms, axis=1).tolist()]


def recommend(
    profile: Profile | None,
    index: CatalogIndex,
    weights: RankingWeights,
    *,
    limit: int,
    exclude_explicit: bool = False,
    genre: str | None = None,
    model: AlignedModel | None = None,
    half_life_ms: float = 30 * 86_400_000,
    index_config: RankingIndex | None = None,
) -> tuple[list[Ranked], bool]:
    """Top `limit` items for a listener and whether the cold-start (popularity) list was served.
    `index_config` may select the approximate (IVF) path for large catalogs; exact otherwise."""
    if len(index) == 0:
        return [], True
    if profile is None or not profile.has_positive_signal():
        return _cold_start(index, weights, profile, exclude_explicit, genre, limit), True

    listener = _Listener.resolve(profile, index)
    # What LISTENERS reasons point at, found while the listener's arrays are still in cache (after the
    # factor pass they are not: 1.5x slower). Most lists have a LISTENERS pick when a model is live.
    anchors = listener.strongest(model.known) if model is not None else None
    ivf = model.ivf(index_config) if model is not None and weights.factors else None
    with _workspace(index) as ws:
        terms = _Terms(profile, listener, index, weights, model, half_life_ms, ws, dense_ok=ivf is None)
        try:
            if ivf is not None and terms.scaled_vector is not None:
                found = _Approximate(terms, listener, ivf, index_config or RankingIndex()).search(
                    limit, exclude_explicit, genre
                )
                chosen, chosen_scores = found[0], found[1].tolist()
            else:
                scores = _filter(terms.total(), ws.spare, index, listener.known, exclude_explicit, genre)
                chosen = np.asarray(
                    top_k_capped(scores, limit, index.artist_of, weights.max_per_artist, ws.select),
                    dtype=np.int64,
                )
                chosen_scores = scores[chosen].tolist()
            codes = terms.explain(chosen, ivf)
        finally:
            terms.reset()
    reasons = _reasons(
        chosen, codes, index, listener, terms.genre_affinity, model, terms.chosen_factors, anchors
    )
    return list(map(Ranked._make, zip(chosen.tolist(), chosen_scores, codes, reasons, strict=True))), False


class _Approximate:
    """The ranker over an IVF index instead of the whole catalog (RankingIndex.kind = "ivf").

    Candidates: every item of the `n_probe` lists whose centroids score best for the listener's vector
    (their factor scores are exact), the listener's `rescore` strongest EASE neighbours outside those
    lists and the items of liked artists (factor scores computed row by row). Every candidate's score is
    then exactly the exact ranker's: scaled factor term, debias, EASE sum, artist, genre and taste, with
    the same filters. Approximate is only which items are candidates."""

    def __init__(self, terms: _Terms, listener: _Listener, ivf: IvfIndex, config: RankingIndex) -> None:
        self.terms, self.listener, self.ivf, self.config = terms, listener, ivf, config

    def search(self, limit: int, exclude_explicit: bool, genre: str | None) -> tuple[Positions, FloatArray]:
        terms, ivf = self.terms, self.ivf
        model, weights, vector = terms.model, terms.weights, terms.scaled_vector
        assert model is not None
        assert vector is not None
        routing = ivf.route(vector)
        lists = len(routing)
        probe = min(self.config.n_probe, lists)
        best = np.argpartition(-routing, probe - 1)[:probe] if probe < lists else np.arange(lists)
        keys, scored, slots = ivf.probe(vector, best)  # scaled factor scores: the vector carries the scale
        probed = np.zeros(lists, dtype=np.bool_)
        probed[best] = True
        extra, extra_slots = self._outside(probed)
        table = _ListOrder.of(ivf, model, terms.index, weights.debias).rows
        cells, cell_static = self._genre_cells(routing, probed, table, extra_slots)
        positions = np.concatenate((keys, extra, ivf.items_at(cells)))
        scores = np.concatenate((scored, ivf.list_vectors(np.concatenate((extra_slots, cells))) @ vector))
        # Each candidate's static columns in one gather (probed items: contiguous runs of list order).
        # np.take, not table[...]: ~10x faster for rows this short (fancy indexing copies row by row).
        static = np.concatenate((np.take(table, np.concatenate((slots, extra_slots)), axis=0), cell_static))
        scores += self._rest(positions, static, exclude_explicit, genre)
        return self._capped(positions, scores, limit)

    def _genre_cells(
        self,
        routing: FloatArray,
        probed: npt.NDArray[np.bool_],
        table: npt.NDArray[np.int32],
        scored: IndexArray,
    ) -> tuple[IndexArray, npt.NDArray[np.int32]]:
        """Liked-genre items of lists not probed, as (slots, their `_ListOrder` rows), leaving out the
        `scored` slots: the genre term is dense and unrelated to the factor lists, so a liked-genre item
        of a list routing ranks 100th can outscore the probed lists' items. The best (genre, list) cells
        (IvfIndex.cells) are read CELL_OVERSCAN times wider than the `genre_items` kept, which are the
        items whose list's routing score plus their own genre term minus debias is highest: a cell's
        estimate (its mean genre value) hides the items whose other genres are liked too. An item counts
        once per liked genre it has (repeats are dropped after the choice: cheaper on 3x the items)."""
        terms, ivf, budget = self.terms, self.ivf, self.config.genre_items
        if terms.genre_table is None or not budget or not ivf.facet_columns:
            return _NO_POSITIONS, _NO_ROWS
        liked = [
            (column, terms.weights.genre * value)
            for g, value in terms.genre_affinity.items()
            if value > 0 and (column := ivf.facet_columns.get(g)) is not None
        ]
        if not liked:
            return _NO_POSITIONS, _NO_ROWS
        columns = np.array([c for c, _ in liked], dtype=np.int64)
        weights = np.array([w for _, w in liked], dtype=np.float32)
        slots, lists = ivf.cells(routing, probed, columns, weights, CELL_OVERSCAN * budget)
        static = np.take(table, slots, axis=0)
        if len(slots) > budget:
            estimate = np.take(routing, lists) + np.take(terms.genre_table, static[:, _ListOrder.GENRE_SET])
            estimate += static[:, _ListOrder.DEBIAS].view(np.float32)
            best = np.argpartition(-estimate, budget - 1)[:budget]
            slots, static = slots[best], np.take(static, best, axis=0)
        keep = _one_per_key(slots, terms.ws.stamp, drop=scored)  # an item in two liked genres' cells once
        return slots[keep], static[keep]

    def _outside(self, probed: npt.NDArray[np.bool_]) -> tuple[Positions, IndexArray]:
        """Sparse-boosted items in lists that were not probed: the `rescore` distinct items with the
        strongest EASE sums, liked artists' items, as (positions, slots in list order). Deduplicated (an
        item can be both)."""
        terms, index = self.terms, self.terms.index
        parts = []
        if len(terms.neighbor_columns) and terms.neighbor_scale:
            # One entry per column before choosing: an item in many of the listener's EASE rows repeats
            # (with the same sum), and on Last.fm the repeats took most of the `rescore` slots (IVF top-10
            # agreement with exact 0.853 -> 0.988 at 2 of 123 lists once they no longer do).
            real = terms.neighbor_columns < len(index)  # not the padding's sink position
            columns, sums = terms.neighbor_columns[real], terms.neighbor_sums[real]
            once = _one_per_key(columns, terms.ws.stamp)
            columns, sums = columns[once], sums[once]
            if len(columns) > self.config.rescore:  # a set, not an order: one partition (4x top_k_keyed)
                columns = columns[
                    np.argpartition(sums, len(sums) - self.config.rescore)[-self.config.rescore :]
                ]
            parts.append(columns.astype(np.int64))
        liked = np.array([a for a, v in terms.artist_affinity.items() if v > 0], dtype=np.int64)
        if len(liked) and terms.weights.artist:
            parts.append(_csr_take(index.artist_start, index.artist_items, liked)[0].astype(np.int64))
        if not parts:
            return _NO_POSITIONS, _NO_POSITIONS
        extra = np.concatenate(parts)
        extra = extra[~probed[self.ivf.list_of[extra]]]
        unique: Positions = extra[_one_per_key(extra, terms.ws.stamp)]  # an item both boosted and liked
        return unique, self.ivf.list_slots(unique)

    def _rest(
        self, positions: Positions, static: npt.NDArray[np.int32], exclude_explicit: bool, genre: str | None
    ) -> FloatArray:
        """Every term but the factor term at the given positions, -inf where a filter excludes. `static`:
        the candidates' rows of `_ListOrder.rows`."""
        terms, index, weights, ws = self.terms, self.terms.index, self.terms.weights, self.terms.ws
        rest: FloatArray = static[:, _ListOrder.DEBIAS].view(np.float32).copy()  # 0 - debias: the first term
        genre_set, artist = static[:, _ListOrder.GENRE_SET], static[:, _ListOrder.ARTIST]
        if terms.neighbor_scale:
            rest += ws.neighbors[positions] * terms.neighbor_scale
        if terms.taste is not None and weights.taste:
            rest += np.float32(weights.taste) * (index.embeddings[positions] @ terms.taste)
        if terms.genre_table is not None:
            rest += np.take(terms.genre_table, genre_set)
        if terms.artist_affinity:  # one gather from a per-artist table, cleared after use
            table = ws.artist_values(len(index.artist_names))
            ids = np.fromiter(terms.artist_affinity, dtype=np.int64, count=len(terms.artist_affinity))
            values = np.fromiter(terms.artist_affinity.values(), dtype=np.float64, count=len(ids))
            table[ids] = np.where(values < 0, -np.inf, weights.artist * np.maximum(values, 0.0))
            rest += np.take(table, artist)
            table[ids] = 0.0
        if genre is not None:
            allowed = np.zeros(len(index.genre_set_size), dtype=np.bool_)
            allowed[index.genre_sets_of_genre.get(genre.lower(), _NO_COLUMNS)] = True
            rest[~allowed[genre_set]] = -np.inf
        if exclude_explicit:
            rest[static[:, _ListOrder.EXPLICIT] != 0] = -np.inf
        blocked = ws.blocked
        blocked[self.listener.known] = True
        rest[blocked[positions]] = -np.inf
        blocked[self.listener.known] = False
        return rest

    def _capped(self, positions: Positions, scores: FloatArray, limit: int) -> tuple[Positions, FloatArray]:
        artist_of, cap = self.terms.index.artist_of, self.terms.weights.max_per_artist
        chosen = top_k_capped(
            scores, limit, artist_of, cap, lambda values, k: top_k_keyed(values, k, positions), positions
        )
        return positions[chosen], scores[chosen]


@dataclass(frozen=True, slots=True)
class _ListOrder:
    """The catalog and model data the approximate path reads per candidate, one int32 row per item in the
    IVF lists' order, so a candidate's data is one row of one gather and the probed items' rows are a few
    contiguous runs instead of ~17k random reads. Columns: 0 - debias (float32 bits: the first term of
    `_rest`, computed as it would be per request), genre set, artist, explicit."""

    DEBIAS, GENRE_SET, ARTIST, EXPLICIT = range(4)

    ivf: IvfIndex
    debias: float
    rows: npt.NDArray[np.int32]

    @classmethod
    def of(cls, ivf: IvfIndex, model: AlignedModel, index: CatalogIndex, debias: float) -> "_ListOrder":
        return model.derived(  # one per aligned model (and its rebased copies): rebuilt for a new weight
            "ivf-order",
            lambda: cls.build(ivf, model, index, debias),
            lambda found: found.ivf is ivf and found.debias == debias,
        )

    @classmethod
    def build(cls, ivf: IvfIndex, model: AlignedModel, index: CatalogIndex, debias: float) -> "_ListOrder":
        rows = np.empty((len(index), 4), dtype=np.int32)
        negative = np.float32(0.0) - np.float32(debias) * model.log_listeners
        rows[:, cls.DEBIAS] = ivf.in_list_order(negative).view(np.int32)
        rows[:, cls.GENRE_SET] = ivf.in_list_order(index.genre_set_of)
        rows[:, cls.ARTIST] = ivf.in_list_order(index.artist_of)
        rows[:, cls.EXPLICIT] = ivf.in_list_order(index.explicit)
        return cls(ivf, debias, rows)


def _closest(rows: FloatArray, anchors: list[int], vectors: FloatArray) -> list[int]:
    """For each row (a chosen item's vector), the anchor whose vector has the largest inner product."""
    if not len(rows):
        return []
    best = np.argmax(rows @ vectors[anchors].T, axis=1)
    return [anchors[b] for b in best.tolist()]


def _reasons(
    chosen: Positions,
    codes: list[Reason],
    index: CatalogIndex,
    listener: _Listener,
    genre_affinity: Mapping[str, float],
    model: AlignedModel | None,
    chosen_factors: FloatArray | None = None,
    listeners_anchors: list[int] | None = None,
) -> list[str]:
    """The text of each pick: its artist, its genre the listener likes best, or the liked item it is
    closest to (anchors: the listener's 5 strongest liked items with a vector, one (k, 5) product).
    `chosen_factors`: the chosen items' factor rows when `explain` gathered them already (a row of the
    column-major factor matrix costs one cache miss per element); `listeners_anchors`: the LISTENERS
    anchors when the caller found them already."""
    anchor: dict[int, int] = {}
    for code, vectors, usable in (
        (Reason.LISTENERS, model.factors if model is not None else None, model.known if model else None),
        (Reason.SIMILAR, index.embeddings, index.has_embedding),
    ):
        picked = [j for j, c in enumerate(codes) if c is code]
        if not picked or vectors is None or usable is None:
            continue
        given = listeners_anchors if code is Reason.LISTENERS else None
        anchors = given if given is not None else listener.strongest(usable)
        if anchors:
            known = chosen_factors if code is Reason.LISTENERS else None
            rows = known[picked] if known is not None else vectors[chosen[picked]]
            anchor.update(zip(picked, _closest(rows, anchors, vectors), strict=True))
    texts = []
    for j, (pos, code) in enumerate(zip(chosen.tolist(), codes, strict=True)):
        record = index.records[pos]
        if code is Reason.ARTIST:
            texts.append(f"because you listen to {record.artist_name}")
        elif code is Reason.GENRE and record.genres:
            genre = max(record.genres, key=lambda g: genre_affinity.get(g, 0.0))
            texts.append(f"because you like {genre}")
        elif (best := anchor.get(j)) is None:
            texts.append("listeners with your taste play this" if code is Reason.LISTENERS else "popular now")
        elif (near := index.records[best]).artist_id == record.artist_id:  # reads better than "similar to"
            texts.append(f"because you listen to {record.artist_name}")
        elif code is Reason.LISTENERS:
            texts.append(f"listeners of {near.artist_name} also play this")
        else:
            texts.append(f"similar to {near.title} by {near.artist_name}")
    return texts


def similar_items(index: CatalogIndex, pos: int, weights: RankingWeights, *, limit: int) -> list[Ranked]:
    """Items like the one at `pos`: embedding cosine, shared genres, same artist, a little popularity."""
    n = len(index)
    cosine = index.embeddings @ index.embeddings[pos] if index.has_embedding[pos] else np.zeros(n, np.float32)
    same_artist = (index.artist_of == index.artist_of[pos]).astype(np.float32)
    own_genres = index.records[pos].genres
    overlap = np.zeros(n, dtype=np.float32)
    for genre in own_genres:
        overlap[index.genre_members[genre]] += 1.0
    jaccard = overlap / (index.genre_count + max(len(own_genres), 1) - overlap)
    terms = {
        Reason.SIMILAR: 0.7 * cosine,
        Reason.SAME_ARTIST: 0.15 * same_artist,
        Reason.GENRE: 0.25 * jaccard,
        Reason.POPULAR: 0.05 * index.popularity,
    }
    scores = sum(terms.values(), np.zeros(n, dtype=np.float32))
    scores[pos] = -np.inf
    source = index.records[pos]
    ranked = []
    for i in top_k_capped(scores, limit, index.artist_of, weights.max_per_artist):
        code = max(terms, key=lambda r: float(terms[r][i]))
        shared = next((g for g in index.records[i].genres if g in own_genres), None)
        reason = {
            Reason.SIMILAR: f"sounds like {source.title}",
            Reason.SAME_ARTIST: f"more from {source.artist_name}",
            Reason.GENRE: f"also {shared}" if shared else "shares its genres",
            Reason.POPULAR: "popular now",
        }[code]
        ranked.append(Ranked(i, float(scores[i]), code, reason))
    return ranked
