"""The catalog index's columns, built column-wise, against a plain loop over the records."""

import random

import numpy as np
import pytest

from mixtape import popularity
from mixtape.catalog_index import CatalogIndex
from mixtape.storage.base import CatalogRecord

NOW_MS = 1_795_000_000_000
HALF_LIFE_MS = 7 * 86_400_000
DIM = 4


def random_records(n: int, seed: int) -> list[CatalogRecord]:
    rng = random.Random(seed)
    genres = ["rock", "jazz", "pop", "ambient", "metal"]
    epoch = popularity.epoch_of(NOW_MS)
    records = []
    for i in range(n):
        artist = f"a{rng.randrange(max(n // 4, 1))}"
        buckets = {e: rng.random() * 10 for e in (epoch - 3, epoch - 1, epoch) if rng.random() < 0.6}
        embedding = None
        if rng.random() < 0.5:
            embedding = np.asarray([rng.random() for _ in range(rng.choice([DIM, DIM, 3]))], np.float32)
        records.append(
            CatalogRecord(
                item_id=f"i{i}",
                title=f"T{i}",
                artist_id=artist,
                artist_name=f"{artist} name {i}",  # differs per record: the first one must win
                genres=tuple(rng.choice(genres) for _ in range(rng.randrange(4))),  # repeats, or none
                explicit=rng.random() < 0.2,
                release_date=None,
                duration_ms=None,
                embedding=embedding,
                popularity=buckets,
            )
        )
    return records


@pytest.mark.parametrize(("n", "seed"), [(0, 0), (1, 1), (50, 2), (400, 3)])
def test_columns_match_a_loop_over_the_records(n: int, seed: int):
    records = random_records(n, seed)
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
