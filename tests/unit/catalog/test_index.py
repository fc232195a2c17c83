"""The catalog index's columns, built column-wise, against a plain loop over the records."""

import random
from datetime import date

import numpy as np
import pytest

from mixtape.catalog import index as catalog_index_module
from mixtape.catalog import popularity
from mixtape.catalog.index import CatalogIndex, IdLookup
from mixtape.models.catalog import CatalogRecord, PopularityEntries

NOW_MS = 1_795_000_000_000
HALF_LIFE_MS = 7 * 86_400_000
DIM = 4


def random_records(n: int, seed: int, *, all_embedded: bool = False) -> list[CatalogRecord]:
    rng = random.Random(seed)
    dates = [None, "2024-02-29", "1999-12-31", "2026-11-01", "2030-01-01"]  # shared, and one in the future
    genres = ["rock", "jazz", "pop", "ambient", "metal"]
    epoch = popularity.epoch_of(NOW_MS)
    records = []
    for i in range(n):
        artist = f"a{rng.randrange(max(n // 4, 1))}"
        buckets = {e: rng.random() * 10 for e in (epoch - 3, epoch - 1, epoch) if rng.random() < 0.6}
        embedding = None
        if all_embedded:
            embedding = np.asarray([rng.random() for _ in range(DIM)], np.float32)
        elif rng.random() < 0.5:
            embedding = np.asarray([rng.random() for _ in range(rng.choice([DIM, DIM, 3]))], np.float32)
        records.append(
            CatalogRecord(
                item_id=f"i{i}",
                title=f"T{i}",
                artist_id=artist,
                artist_name=f"{artist} name {i}",  # differs per record: the first one must win
                genres=tuple(rng.choice(genres) for _ in range(rng.randrange(4))),  # repeats, or none
                explicit=rng.random() < 0.2,
                release_date=rng.choice(dates),
                duration_ms=None,
                embedding=embedding,
                popularity=buckets,
            )
        )
    return records


@pytest.mark.parametrize(
    ("n", "seed", "all_embedded"),
    [(0, 0, False), (1, 1, False), (50, 2, False), (400, 3, False), (60, 4, True)],
)
def test_columns_match_a_loop_over_the_records(n: int, seed: int, all_embedded: bool):
    records = random_records(n, seed, all_embedded=all_embedded)
    index = CatalogIndex.build(7, records, DIM, NOW_MS, HALF_LIFE_MS)

    sets: dict[tuple[str, ...], int] = {}  # genre lists numbered in first-seen order
    first_name: dict[str, str] = {}  # the first record's artist name wins
    for r in records:
        sets.setdefault(r.genres, len(sets))
        first_name.setdefault(r.artist_id, r.artist_name)
    # Positions grouped by genre set, sets in that order, the records' order kept inside a set.
    grouped = sorted(records, key=lambda r: sets[r.genres])
    assert [r.item_id for r in index.records] == [r.item_id for r in grouped]
    records = grouped
    artists: dict[str, int] = {}
    names: list[str] = []
    members: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        if r.artist_id not in artists:
            artists[r.artist_id] = len(names)
            names.append(first_name[r.artist_id])
        for g in r.genres:
            members.setdefault(g, []).append(i)
    assert index.artist_position == artists
    assert list(index.artist_names) == names
    assert index.artist_of.tolist() == [artists[r.artist_id] for r in records]
    assert {g: m.tolist() for g, m in index.genre_members.items()} == members
    assert index.genre_set_of.tolist() == [sets[r.genres] for r in records]
    assert index.genre_set_items.tolist() == [sum(r.genres == g for r in records) for g in sets]
    usable = [r.embedding is not None and r.embedding.shape == (DIM,) for r in records]
    assert index.has_embedding.tolist() == usable
    for i, r in enumerate(records):
        expected = r.embedding if usable[i] and r.embedding is not None else np.zeros(DIM, np.float32)
        assert np.array_equal(index.embeddings[i], expected)
    today = NOW_MS / 86_400_000
    freshness = [
        2 ** (-max(0.0, today - (date.fromisoformat(r.release_date) - date(1970, 1, 1)).days) / 365)
        if r.release_date
        else 0.0
        for r in records
    ]
    assert index.freshness == pytest.approx(np.array(freshness, np.float32), rel=1e-6)
    raw = np.array([popularity.score(r.popularity, NOW_MS, HALF_LIFE_MS) for r in records])
    scaled = np.log1p(raw)
    expected_popularity = scaled / scaled.max() if n and scaled.max() > 0 else scaled
    assert index.popularity == pytest.approx(expected_popularity.astype(np.float32), rel=1e-6)


def test_popularity_counts_the_current_and_previous_bucket_decayed_to_now():
    epoch = popularity.epoch_of(NOW_MS)
    buckets = {epoch - 2: 100.0, epoch - 1: 3.0, epoch: 5.0}
    expected = sum(
        v * 2.0 ** ((e * popularity.EPOCH_MS - NOW_MS) / HALF_LIFE_MS)
        for e, v in buckets.items()
        if e >= epoch - 1
    )
    assert popularity.score(buckets, NOW_MS, HALF_LIFE_MS) == pytest.approx(expected)
    assert popularity.scores([buckets, {}, {epoch - 5: 9.0}], NOW_MS, HALF_LIFE_MS).tolist() == pytest.approx(
        [expected, 0.0, 0.0]
    )


class _Colliding(str):
    """An id whose hash collides with every other's."""

    __slots__ = ()

    def __hash__(self) -> int:
        return 1


def test_id_lookup_of_a_catalog_whose_ids_collide_falls_back_to_the_dict():
    # Ids are matched by 64-bit hash alone; a catalog with two ids of one hash must not confuse them.
    ids = [_Colliding(f"c{i}") for i in range(40)]
    lookup = IdLookup({item_id: i for i, item_id in enumerate(ids)})
    assert lookup.find([ids[3], ids[0], ids[39], _Colliding("absent")]).tolist() == [3, 0, 39, -1]


@pytest.mark.parametrize("make", [str, _Colliding], ids=["hash tables", "dict fallback"])
def test_same_ids_holds_only_for_the_same_ids_at_the_same_positions(make: type[str]):
    ids = [make(f"i{i}") for i in range(50)]

    def lookup(order: list[str]) -> IdLookup:
        return IdLookup({item_id: i for i, item_id in enumerate(order)})

    assert lookup(ids).same_ids(lookup([make(i) for i in ids]))  # equal ids, other objects
    assert not lookup(ids).same_ids(lookup(ids[::-1]))  # other positions
    assert not lookup(ids).same_ids(lookup([*ids[:-1], make("other")]))  # another id
    assert not lookup(ids).same_ids(lookup(ids[:-1]))


def popularity_entries(records: list[CatalogRecord]) -> PopularityEntries:
    entries = [(i, epoch, value) for i, r in enumerate(records) for epoch, value in r.popularity.items()]
    items, epochs, values = zip(*entries, strict=True) if entries else ((), (), ())
    return PopularityEntries(
        np.asarray(items, dtype=np.int64), np.asarray(epochs, dtype=np.int64), np.asarray(values, np.float64)
    )


def test_popularity_scores_of_entries_equal_the_per_item_scores():
    records = random_records(300, 9)  # buckets of this epoch, the previous one and an older one
    entries = popularity_entries(records)
    buckets = [r.popularity for r in records]
    for now in (NOW_MS, NOW_MS + popularity.EPOCH_MS // 3, NOW_MS + popularity.EPOCH_MS):
        expected = popularity.scores(buckets, now, HALF_LIFE_MS)
        got = popularity.scores_of_entries(*entries[:3], len(records), now, HALF_LIFE_MS)
        np.testing.assert_array_equal(got, expected)


def test_an_index_with_fresh_popularity_equals_a_rebuild_and_shares_everything_else():
    index = CatalogIndex.build(7, random_records(200, 5), DIM, NOW_MS, HALF_LIFE_MS)
    replayed = [  # the plays since: new buckets for some items, as the catalog table would hold them
        r._replace(popularity={**r.popularity, popularity.epoch_of(NOW_MS): 50.0}) if i % 3 == 0 else r
        for i, r in enumerate(index.records)
    ]
    later = NOW_MS + 90 * 86_400_000  # freshness moves too
    rebuilt = CatalogIndex.build(7, replayed, DIM, later, HALF_LIFE_MS)
    assert [r.item_id for r in rebuilt.records] == [r.item_id for r in index.records]  # same positions

    fresh = index.with_popularity(popularity_entries(replayed), later, HALF_LIFE_MS)

    np.testing.assert_array_equal(fresh.popularity, rebuilt.popularity)
    np.testing.assert_array_equal(fresh.freshness, rebuilt.freshness)
    assert not np.array_equal(fresh.popularity, index.popularity)
    assert fresh.records is index.records
    assert fresh.ids is index.ids
    assert fresh.embeddings is index.embeddings
    assert fresh.same_items(index)
    assert fresh.items_digest == index.items_digest == rebuilt.items_digest
    assert (
        CatalogIndex.build(7, random_records(200, 6), DIM, NOW_MS, HALF_LIFE_MS).items_digest
        != index.items_digest
    )


def test_an_index_with_fresh_popularity_keeps_the_items_digest_without_hashing_the_ids_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = CatalogIndex.build(7, random_records(50, 5), DIM, NOW_MS, HALF_LIFE_MS)
    digest = index.items_digest
    monkeypatch.setattr(catalog_index_module, "items_digest", lambda ids: pytest.fail("ids hashed again"))
    fresh = index.with_popularity(popularity_entries(list(index.records)), NOW_MS + 60_000, HALF_LIFE_MS)
    assert fresh.items_digest == digest
