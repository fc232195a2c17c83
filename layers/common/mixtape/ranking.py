"""Ranking: score every catalog item with numpy -> filter -> cap per artist -> explain.

Score = learned model (ALS fold-in + EASE neighbours, minus a popularity debias) + taste-vector cosine
+ artist affinity + genre affinity + popularity prior, each weighted by configuration. The two model
parts are each scaled by their largest magnitude for this listener so their weights stay comparable.
Affinities are normalised by the listener's strongest one, so time decay (a common factor) never
changes the order, and weights stay comparable across listeners.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from mixtape.catalog_index import CatalogIndex, FloatArray
from mixtape.config import RankingWeights
from mixtape.model.aligned import AlignedModel
from mixtape.models.profile import Profile
from mixtape.topk import top_k

EXPLAIN_FROM_TOP_ITEMS = 5
FRESHNESS_TIE_BREAK = 1e-3  # orders a catalog nobody has played yet by release date, nothing more


class Reason(StrEnum):
    ARTIST = "artist_affinity"
    GENRE = "genre_affinity"
    SIMILAR = "similar_to_item"
    LISTENERS = "listeners_also_play"
    POPULAR = "popular"
    NEW_RELEASE = "new_release"
    SAME_ARTIST = "same_artist"


@dataclass(frozen=True, slots=True)
class Ranked:
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


def top_k_capped(scores: FloatArray, k: int, artist_of: npt.NDArray[np.int32], cap: int) -> list[int]:
    """Indexes of the k best finite scores, at most `cap` per artist. Takes an exact top-`pool` (sampled
    threshold, no sort or argpartition of the catalog) and widens it only when the cap rejected too many."""
    valid = int(np.isfinite(scores).sum())
    want = min(k, valid)
    pool = min(valid, max(4 * k, 32))
    while True:
        chosen: list[int] = []
        per_artist: dict[int, int] = {}
        for idx in top_k(scores, pool).tolist():
            artist = int(artist_of[idx])
            if per_artist.get(artist, 0) >= cap:
                continue
            per_artist[artist] = per_artist.get(artist, 0) + 1
            chosen.append(idx)
            if len(chosen) == want:
                return chosen
        if pool >= valid:
            return chosen
        pool = min(valid, pool * 4)


EMPTY_POSITIONS = np.empty(0, dtype=np.int32)


def _apply_filters(
    scores: FloatArray,
    index: CatalogIndex,
    profile: Profile | None,
    exclude_explicit: bool,
    genre: str | None,
) -> FloatArray:
    """Set everything the listener must not get to -inf: known items, explicit ones on request, and
    (with a genre filter) everything outside the genre. Positions only: no catalog-wide mask."""
    if genre is not None:
        members = index.genre_members.get(genre.lower(), EMPTY_POSITIONS)
        kept = np.full(len(index), -np.inf, dtype=np.float32)
        kept[members] = scores[members]
        scores = kept
    if exclude_explicit:
        scores[index.explicit_positions] = -np.inf
    if profile is not None:
        known = [p for i in profile.known_items() if (p := index.position.get(i)) is not None]
        scores[known] = -np.inf
    return scores


def _cold_start(
    index: CatalogIndex,
    weights: RankingWeights,
    profile: Profile | None,
    exclude_explicit: bool,
    genre: str | None,
    limit: int,
) -> list[Ranked]:
    scores = weights.popularity * index.popularity + FRESHNESS_TIE_BREAK * index.freshness
    scores = _apply_filters(scores, index, profile, exclude_explicit, genre)
    return [
        Ranked(i, float(scores[i]), Reason.POPULAR, "popular now")
        if index.popularity[i] > 0
        else Ranked(i, float(scores[i]), Reason.NEW_RELEASE, "new release")
        for i in top_k_capped(scores, limit, index.artist_of, weights.max_per_artist)
    ]


class _Terms:
    """A listener's score terms. `total()` sums them into one float32 buffer (one matrix-vector product
    plus sparse updates: no per-term catalog-sized arrays); `at(i)` recomputes each term for one item,
    which only the few returned items need (to say why they were chosen)."""

    def __init__(
        self,
        profile: Profile,
        index: CatalogIndex,
        weights: RankingWeights,
        model: AlignedModel | None,
        half_life_ms: float,
    ) -> None:
        self.index, self.weights, self.model = index, weights, model
        self.artist_affinity = {
            index.artist_position[a]: v
            for a, v in _normalised(profile.artists).items()
            if a in index.artist_position
        }
        self.genre_affinity = _normalised(profile.genres)
        taste = profile.taste_vector()
        self.taste = taste if taste is not None and taste.shape[0] == index.embeddings.shape[1] else None
        self.vector = (
            model.user_vector(profile, half_life_ms) if model is not None and weights.factors else None
        )
        self.factor_scale = 0.0
        self.neighbor_positions = np.zeros(0, dtype=np.int64)  # sorted catalog positions
        self.neighbor_values = np.zeros(0, dtype=np.float32)
        if model is not None and weights.neighbors:
            positions, values = model.neighbor_contributions(profile.items)
            top = float(np.abs(values).max()) if len(values) else 0.0
            if top > 0:
                self.neighbor_positions = positions
                self.neighbor_values = values * np.float32(weights.neighbors / top)

    def total(self) -> FloatArray:
        index, weights, model = self.index, self.weights, self.model
        scores = np.empty(len(index), dtype=np.float32)
        if model is not None and self.vector is not None:
            np.matmul(model.factors, self.vector, out=scores)
            top = max(float(scores.max()), -float(scores.min())) if len(scores) else 0.0
            self.factor_scale = weights.factors / top if top > 0 else 0.0
            scores *= self.factor_scale
        else:
            scores.fill(0.0)
        if model is not None:  # the model carries popularity itself (and debiases it): no separate prior
            if weights.debias:
                scores -= model.debias(weights.debias)
            scores[self.neighbor_positions] += self.neighbor_values
        else:
            scores += weights.popularity * index.popularity
        if self.taste is not None and weights.taste:
            scores += weights.taste * (index.embeddings @ self.taste)
        # Sparse terms as one scatter-add each (members of several genres get several adds).
        genres = [
            (index.genre_members[g], v) for g, v in self.genre_affinity.items() if g in index.genre_members
        ]
        if genres and weights.genre:
            members = np.concatenate([m for m, _ in genres])
            values = np.repeat([v for _, v in genres], [len(m) for m, _ in genres]).astype(np.float32)
            scores += np.bincount(members, weights.genre * values / index.genre_count[members], len(scores))
        liked = [(index.artist_members[a], v) for a, v in self.artist_affinity.items() if v > 0]
        if liked and weights.artist:
            members = np.concatenate([m for m, _ in liked])  # an item has one artist: no repeats
            scores[members] += weights.artist * np.repeat([v for _, v in liked], [len(m) for m, _ in liked])
        for artist, value in self.artist_affinity.items():  # artists the listener turned against
            if value < 0:
                scores[index.artist_members[artist]] = -np.inf
        return scores

    def _neighbor_value(self, i: int) -> float:
        at = int(np.searchsorted(self.neighbor_positions, i))
        found = at < len(self.neighbor_positions) and self.neighbor_positions[at] == i
        return float(self.neighbor_values[at]) if found else 0.0

    def at(self, i: int) -> dict[Reason, float]:
        index, weights, model = self.index, self.weights, self.model
        genres = index.records[i].genres
        terms = {
            Reason.ARTIST: weights.artist * self.artist_affinity.get(int(index.artist_of[i]), 0.0),
            Reason.GENRE: weights.genre
            * sum(self.genre_affinity.get(g, 0.0) for g in genres)
            / index.genre_count[i],
            Reason.SIMILAR: weights.taste * float(index.embeddings[i] @ self.taste)
            if self.taste is not None
            else 0.0,
        }
        if model is None:
            terms[Reason.POPULAR] = weights.popularity * float(index.popularity[i])
        else:
            factor = (
                self.factor_scale * float(model.factors[i] @ self.vector) if self.vector is not None else 0.0
            )
            debias = float(model.debias(weights.debias)[i]) if weights.debias else 0.0
            terms[Reason.LISTENERS] = factor + self._neighbor_value(i) - debias
        return terms


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
) -> tuple[list[Ranked], bool]:
    """Top `limit` items for a listener and whether the cold-start (popularity) list was served."""
    if len(index) == 0:
        return [], True
    if profile is None or not profile.has_positive_signal():
        return _cold_start(index, weights, profile, exclude_explicit, genre, limit), True

    terms = _Terms(profile, index, weights, model, half_life_ms)
    scores = _apply_filters(terms.total(), index, profile, exclude_explicit, genre)
    chosen = top_k_capped(scores, limit, index.artist_of, weights.max_per_artist)
    liked = _liked_positions(profile, index)
    anchors = _Anchors(
        _first_usable(liked, index.has_embedding),
        _first_usable(liked, model.known) if model is not None else [],
        model.factors if model is not None else None,
    )
    ranked = []
    for i in chosen:
        parts = terms.at(i)
        code = max(parts, key=lambda r: parts[r])
        reason = _explain(code, i, index, terms.genre_affinity, anchors)
        ranked.append(Ranked(i, float(scores[i]), code, reason))
    return ranked, False


def _liked_positions(profile: Profile, index: CatalogIndex) -> list[int]:
    """Catalog positions of the listener's liked items, strongest first."""
    liked = sorted(((v, k) for k, v in profile.items.items() if v > 0), reverse=True)
    return [p for _, item_id in liked if (p := index.position.get(item_id)) is not None]


def _first_usable(liked: list[int], usable: npt.NDArray[np.bool_]) -> list[int]:
    """The strongest liked items with a vector: what "similar to ..." can point at."""
    return [p for p in liked if usable[p]][:EXPLAIN_FROM_TOP_ITEMS]


@dataclass(frozen=True, slots=True)
class _Anchors:
    by_embedding: list[int]
    by_factors: list[int]
    factors: FloatArray | None

    def closest(self, pos: int, index: CatalogIndex, code: Reason) -> int | None:
        if code is Reason.LISTENERS and self.by_factors and self.factors is not None:
            return self.by_factors[int(np.argmax(self.factors[self.by_factors] @ self.factors[pos]))]
        if code is Reason.SIMILAR and self.by_embedding:
            return self.by_embedding[
                int(np.argmax(index.embeddings[self.by_embedding] @ index.embeddings[pos]))
            ]
        return None


def _explain(
    code: Reason, pos: int, index: CatalogIndex, genre_affinity: Mapping[str, float], anchors: _Anchors
) -> str:
    record = index.records[pos]
    if code is Reason.ARTIST:
        return f"because you listen to {record.artist_name}"
    if code is Reason.GENRE and record.genres:
        genre = max(record.genres, key=lambda g: genre_affinity.get(g, 0.0))
        return f"because you like {genre}"
    best = anchors.closest(pos, index, code)
    if best is None:
        return "listeners with your taste play this" if code is Reason.LISTENERS else "popular now"
    anchor = index.records[best]
    if anchor.artist_id == record.artist_id:  # "more of that artist" reads better than "similar to"
        return f"because you listen to {record.artist_name}"
    if code is Reason.LISTENERS:
        return f"listeners of {anchor.artist_name} also play this"
    return f"similar to {anchor.title} by {anchor.artist_name}"


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
