"""Catalog-sized buffers shared by every request on one catalog index, and the context manager that lends
them to one request at a time and zeroes what the request wrote into them, whatever raised.

Three buffers must be all zero (False) between requests: the EASE accumulator, the approximate path's
mask of known items and its per-artist table. They are written only through `Workspace` methods, which
record the positions before writing, so `reset` knows what to zero even when a write was the last thing
that ran. A dirty accumulator would add one listener's EASE sums to every later listener's scores.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt

from mixtape.catalog.index import CatalogIndex, FloatArray
from mixtape.search.select import TopK

# EASE entries >= catalog size / 32: the accumulator is used (and zeroed) as a vector, in sequential
# passes, rather than by position (random accesses into a buffer the matrix-vector product has just
# pushed out of the cache).
DENSE_NEIGHBORS = 32

Indexes = npt.NDArray[np.integer[Any]]


class Workspace:
    """The score vector (one extra slot: the sink of EASE padding), a spare vector for dense terms, the
    zeroed buffers above, the approximate path's stamp (deduplication scratch, never needs zeroing) and
    the top-k selector's buffers."""

    def __init__(self, n: int) -> None:
        self.padded: FloatArray = np.empty(n + 1, dtype=np.float32)
        self.scores: FloatArray = self.padded[:n]
        self.spare: FloatArray = np.empty(n, dtype=np.float32)
        self.neighbors: FloatArray = np.zeros(n + 1, dtype=np.float32)  # EASE sums; read by the terms
        self.stamp = np.zeros(n, dtype=np.int32)
        self.select = TopK(n)
        self.lock = threading.Lock()
        self._blocked = np.zeros(n, dtype=np.bool_)
        self._artists: FloatArray = np.zeros(0, dtype=np.float32)
        self._accumulated: list[Indexes] = []  # what was written since the last reset
        self._blocked_at: list[Indexes] = []
        self._artists_at: list[Indexes] = []

    def is_dense(self, entries: int) -> bool:
        """Whether this many accumulator entries are cheaper handled as a vector than by position."""
        return entries * DENSE_NEIGHBORS >= len(self.scores)

    def accumulate(self, columns: Indexes, values: FloatArray) -> FloatArray:
        """The accumulator with `values` added at `columns` (repeated columns sum)."""
        self._accumulated.append(columns)
        np.add.at(self.neighbors, columns, values)
        return self.neighbors

    def blocked(self, positions: Indexes) -> npt.NDArray[np.bool_]:
        """A catalog-wide mask, True at `positions` (and at those of earlier calls of this request)."""
        self._blocked_at.append(positions)
        self._blocked[positions] = True
        return self._blocked

    def artist_values(self, artists: int, ids: Indexes, values: npt.NDArray[np.floating[Any]]) -> FloatArray:
        """A table over `artists` artists holding `values` at `ids` and zero elsewhere."""
        if len(self._artists) != artists:
            self._artists = np.zeros(artists, dtype=np.float32)
        self._artists_at.append(ids)
        self._artists[ids] = values
        return self._artists

    def reset(self) -> None:
        """Zero everything written since the last reset."""
        if self._accumulated:
            if self.is_dense(sum(len(c) for c in self._accumulated)):
                self.neighbors.fill(0.0)
            else:
                for columns in self._accumulated:
                    self.neighbors[columns] = 0.0
            self._accumulated.clear()
        for positions in self._blocked_at:
            self._blocked[positions] = False
        self._blocked_at.clear()
        for ids in self._artists_at:
            self._artists[ids] = 0.0
        self._artists_at.clear()


@contextmanager
def workspace(index: CatalogIndex) -> Iterator[Workspace]:
    """The index's shared workspace for one request, reset when the request leaves it, by return or by
    exception. A thread that finds it in use (another request of this container) gets a fresh one."""
    shared = index.scratch("ranking", lambda: Workspace(len(index)))
    if not shared.lock.acquire(blocking=False):
        yield Workspace(len(index))
        return
    try:
        yield shared
    finally:
        try:
            shared.reset()
        finally:
            shared.lock.release()
