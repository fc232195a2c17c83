"""The catalog as numpy arrays in the function's memory, built once per container and rebuilt when the
catalog version changes (checked at most every few seconds) or its popularity grows stale."""

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from mixtape import popularity
from mixtape.config import RecommendSettings
from mixtape.storage.base import CatalogRecord, CatalogStore

FloatArray = npt.NDArray[np.float32]
EPOCH_DATE = date(1970, 1, 1)
IntArray = npt.NDArray[np.int32]


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
    artist_members: list[IntArray]  # artist index -> item indexes
    explicit_positions: IntArray
    genre_count: FloatArray  # (n,) number of genres of each item, at least 1
    explicit: npt.NDArray[np.bool_]
    embeddings: FloatArray  # (n, d) unit rows; zero rows for items without an embedding
    has_embedding: npt.NDArray[np.bool_]
    popularity: FloatArray  # (n,) log-scaled decayed play count in [0, 1]
    freshness: FloatArray  # (n,) release recency in [0, 1]: breaks ties when nothing is popular yet

    def __len__(self) -> int:
        return len(self.records)

    @classmethod
    def build(
        cls,
        version: int,
        records: Sequence[CatalogRecord],
        dim: int,
        now_ms: int,
        popularity_half_life_ms: float,
    ) -> "CatalogIndex":
        n = len(records)
        artist_position: dict[str, int] = {}
        artist_names: list[str] = []
        artist_of = np.empty(n, dtype=np.int32)
        members: dict[str, list[int]] = defaultdict(list)
        by_artist: list[list[int]] = []
        embeddings = np.zeros((n, dim), dtype=np.float32)
        has_embedding = np.zeros(n, dtype=np.bool_)
        raw_popularity = np.empty(n, dtype=np.float64)
        for i, record in enumerate(records):
            if record.artist_id not in artist_position:
                artist_position[record.artist_id] = len(artist_names)
                artist_names.append(record.artist_name)
                by_artist.append([])
            artist_of[i] = artist_position[record.artist_id]
            by_artist[artist_of[i]].append(i)
            for genre in record.genres:
                members[genre].append(i)
            if record.embedding is not None and record.embedding.shape == (dim,):
                embeddings[i] = record.embedding
                has_embedding[i] = True
            raw_popularity[i] = popularity.score(record.popularity, now_ms, popularity_half_life_ms)
        scaled = np.log1p(np.maximum(raw_popularity, 0.0))
        top = float(scaled.max()) if n else 0.0
        return cls(
            version=version,
            records=records,
            position={record.item_id: i for i, record in enumerate(records)},
            artist_ids=list(artist_position),
            artist_names=artist_names,
            artist_position=artist_position,
            artist_of=artist_of,
            genre_members={g: np.asarray(idx, dtype=np.int32) for g, idx in members.items()},
            artist_members=[np.asarray(idx, dtype=np.int32) for idx in by_artist],
            explicit_positions=np.flatnonzero([r.explicit for r in records]).astype(np.int32),
            genre_count=np.maximum(np.array([len(r.genres) for r in records], dtype=np.float32), 1.0),
            explicit=np.array([r.explicit for r in records], dtype=np.bool_),
            embeddings=embeddings,
            has_embedding=has_embedding,
            popularity=(scaled / top if top > 0 else scaled).astype(np.float32),
            freshness=_freshness(records, now_ms),
        )


def _freshness(records: Sequence[CatalogRecord], now_ms: int) -> FloatArray:
    """1 for a release today, halving every year; 0 without a release date."""
    today = now_ms / 86_400_000
    days = np.array(
        [
            today - (date.fromisoformat(r.release_date) - EPOCH_DATE).days if r.release_date else np.inf
            for r in records
        ],
        dtype=np.float64,
    )
    return np.exp2(-np.maximum(days, 0.0) / 365.0).astype(np.float32)


class CatalogCache:
    """Per-container cache of the index. The version probe is one small GetItem every
    `catalog_check_seconds`, not one per request; a full reload happens only on change or when stale."""

    def __init__(
        self,
        store: CatalogStore,
        settings: RecommendSettings,
        wall_clock_ms: Callable[[], int],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._settings = settings
        self._wall_clock_ms = wall_clock_ms
        self._monotonic = monotonic
        self._index: CatalogIndex | None = None
        self._loaded_at = 0.0
        self._checked_at = 0.0

    @property
    def loaded(self) -> CatalogIndex | None:
        return self._index

    def _load(self, now: float) -> CatalogIndex:
        version, records = self._store.load_all()
        self._index = CatalogIndex.build(
            version,
            records,
            self._settings.embedding_dim,
            self._wall_clock_ms(),
            self._settings.popularity_half_life_ms,
        )
        self._loaded_at = self._checked_at = now
        return self._index

    def get(self) -> CatalogIndex:
        now = self._monotonic()
        if self._index is None:
            return self._load(now)
        if now - self._checked_at >= self._settings.catalog_check_seconds:
            self._checked_at = now
            stale = now - self._loaded_at >= self._settings.catalog_max_age_seconds
            if stale or self._store.version() != self._index.version:
                return self._load(now)
        return self._index
