"""A profile's item ids resolved to catalog positions once per request: what the filters exclude, whose
EASE rows are read, and which liked items the reasons point at.

"Already heard", defined once: the positions of `known_items()` (and muted items) score -inf in every
list, and, once a size cap has cut those tables (`Profile.known_complete` false), the top-k also drops
each candidate the listener's heard filter holds (`HeardCheck`, mixtape.ranking.diversity.top_k_capped):
a test of the few candidates, never of the catalog."""

from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt

from mixtape.catalog.index import CatalogIndex
from mixtape.models.heard import BoolArray, HashPairs, HeardFilter
from mixtape.models.profile import Profile

EXPLAIN_FROM_TOP_ITEMS = 5

Positions = npt.NDArray[np.int64]
NO_POSITIONS: Positions = np.empty(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class HeardCheck:
    """Whether candidates (catalog positions) may have been heard by a listener (a blend: by any member)
    whose heard items the capped tables no longer all name."""

    filters: tuple[HeardFilter, ...]
    hashes: HashPairs  # the catalog's (CatalogIndex.heard_hashes)

    def __call__(self, positions: Positions) -> BoolArray:
        pairs = self.hashes[positions]
        held = np.zeros(len(positions), dtype=np.bool_)
        for heard in self.filters:
            held |= heard.contains(pairs)
        return held

    @staticmethod
    def of_any(checks: "list[HeardCheck | None]") -> "HeardCheck | None":
        """One check for what any of them holds (None: none to make)."""
        found = [c for c in checks if c is not None]
        if not found:
            return None
        return HeardCheck(tuple(f for c in found for f in c.filters), found[0].hashes)


def heard_check(profile: Profile | None, index: CatalogIndex) -> HeardCheck | None:
    """The candidate test beyond `known_positions`, needed only once a cap cut the known tables (a profile
    without a filter yet: `known_items()` is all that is known)."""
    if profile is None or profile.heard is None or profile.known_complete:
        return None
    return HeardCheck((profile.heard,), index.heard_hashes)


@dataclass(frozen=True, slots=True)
class Listener:
    liked: Positions  # positions of the items with positive weight, in profile order
    liked_values: npt.NDArray[np.float64]
    ids: list[str]  # the profile's item ids, in profile order
    liked_missing: list[str]  # liked ids the catalog no longer holds (the model may still know them)
    liked_missing_values: npt.NDArray[np.float64]
    liked_at: Positions  # where each liked item (catalog ones, then missing ones) sits in the profile
    known: Positions  # everything the listener has interacted with or muted (never recommended)...
    heard: HeardCheck | None  # ... and, once the tables were cut, the candidates their filter holds

    @classmethod
    def resolve(cls, profile: Profile, index: CatalogIndex) -> "Listener":
        ids = list(profile.items)
        count = len(ids)
        everything = list(chain(ids, (r.item_id for r in profile.recent), profile.disliked))
        positions = index.ids.find(everything)
        values = np.fromiter(profile.items.values(), dtype=np.float64, count=count)
        found = positions[:count] >= 0
        positive = values > 0
        liked = np.flatnonzero(positive & found)
        missing = np.flatnonzero(positive & ~found)
        known = np.concatenate((positions[positions >= 0], muted_positions(profile, index)))
        return cls(
            liked=positions[liked],
            liked_values=values[liked],
            ids=ids,
            liked_missing=[ids[j] for j in missing.tolist()],
            liked_missing_values=values[missing],
            liked_at=np.concatenate((liked, missing)),
            known=known,
            heard=heard_check(profile, index),
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
        # sorting the id strings alone: a C-speed sort rather than a heap of (id, position) tuples.
        tied = keep[values == kth]
        ids = [self.ids[j] for j in self.liked_at[tied].tolist()]
        best = sorted(ids, reverse=True)[: EXPLAIN_FROM_TOP_ITEMS - len(above)]
        positions = self.liked[tied].tolist()
        return [p for _, _, p in above] + [positions[ids.index(i)] for i in best]  # ids are unique

    def _named(self, keep: npt.NDArray[np.intp]) -> list[tuple[float, str, int]]:
        """(weight, item id, catalog position) of the given liked items."""
        ids = [self.ids[j] for j in self.liked_at[keep].tolist()]
        return list(zip(self.liked_values[keep].tolist(), ids, self.liked[keep].tolist(), strict=True))


def known_positions(profile: Profile | None, index: CatalogIndex) -> Positions:
    """Catalog positions of everything a listener without usable history interacted with."""
    if profile is None:
        return NO_POSITIONS
    positions = index.ids.find(list(profile.known_items()))
    return np.concatenate((positions[positions >= 0], muted_positions(profile, index)))


def muted_positions(profile: Profile, index: CatalogIndex) -> Positions:
    """Catalog positions of the items of the listener's muted artists and genres (never recommended: they
    are excluded wherever known items are). A muted genre can be a large share of the catalog: one
    array of its members, read once per request."""
    muted = profile.preferences
    if muted is None or not (muted.muted_artists or muted.muted_genres):
        return NO_POSITIONS
    start, items = index.artist_start, index.artist_items
    artists = [a for a in map(index.artist_position.get, muted.muted_artists) if a is not None]
    parts = [items[start[a] : start[a + 1]] for a in artists]
    parts += [index.genre_members[g] for g in muted.muted_genres if g in index.genre_members]
    return np.concatenate(parts).astype(np.int64) if parts else NO_POSITIONS
