"""Onboarding seeds: a listener without history gets the cold-start list tilted towards the artists and
genres they picked (PUT .../preferences). Once the profile has a positive signal, seeds are not used:
real history ranks instead.

Seed terms use the deployment's artist and genre weights, as affinities of 1 would: a seed artist's item
gets `artist`, an item gets `genre` times the share of its genres that are seeds. Its reason then names
the seed ("because you picked X"), which is true of the listener's own choice.
"""

from dataclasses import dataclass
from typing import Self

import numpy as np

from mixtape.catalog.index import CatalogIndex, FloatArray
from mixtape.config import RankingWeights
from mixtape.models.profile import Profile
from mixtape.models.reason import Reason, ReasonCode
from mixtape.ranking.explain import non_personal
from mixtape.ranking.listener import Positions

FRESHNESS_TIE_BREAK = 1e-3  # orders a catalog nobody has played yet by release date, nothing more


@dataclass(frozen=True, slots=True)
class Seeds:
    artists: frozenset[int]  # artist indexes of the catalog
    genres: tuple[str, ...]  # seed genres the catalog has

    @classmethod
    def of(cls, profile: Profile | None, index: CatalogIndex) -> Self | None:
        """The profile's seeds the catalog knows; None without any."""
        chosen = profile.preferences if profile is not None else None
        if chosen is None:
            return None
        artists = frozenset(a for a in map(index.artist_position.get, chosen.seed_artists) if a is not None)
        genres = tuple(g for g in chosen.seed_genres if g in index.genre_members)
        return cls(artists, genres) if artists or genres else None

    def add_to(self, scores: FloatArray, index: CatalogIndex, weights: RankingWeights) -> None:
        """Every catalog item's seed terms added to `scores`."""
        for a in self.artists:
            scores[index.artist_items[index.artist_start[a] : index.artist_start[a + 1]]] += weights.artist
        for genre in self.genres:
            members = index.genre_members[genre]
            scores[members] += weights.genre / index.genre_count[members]

    def reason(self, index: CatalogIndex, position: int) -> Reason:
        if int(index.artist_of[position]) in self.artists:
            return Reason.of(ReasonCode.SEED, name=index.records[position].artist_name)
        genre = next((g for g in index.records[position].genres if g in self.genres), None)
        return Reason.of(ReasonCode.SEED, name=genre) if genre else non_personal(index, position)


def cold_scores(
    profile: Profile | None, index: CatalogIndex, weights: RankingWeights, positions: Positions
) -> tuple[FloatArray, list[Reason]]:
    """The cold-start list's scores and reasons for the given items only (rerank, blend of a new listener):
    popularity, the freshness tie-break, seeds."""
    scores = (
        index.popularity[positions] * np.float32(weights.popularity)
        + index.freshness[positions] * np.float32(FRESHNESS_TIE_BREAK)
    ).astype(np.float32)
    seeds = Seeds.of(profile, index)
    if seeds is None:
        return scores, [non_personal(index, p) for p in positions.tolist()]
    for j, p in enumerate(positions.tolist()):
        record = index.records[p]
        if int(index.artist_of[p]) in seeds.artists:
            scores[j] += weights.artist
        shared = sum(1 for g in record.genres if g in seeds.genres)
        scores[j] += weights.genre * shared / float(index.genre_count[p])
    return scores, [seeds.reason(index, p) for p in positions.tolist()]
