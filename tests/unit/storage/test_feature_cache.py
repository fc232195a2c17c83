"""The per-container feature cache (mixtape.storage.dynamo.features): reads only what it lacks, forgets
everything when the catalog version moves, and stays within its size."""

from collections.abc import Iterable

import pytest

from mixtape.models.catalog import ItemFeatures
from mixtape.storage.dynamo.features import FeatureCache


class Catalog:
    def __init__(self, items: Iterable[str]) -> None:
        self.items = {
            i: ItemFeatures(item_id=i, artist_id=f"art-{i}", genres=(), embedding=None) for i in items
        }
        self.reads: list[set[str]] = []

    def read(self, item_ids: Iterable[str]) -> dict[str, ItemFeatures]:
        asked = set(item_ids)
        self.reads.append(asked)
        return {i: self.items[i] for i in asked if i in self.items}


def test_reads_only_items_it_does_not_hold_unknown_ones_included():
    catalog, cache = Catalog(["a", "b", "c"]), FeatureCache(10)
    assert cache.get({"a", "b", "zz"}, 1, catalog.read).keys() == {"a", "b"}
    assert cache.get({"a", "c", "zz"}, 1, catalog.read).keys() == {"a", "c"}
    assert catalog.reads == [{"a", "b", "zz"}, {"c"}]


def test_a_new_catalog_version_drops_what_it_held():
    catalog, cache = Catalog(["a"]), FeatureCache(10)
    cache.get({"a", "b"}, 1, catalog.read)
    catalog.items = Catalog(["a", "b"]).items | {
        "a": ItemFeatures(item_id="a", artist_id="new", genres=(), embedding=None)
    }
    found = cache.get({"a", "b"}, 2, catalog.read)
    assert found["a"].artist_id == "new"
    assert found.keys() == {"a", "b"}  # `b` was unknown at version 1
    assert catalog.reads[-1] == {"a", "b"}


def test_holds_at_most_its_size_dropping_the_least_recently_used():
    catalog, cache = Catalog("abcdef"), FeatureCache(3)
    cache.get({"a", "b", "c"}, 1, catalog.read)
    cache.get({"a"}, 1, catalog.read)  # a is now the most recent
    assert cache.get({"d", "e"}, 1, catalog.read).keys() == {"d", "e"}
    assert len(cache) == 3
    catalog.reads.clear()
    cache.get({"a", "b", "c"}, 1, catalog.read)
    assert catalog.reads == [{"b", "c"}]  # b and c went first
    assert cache.get(set("abcdef"), 1, catalog.read).keys() == set("abcdef")  # a batch larger than it


def test_refuses_a_size_that_holds_nothing():
    with pytest.raises(ValueError, match="at least one"):
        FeatureCache(0)
