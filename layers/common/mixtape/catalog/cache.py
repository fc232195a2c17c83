"""Per-container catalog cache: loaded on the first request, refreshed in the background after that."""

import time
from collections.abc import Callable

from mixtape.catalog.index import CatalogIndex
from mixtape.config import RecommendSettings
from mixtape.runtime.background import BackgroundRefresh
from mixtape.runtime.observability import logger
from mixtape.storage.ports import CatalogReader, PopularityReader


class CatalogCache:
    """Per-container cache of the index. The first request loads it; after that the version probe (one
    small GetItem every `catalog_check_seconds`) and any reload (on change, or for fresh popularity every
    `catalog_max_age_seconds`) run in the background (mixtape.runtime.background) while requests are answered
    from the loaded index. `on_new_index` listeners get a new index before requests do (to build what
    depends on it), and a refresh that fails keeps the loaded index."""

    def __init__(
        self,
        store: CatalogReader,
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
        self._listeners: list[Callable[[CatalogIndex], None]] = []
        self._refresh = BackgroundRefresh("catalog-refresh", settings.refresh_join_seconds, monotonic)

    @property
    def loaded(self) -> CatalogIndex | None:
        return self._index

    def on_new_index(self, listener: Callable[[CatalogIndex], None]) -> None:
        self._listeners.append(listener)

    def _build(self) -> CatalogIndex:
        version, records = self._store.load_all()
        return CatalogIndex.build(
            version,
            records,
            self._settings.embedding_dim,
            self._wall_clock_ms(),
            self._settings.popularity_half_life_ms,
            self._settings.trending,
        )

    def get(self) -> CatalogIndex:
        now = self._monotonic()
        if self._index is None:  # nothing to answer from: this request waits for the load
            self._index = self._build()
            self._loaded_at = self._checked_at = now
            return self._index
        if now - self._checked_at >= self._settings.catalog_check_seconds:
            self._checked_at = now
            self._refresh.start(lambda: self._refresh_if_changed(now))
        return self._index

    def _with_fresh_popularity(self, current: CatalogIndex) -> CatalogIndex | None:
        """The loaded index with the store's current popularity, when the store can read it alone."""
        if not isinstance(self._store, PopularityReader):
            return None
        entries = self._store.load_popularity(current.version, current.items_digest)
        if entries is None:
            return None
        return current.with_popularity(
            entries, self._wall_clock_ms(), self._settings.popularity_half_life_ms, self._settings.trending
        )

    def wait(self) -> None:
        """Until a running refresh is done (tests, benchmarks)."""
        self._refresh.wait()

    def _refresh_if_changed(self, now: float) -> None:
        current = self._index
        if current is None:  # started by get() only once an index is loaded
            raise RuntimeError("catalog refresh started before an index was loaded")
        stale = now - self._loaded_at >= self._settings.catalog_max_age_seconds
        version = self._store.version()
        if not stale and version == current.version:
            return
        started = time.perf_counter()
        index = self._with_fresh_popularity(current) if version == current.version else None
        reload = "popularity" if index is not None else "catalog"
        if index is None:
            index = self._build()
        for listener in self._listeners:
            listener(index)
        self._index, self._loaded_at = index, now
        # Which kind of reload ran and what it cost: a popularity-only one reuses the decoded catalog.
        logger.info(
            "catalog reloaded",
            extra={
                "reload": reload,
                "catalog_version": index.version,
                "items": len(index),
                "seconds": round(time.perf_counter() - started, 3),
            },
        )
