"""A bounded per-container cache of catalog item features, valid for one catalog version.

A warm ProfileUpdate container meets the same items batch after batch; the features it folds with change
only with the catalog, whose version every upsert moves (after writing its items). So the cache is
dropped whenever the version it is asked for differs from the one it holds: features served are never
older than the version read at the start of the call, as an uncached read would be. Least recently used
items go first once `max_items` are held, so memory stays bounded whatever the catalog's size.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from mixtape.models.catalog import ItemFeatures

Reader = Callable[[Iterable[str]], dict[str, ItemFeatures]]


class FeatureCache:
    def __init__(self, max_items: int) -> None:
        if max_items < 1:
            raise ValueError("a feature cache holds at least one item")
        self._max_items = max_items
        self._version: int | None = None
        self._items: OrderedDict[str, ItemFeatures | None] = OrderedDict()  # None: not in the catalog
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, item_ids: set[str], version: int, read: Reader) -> dict[str, ItemFeatures]:
        """The features of the known items among `item_ids` as of catalog `version`; `read` fetches
        the ones not cached. Unknown items are remembered too (until the version moves), so a batch of
        events for a missing item does not read it again and again."""
        with self._lock:
            if version != self._version:
                self._items.clear()
                self._version = version
            missing = [i for i in item_ids if i not in self._items]
        found = read(missing) if missing else {}
        with self._lock:
            if self._version == version:
                for item_id in missing:
                    self._items[item_id] = found.get(item_id)
            result: dict[str, ItemFeatures] = {}
            for item_id in item_ids:
                features = self._items.get(item_id) if item_id in self._items else found.get(item_id)
                if item_id in self._items:
                    self._items.move_to_end(item_id)
                if features is not None:
                    result[item_id] = features
            while len(self._items) > self._max_items:
                self._items.popitem(last=False)
        return result
