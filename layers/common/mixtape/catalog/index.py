"""The catalog as numpy arrays in the function's memory, built once per container and rebuilt when the
catalog version changes (checked at most every few seconds); when only its popularity grew stale, the
popularity alone is read again (`PopularityReader`) where the store can."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from mixtape.catalog import popularity
from mixtape.catalog.trending import TrendingIndex
from mixtape.config import TrendingSettings
from mixtape.models.catalog import CatalogRecord, PopularityEntries, items_digest
from mixtape.models.heard import HashPairs, item_hashes

FloatArray = npt.NDArray[np.float32]
_ITEM_ID, _ARTIST_ID, _ARTIST_NAME, _GENRES, _EXPLICIT, _RELEASE_DATE, _EMBEDDING, _POPULARITY = map(
    attrgetter,
    ("item_id", "artist_id", "artist_name", "genres", "explicit", "release_date", "embedding", "popularity"),
)
_TREND = attrgetter("trend")
EPOCH_DATE = date(1970, 1, 1)
IntArray = npt.NDArray[np.int32]


class IdLookup:
    """Item id -> catalog position for many ids at once, without a Python dict lookup per id.

    A dict lookup chases dependent pointers (slot, entry, key string), each a cache miss once the
    request's matrix-vector product has streamed the factors through the cache. Here the ids' 64-bit
    string hashes (Python's `hash`, SipHash) sit in buckets of 8 (one cache line of hashes, half full on
    average) in numpy arrays, so a profile's ids are one vectorised gather whose misses overlap, plus a
    rare second round for overflowed buckets. Ids are matched by hash alone (a false match needs a 64-bit
    collision with an id outside the catalog: negligible); a catalog whose own ids collide uses the dict.
    """

    BUCKET = 8

    def __init__(self, position: dict[str, int]) -> None:
        self._position = position
        n = len(position)
        hashes = np.fromiter(map(hash, position), dtype=np.int64, count=n)
        buckets = 1 << max(2, (n // (self.BUCKET // 2)).bit_length())  # ~half full
        self._mask = buckets - 1
        self._hashes = np.zeros((buckets, self.BUCKET), dtype=np.int64)
        self._positions = np.full((buckets, self.BUCKET), -1, dtype=np.int32)
        self._full = np.zeros(buckets, dtype=np.bool_)
        ordered = np.sort(hashes)  # not np.unique: its first call imports numpy.ma, a cold-start cost
        self._exact = not bool(np.any(ordered[1:] == ordered[:-1]))
        if not self._exact:
            return
        fill = np.zeros(buckets, dtype=np.int64)
        pending = np.fromiter(position.values(), dtype=np.int64, count=n)
        target = hashes & self._mask
        while len(pending):  # an item that finds its bucket full moves on to the next bucket
            order = np.argsort(target, kind="stable")
            pending, hashes, target = pending[order], hashes[order], target[order]
            starts = np.flatnonzero(np.r_[True, target[1:] != target[:-1]])
            rank = np.arange(len(target)) - np.repeat(starts, np.diff(np.r_[starts, len(target)]))
            slot = fill[target] + rank
            ok = slot < self.BUCKET
            self._hashes[target[ok], slot[ok]] = hashes[ok]
            self._positions[target[ok], slot[ok]] = pending[ok]
            fill += np.bincount(target[ok], minlength=buckets)
            late = ~ok
            pending, hashes, target = pending[late], hashes[late], (target[late] + 1) & self._mask
        self._full = fill >= self.BUCKET

    def same_ids(self, other: "IdLookup") -> bool:
        """The same ids at the same positions, compared as the tables `find` probes (so, like `find`, up to
        a 64-bit hash collision): two array comparisons instead of a dict walk over every id."""
        if not (self._exact and other._exact):
            return self._position == other._position
        return bool(
            np.array_equal(self._hashes, other._hashes) and np.array_equal(self._positions, other._positions)
        )

    def find(self, ids: Sequence[str]) -> npt.NDArray[np.int64]:
        """Catalog position of each id, -1 when absent."""
        if not self._exact:
            return np.fromiter(map(self._position.get, ids, repeat(-1)), dtype=np.int64, count=len(ids))
        hashes = np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids))
        todo = np.arange(len(ids))
        target = hashes & self._mask
        found = np.full(len(ids), -1, dtype=np.int64)
        while len(todo):
            # np.take copies whole rows; self._hashes[target] goes through fancy indexing's general path.
            buckets = np.take(self._hashes, target, axis=0)
            # The first equal slot of each bucket (slot 0 when none is), checked with one 1-D gather:
            # cheaper than reducing the (ids, 8) comparison twice (any, then argmax).
            column = (buckets == hashes[:, None]).argmax(axis=1)
            hit = buckets.ravel()[column + np.arange(0, self.BUCKET * len(todo), self.BUCKET)] == hashes
            found[todo[hit]] = self._positions.ravel()[(target * self.BUCKET + column)[hit]]
            more = ~hit & self._full[target]  # a full bucket may have pushed the id on to the next one
            todo, hashes, target = todo[more], hashes[more], (target[more] + 1) & self._mask
        return found


@dataclass(frozen=True)
class CatalogIndex:
    version: int
    records: Sequence[CatalogRecord]
    position: dict[str, int]
    artist_ids: Sequence[str]
    artist_names: Sequence[str]
    artist_position: dict[str, int]
    artist_of: IntArray  # (n,) artist index of each item
    genre_members: dict[str, IntArray]  # genre -> item indexes
    explicit_positions: IntArray
    genre_count: FloatArray  # (n,) number of genres of each item, at least 1
    explicit: npt.NDArray[np.bool_]
    embeddings: FloatArray  # (n, d) unit rows; zero rows for items without an embedding
    has_embedding: npt.NDArray[np.bool_]
    popularity: FloatArray  # (n,) log-scaled decayed play count in [0, 1]
    freshness: FloatArray  # (n,) release recency in [0, 1]: breaks ties when nothing is popular yet
    release_day: FloatArray  # (n,) days from 1970-01-01 to the release, -inf without a date (never fresh)
    # Each item's genre list as one "genre set" id, so a listener's genre term is one small per-request
    # table (one value per distinct genre list) gathered by `genre_set_of`, not a scatter per genre.
    genre_set_of: IntArray  # (n,) genre set of each item, ascending (items grouped by set)
    genre_set_items: npt.NDArray[np.intp]  # (n_sets,) items in each set: np.repeat(table, this) is per item
    genre_set_size: FloatArray  # (n_sets,) genres in the set (with repeats), at least 1
    genre_sets_of_genre: dict[str, IntArray]  # genre -> the sets holding it (once per occurrence)
    # Items grouped by artist (CSR): artist a's items are artist_items[artist_start[a]:artist_start[a + 1]].
    artist_start: npt.NDArray[np.int64]
    artist_items: IntArray
    ids: IdLookup  # item id -> position, many at once
    artist_lookup: IdLookup  # artist id -> artist index, many at once
    # (n, 2) each item's hash pair for the listeners' heard filters (mixtape.models.heard): hashed once
    # per catalog, so a request tests its candidates with gathers, never hashing an id.
    heard_hashes: HashPairs
    _scratch: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    trending: TrendingIndex | None = None  # `GET /v1/trending`'s windows, as of the build or reload

    def __len__(self) -> int:
        return len(self.records)

    @property
    def items_digest(self) -> str:
        # Kept with the per-index objects, which `with_popularity` shares (same items, same order): a
        # popularity-only reload does not hash every id again.
        return self.scratch("items_digest", lambda: items_digest([r.item_id for r in self.records]))

    def with_popularity(
        self,
        entries: PopularityEntries,
        now_ms: int,
        popularity_half_life_ms: float,
        trending: TrendingSettings | None = None,
    ) -> "CatalogIndex":
        """This index with popularity (and freshness) as of `now_ms`, from entries of its own positions:
        the same items, lookups and per-index buffers, two new arrays: a reload for fresh popularity
        without decoding and indexing the catalog again."""
        raw = popularity.scores_of_entries(
            entries.items, entries.epochs, entries.values, len(self), now_ms, popularity_half_life_ms
        )
        trend = self.trending
        if trend is not None:  # counters as the source has them now, else the held ones, windows moved on
            hours = entries.hours if entries.hours is not None else trend.hours
            days = entries.days if entries.days is not None else trend.days
            trend = TrendingIndex.build(hours, days, len(self), now_ms, trending or TrendingSettings())
        return replace(
            self,
            popularity=_scaled_popularity(raw),
            freshness=_freshness(self.release_day, now_ms),
            _scratch=self._scratch,
            trending=trend,
        )

    def same_items(self, other: "CatalogIndex") -> bool:
        """The same catalog version with the same item at every position: a reload that only moved
        popularity and freshness, so what depends on the items alone (an aligned model, its IVF index)
        carries over."""
        return (
            self.version == other.version
            and len(self) == len(other)
            and (self.ids is other.ids or self.ids.same_ids(other.ids))  # shared by `with_popularity`
        )

    def scratch[T](self, name: str, build: Callable[[], T], valid: Callable[[T], bool] = lambda _: True) -> T:
        """A per-index object built on first use (preallocated buffers sized to this catalog), and again
        whenever `valid` rejects the one kept."""
        found = self._scratch.get(name)
        if found is None or not valid(found):
            found = self._scratch[name] = build()
        return found

    @classmethod
    def build(
        cls,
        version: int,
        records: Sequence[CatalogRecord],
        dim: int,
        now_ms: int,
        popularity_half_life_ms: float,
        trending: TrendingSettings | None = None,
    ) -> "CatalogIndex":
        # Column-wise, without numpy item assignment per record: one pass per column, at C speed where
        # Python allows (dict.fromkeys keeps first-seen order, np.fromiter and dict(zip()) consume `map`
        # directly, a field is read with `attrgetter`: a named tuple's fields are slower to read in a loop).
        n = len(records)
        backwards = records[::-1]  # the first record's artist name wins: written last
        first_names = dict(zip(map(_ARTIST_ID, backwards), map(_ARTIST_NAME, backwards), strict=True))
        genre_lists = list(map(_GENRES, records))
        set_ids = {genres: i for i, genres in enumerate(dict.fromkeys(genre_lists))}
        genre_set_of = np.fromiter(map(set_ids.__getitem__, genre_lists), dtype=np.int32, count=n)
        # Positions grouped by genre set (stable): a listener's genre term over the catalog is then one
        # sequential np.repeat of its per-set table, not a random gather by each item's set id. Snapshots
        # are written in this order (`genre_grouped`): each pass below then reads the records in the order
        # they were made, walking memory forward instead of hopping between records all over the heap.
        order = np.argsort(genre_set_of, kind="stable")
        records = list(map(records.__getitem__, order.tolist()))
        genre_lists = list(map(genre_lists.__getitem__, order.tolist()))
        genre_set_of = genre_set_of[order]
        artist_keys = list(map(_ARTIST_ID, records))
        artist_position = {a: i for i, a in enumerate(dict.fromkeys(artist_keys))}
        artist_names = [first_names[a] for a in artist_position]
        artist_of = np.fromiter(map(artist_position.__getitem__, artist_keys), dtype=np.int32, count=n)
        members = _genre_members(genre_lists)
        has_embedding = np.fromiter(
            (v is not None and v.shape == (dim,) for v in map(_EMBEDDING, records)),
            dtype=np.bool_,
            count=n,
        )
        embeddings = _embeddings(records, has_embedding, dim)
        raw_popularity = popularity.scores(list(map(_POPULARITY, records)), now_ms, popularity_half_life_ms)
        release_day = _release_days(records)
        sets_of_genre: dict[str, list[int]] = defaultdict(list)
        for genres, set_id in set_ids.items():
            for genre in genres:
                sets_of_genre[genre].append(set_id)
        artist_items = np.argsort(artist_of, kind="stable").astype(np.int32)
        artist_start = np.zeros(len(artist_names) + 1, dtype=np.int64)
        np.cumsum(np.bincount(artist_of, minlength=len(artist_names)), out=artist_start[1:])
        position = dict(zip(map(_ITEM_ID, records), range(n), strict=True))
        explicit = np.fromiter(map(_EXPLICIT, records), dtype=np.bool_, count=n)
        return cls(
            version=version,
            records=records,
            position=position,
            artist_ids=list(artist_position),
            artist_names=artist_names,
            artist_position=artist_position,
            artist_of=artist_of,
            genre_members=members,
            explicit_positions=np.flatnonzero(explicit).astype(np.int32),
            genre_count=np.maximum(np.fromiter(map(len, genre_lists), dtype=np.float32, count=n), 1.0),
            explicit=explicit,
            embeddings=embeddings,
            has_embedding=has_embedding,
            popularity=_scaled_popularity(raw_popularity),
            freshness=_freshness(release_day, now_ms),
            release_day=release_day,
            genre_set_of=genre_set_of,
            genre_set_items=np.bincount(genre_set_of, minlength=len(set_ids)),
            genre_set_size=np.maximum(np.array([len(g) for g in set_ids], dtype=np.float32), 1.0),
            genre_sets_of_genre={g: np.asarray(s, dtype=np.int32) for g, s in sets_of_genre.items()},
            artist_start=artist_start,
            artist_items=artist_items,
            ids=IdLookup(position),
            artist_lookup=IdLookup(artist_position),
            heard_hashes=item_hashes(list(position)),
            trending=TrendingIndex.of_records(
                list(map(_TREND, records)), now_ms, trending or TrendingSettings()
            ),
        )


def _genre_members(genre_lists: Sequence[tuple[str, ...]]) -> dict[str, IntArray]:
    """genre -> positions of the items that have it, ascending (an item listing a genre twice, twice)."""
    lengths = np.fromiter(map(len, genre_lists), dtype=np.int64, count=len(genre_lists))
    flat = list(chain.from_iterable(genre_lists))
    genre_index = {g: i for i, g in enumerate(dict.fromkeys(flat))}
    if not genre_index:
        return {}
    of_entry = np.fromiter(map(genre_index.__getitem__, flat), dtype=np.int64, count=len(flat))
    item_of_entry = np.repeat(np.arange(len(genre_lists), dtype=np.int32), lengths)
    order = np.argsort(of_entry, kind="stable")  # by genre, items ascending within each
    bounds = np.cumsum(np.bincount(of_entry, minlength=len(genre_index)))
    return dict(zip(genre_index, np.split(item_of_entry[order], bounds[:-1]), strict=True))


def _embeddings(records: Sequence[CatalogRecord], present: npt.NDArray[np.bool_], dim: int) -> FloatArray:
    """The (n, dim) float32 matrix of the items' embeddings, zero rows where an item has none. One
    concatenation of the vectors (np.stack would first add an axis to each, a view per vector)."""
    n = len(records)
    with_embedding = np.flatnonzero(present)
    vectors = [records[i].embedding for i in with_embedding.tolist()]
    if len(vectors) == n and n:
        return np.concatenate(vectors, dtype=np.float32).reshape(n, dim)
    embeddings = np.zeros((n, dim), dtype=np.float32)
    if vectors:
        embeddings[with_embedding] = np.concatenate(vectors).reshape(-1, dim)
    return embeddings


def _scaled_popularity(raw: npt.NDArray[np.float64]) -> FloatArray:
    """log1p of the decayed play counts, over the catalog's largest: [0, 1]."""
    scaled: npt.NDArray[np.float64] = np.log1p(np.maximum(raw, 0.0))
    top = float(scaled.max()) if len(scaled) else 0.0
    if top > 0:
        scaled /= top
    return scaled.astype(np.float32)


def _release_days(records: Sequence[CatalogRecord]) -> FloatArray:
    """Each item's release date as days from 1970-01-01, -inf without one. Each distinct date is parsed
    once (an album's tracks share theirs)."""
    dates = list(map(_RELEASE_DATE, records))
    day_of = {d: (date.fromisoformat(d) - EPOCH_DATE).days for d in set(dates) if d}
    return np.fromiter(map(day_of.get, dates, repeat(-np.inf)), dtype=np.float32, count=len(dates))


def _freshness(release_day: FloatArray, now_ms: int) -> FloatArray:
    """1 for a release today, halving every year; 0 without a release date."""
    days = now_ms / 86_400_000 - release_day.astype(np.float64)
    return np.exp2(-np.maximum(days, 0.0) / 365.0).astype(np.float32)
