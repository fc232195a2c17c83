"""A listener's score terms, each weighted by configuration.

Score = learned model (ALS fold-in + EASE neighbours, minus a popularity debias) + taste-vector cosine
+ artist affinity + genre affinity (+ a popularity prior while no model is live). The two model parts
are each scaled by a bound on their magnitude for this listener so their weights stay comparable.
Affinities are normalised by the listener's strongest one, so time decay (a common factor) never
changes the order, and weights stay comparable across listeners.

`Terms.total()` sums every term into the workspace's float32 score buffer (one matrix-vector product
plus sparse updates: no per-term catalog-sized arrays; sparse terms are scatters of the listener's few
thousand entries, the genre term one repeat of a per-request table of genre sets). `explain(chosen)`
recomputes each term for the chosen items only, as one (k, terms) matrix.
"""

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from mixtape.catalog.index import CatalogIndex, FloatArray
from mixtape.learning.aligned import AlignedModel
from mixtape.models.profile import Profile
from mixtape.models.reason import ReasonCode
from mixtape.ranking.listener import Listener, Positions
from mixtape.ranking.request import RankingSettings
from mixtape.ranking.workspace import Workspace
from mixtape.search.ivf import IvfIndex

NO_COLUMNS = np.empty(0, dtype=np.int32)
_NO_VALUES: FloatArray = np.empty(0, dtype=np.float32)
_NO_VALUES_64: npt.NDArray[np.float64] = np.empty(0, dtype=np.float64)


def normalised(values: Mapping[str, float]) -> dict[str, float]:
    """Scale so the strongest positive affinity is 1; negatives are clipped at -1."""
    top = max((v for v in values.values() if v > 0), default=0.0)
    if top <= 0:
        return {k: max(-1.0, v / abs(v)) for k, v in values.items() if v != 0}
    return {k: max(-1.0, v / top) for k, v in values.items()}


def csr_take(
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


class Terms:
    def __init__(
        self,
        profile: Profile,
        listener: Listener,
        index: CatalogIndex,
        model: AlignedModel | None,
        settings: RankingSettings,
        ws: Workspace,
        *,
        dense_ok: bool = True,
        daypart: Mapping[str, float] | None = None,
    ) -> None:
        weights = settings.weights
        self.index, self.weights, self.model, self.ws = index, weights, model, ws
        artists = normalised(profile.artists)
        self.artist_affinity = {
            a: v
            for a, v in zip(index.artist_lookup.find(list(artists)).tolist(), artists.values(), strict=True)
            if a >= 0
        }
        self.genre_affinity = normalised(profile.genres)
        # Time of day: the genre affinities of the request's daypart (mixtape.models.profile), added to the
        # genre term's table, so both paths and the reasons see them as genre affinity.
        self.daypart_affinity = normalised(daypart) if daypart and weights.daypart else {}
        self.genre_table = self._genre_table() if weights.genre or self.daypart_affinity else None
        taste = profile.taste_vector()
        self.taste = taste if taste is not None and taste.shape[0] == index.embeddings.shape[1] else None
        self.vector = (
            model.user_vector(profile, settings.half_life_ms)
            if model is not None and weights.factors
            else None
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
        # Set by explain(): the chosen items' terms, columns (artist, genre, taste, model or popularity).
        self.explained: npt.NDArray[np.float64] = np.zeros((0, 4), dtype=np.float64)
        # EASE: the listener's rows scatter-added into the workspace's zeroed accumulator. With many entries
        # for the catalog's size it is then used as a dense vector (two sequential passes); with few, only
        # the touched positions are (a gather-assign).
        self.neighbor_columns = NO_COLUMNS
        self.neighbor_sums = _NO_VALUES  # sparse mode: the sum at each column (duplicates share it)
        self.neighbor_dense = False
        self.neighbor_scale = np.float32(0.0)
        self.remainder: FloatArray | None = None  # the listener's sum of remainder rows, times the scale
        if model is not None and weights.neighbors:
            self._accumulate_neighbors(model, listener, dense_ok)

    def _accumulate_neighbors(self, model: AlignedModel, listener: Listener, dense_ok: bool) -> None:
        sources = listener.strongest_liked(self.weights.max_neighbor_rows)
        rows = model.liked_rows(*sources)
        columns, values = model.neighbor_entries(rows)
        if not len(columns):
            return
        self.neighbor_columns = columns
        accumulated = self.ws.accumulate(columns, values)
        n = len(self.index)
        self.neighbor_dense = dense_ok and self.ws.is_dense(len(columns))
        if self.neighbor_dense:
            top = float(np.abs(accumulated[:n]).max(initial=0.0))
        else:
            self.neighbor_sums = accumulated[columns]
            top = float(np.abs(self.neighbor_sums).max(initial=0.0))
        if top > 0:
            self.neighbor_scale = np.float32(self.weights.neighbors / top)
            if self.neighbor_dense:  # scaled now, while in cache (the factor pass evicts it)
                accumulated[:n] *= self.neighbor_scale
            if model.remainder_left is not None and self.weights.remainder:
                summed = model.remainder_left[rows].sum(axis=0, dtype=np.float64)
                scale = float(self.neighbor_scale) * self.weights.remainder
                self.remainder = (summed * scale).astype(np.float32)

    def _genre_table(self) -> FloatArray | None:
        """weight · (sum of the listener's affinities over a genre set's genres) / set size, per set, plus
        the same of the daypart's affinities with the daypart weight."""
        index = self.index
        table = self._genre_sums(self.genre_affinity, self.weights.genre)
        timed = self._genre_sums(self.daypart_affinity, self.weights.daypart)
        if table is None or timed is None:
            table = table if timed is None else timed
        else:
            table += timed
        if table is None:
            return None
        table /= index.genre_set_size
        return table.astype(np.float32)

    def _genre_sums(self, affinity: Mapping[str, float], weight: float) -> npt.NDArray[np.float64] | None:
        """weight · the sum of `affinity` over each genre set's genres."""
        index = self.index
        found = [
            (sets, value)
            for g, value in affinity.items()
            if (sets := index.genre_sets_of_genre.get(g)) is not None
        ]
        if not found or not weight:
            return None
        sets = np.concatenate([s for s, _ in found])
        values = np.repeat([v for _, v in found], [len(s) for s, _ in found])
        # A set lists a genre once per occurrence in the item; one scatter-add for all the genres.
        table = np.asarray(np.bincount(sets, weights=values, minlength=len(index.genre_set_size)), np.float64)
        table *= weight
        return table

    def total(self) -> FloatArray:
        """Every term summed into the score buffer."""
        index, weights, model, ws = self.index, self.weights, self.model, self.ws
        scores, spare = ws.scores, ws.spare
        # The artist terms' positions and values first, while the affinities are cached (the factor pass
        # evicts them); an item has one artist: no repeated positions.
        liked = [(a, v) for a, v in self.artist_affinity.items() if v > 0]
        boosted, boost = NO_COLUMNS, _NO_VALUES_64
        if liked and weights.artist:
            boosted, lengths = csr_take(
                index.artist_start, index.artist_items, np.array([a for a, _ in liked], dtype=np.int64)
            )
            boost = weights.artist * np.repeat([v for _, v in liked], lengths)
        against = [a for a, v in self.artist_affinity.items() if v < 0]  # artists the listener turned against
        if against:
            blocked, _ = csr_take(index.artist_start, index.artist_items, np.array(against, dtype=np.int64))
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
        stays in cache while debias and sums are applied was measured no faster.)"""
        weights, ws = self.weights, self.ws
        if self.scaled_vector is not None:
            np.matmul(model.factors, self.scaled_vector, out=scores)
        else:
            scores.fill(0.0)
        if weights.debias or weights.debias_exposure:
            scores -= model.debias(weights.debias, weights.debias_exposure)
        if self.neighbor_scale and self.neighbor_dense:  # scaled in place by __init__
            scores += ws.neighbors[: len(scores)]
        elif self.neighbor_scale:  # duplicate columns all write the same value: a safe gather-assign
            ws.padded[self.neighbor_columns] += self.neighbor_sums * self.neighbor_scale
        if self.remainder is not None and model.remainder_right is not None:
            np.matmul(model.remainder_right, self.remainder, out=ws.spare)
            scores += ws.spare

    def remainder_at(self, positions: Positions) -> FloatArray | None:
        """The scaled EASE remainder at `positions` only (None when the listener has none): what the
        explanation and the approximate path's candidates add."""
        right = self.model.remainder_right if self.model is not None else None
        if self.remainder is None or right is None:
            return None
        return np.asarray(right[positions] @ self.remainder, dtype=np.float32)

    def explain(self, chosen: Positions, ivf: IvfIndex | None = None) -> list[ReasonCode]:
        """The strongest term of each chosen item (first of equals, in the order of `codes` below).
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
            last = ReasonCode.POPULAR
        else:
            if self.scaled_vector is not None:
                # The same float32 rows either way; a row of the column-major matrix costs one cache miss
                # per element when the matrix is not cached, a row of the IVF copy one per row.
                self.chosen_factors = (
                    model.factors[chosen] if ivf is None else ivf.list_vectors(ivf.list_slots(chosen))
                )  # kept for the reasons' anchors
                terms[:, 3] = self.chosen_factors @ self.scaled_vector
            if self.neighbor_scale:  # dense mode scaled the accumulator in place
                scale = np.float32(1.0) if self.neighbor_dense else self.neighbor_scale
                terms[:, 3] += self.ws.neighbors[chosen] * scale
            if (remainder := self.remainder_at(chosen)) is not None:
                terms[:, 3] += remainder
            if weights.debias or weights.debias_exposure:
                terms[:, 3] -= model.debias(weights.debias, weights.debias_exposure)[chosen]
            last = ReasonCode.LISTENERS
        self.explained = terms  # what mixtape.ranking.explain words the reasons from
        codes = (ReasonCode.ARTIST, ReasonCode.GENRE, ReasonCode.SIMILAR, last)
        return [codes[c] for c in np.argmax(terms, axis=1).tolist()]
