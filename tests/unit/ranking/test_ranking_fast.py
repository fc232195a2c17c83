"""The vectorised ranker against a plain reference: one loop over items, dicts and float64 sums.

Random catalogs (genres with repeats, explicit items, embeddings on some items, artists with several
items), random models (items the catalog lacks, EASE rows with repeated columns) and random listeners
(liked, disliked and unknown items, artists turned against, genres, a taste vector, a stale model
version that forces a fresh fold-in) must give the same items, scores and reasons.
"""

import dataclasses
import json
from collections import defaultdict

import numpy as np
import pytest

from mixtape.api.replies import recommendations_json, scored_items
from mixtape.catalog.index import CatalogIndex, IdLookup
from mixtape.config import RankingIndex, RankingWeights
from mixtape.learning.aligned import AlignedModel
from mixtape.models.api import RecommendationsResponse
from mixtape.models.artifact import ModelArtifact
from mixtape.models.catalog import CatalogRecord
from mixtape.models.profile import Profile, RecentItem
from mixtape.ranking import ranker
from mixtape.ranking.ranker import Ranked, Reason, recommend
from mixtape.search.ivf import partition

GENRES = ["rock", "jazz", "pop", "folk", "metal", "soul"]
DIM = 4
TOL = 1e-4


def random_catalog(rng: np.random.Generator, n: int) -> list[CatalogRecord]:
    artists = rng.integers(0, max(2, n // 6), n)
    records = []
    for i in range(n):
        genres = tuple(GENRES[g] for g in rng.integers(0, len(GENRES), rng.integers(0, 4)))
        embedding = rng.normal(size=DIM).astype(np.float32) if rng.random() < 0.5 else None
        if embedding is not None:
            embedding /= np.linalg.norm(embedding)
        records.append(
            CatalogRecord(
                f"i{i}", f"T{i}", f"a{artists[i]}", f"A{artists[i]}", genres, bool(rng.random() < 0.1),
                None, None, embedding, {},
            )
        )  # fmt: skip
    return records


def random_model(rng: np.random.Generator, n: int, version: str = "m1") -> ModelArtifact:
    ids = [f"i{i}" for i in rng.permutation(n + 20)]  # some items the catalog lacks
    rows = len(ids)
    factors = rng.normal(size=(rows, 8)).astype(np.float32)
    lengths = rng.integers(0, 12, rows)
    lengths[rng.random(rows) < 0.3] = 0
    entries = int(lengths.sum())
    return model_of(
        ids,
        factors,
        lengths,
        rng.integers(0, rows, entries).astype(np.int32),
        rng.normal(0, 0.1, entries).astype(np.float32),
        rng.integers(0, 50, rows).astype(np.float32),
        version,
    )


def model_of(
    ids: list[str],
    factors: np.ndarray,
    lengths: np.ndarray,
    neighbors: np.ndarray,
    weights: np.ndarray,
    listeners: np.ndarray,
    version: str = "m1",
) -> ModelArtifact:
    """An artifact with these factors and EASE rows (`lengths` entries per item, in item order)."""
    return ModelArtifact(
        version=version,
        trained_at_ms=0,
        item_ids=ids,
        factors=factors,
        gram=(factors.T @ factors).astype(np.float64),
        regularization=1.0,
        alpha=5.0,
        epsilon=0.0,
        neighbor_indptr=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
        neighbor_indices=neighbors,
        neighbor_weights=weights,
        listeners=listeners,
        users=10,
        interactions=100,
    )


def random_listener(rng: np.random.Generator, n: int, model: ModelArtifact | None) -> Profile:
    items = {f"i{i}": float(rng.choice([-2.0, 1.0, 2.0, 3.0, 0.5])) for i in rng.choice(n + 30, n // 4)}
    profile = Profile(
        user_id="u",
        items=items,
        artists={f"a{a}": float(rng.normal(1.0, 1.5)) for a in rng.choice(max(2, n // 6), 8)},
        genres={g: float(rng.normal(1.0, 1.0)) for g in rng.choice(GENRES, 3, replace=False)},
        recent=[RecentItem(item_id=f"i{i}", ts=1) for i in rng.choice(n, 3)],
        disliked={f"i{i}": 1 for i in rng.choice(n, 3)},
        taste_sum=rng.normal(size=DIM),
        taste_weight=1.0,
    )
    if model is not None and rng.random() < 0.5:  # folded into this model already; else folded on read
        profile.user_vector = rng.normal(size=model.dim).astype(np.float32)
        profile.model_version = model.version
    return profile


def normalised(values: dict[str, float]) -> dict[str, float]:
    top = max((v for v in values.values() if v > 0), default=0.0)
    if top <= 0:
        return {k: max(-1.0, v / abs(v)) for k, v in values.items() if v != 0}
    return {k: max(-1.0, v / top) for k, v in values.items()}


def reference(
    profile: Profile,
    index: CatalogIndex,
    weights: RankingWeights,
    model: AlignedModel | None,
    limit: int,
    exclude_explicit: bool,
    genre: str | None,
) -> list[tuple[int, float, Reason, dict[Reason, float]]]:
    """Score every item in a Python loop, sort, cap per artist; (position, score, reason, terms)."""
    records, n = index.records, len(index)
    artists = normalised(profile.artists)
    genres = normalised(profile.genres)
    taste = profile.taste_vector()
    vector = model.user_vector(profile, 30 * 86_400_000) if model is not None and weights.factors else None
    factor = [0.0] * n
    if model is not None and vector is not None:
        raw = [float(np.dot(model.factors[i].astype(np.float64), vector)) for i in range(n)]
        largest_row = max(float(np.linalg.norm(model.factors[i].astype(np.float64))) for i in range(n))
        bound = float(np.linalg.norm(vector.astype(np.float64))) * largest_row  # |f·v| <= |v|·max|f|
        factor = [weights.factors * r / bound if bound > 0 else 0.0 for r in raw]
    neighbors: dict[int, float] = defaultdict(float)
    if model is not None and weights.neighbors:
        artifact = model.model
        liked = [(v, at, item) for at, (item, v) in enumerate(profile.items.items()) if v > 0]
        strongest = sorted(liked, key=lambda entry: (-entry[0], entry[1]))[: weights.max_neighbor_rows]
        for _, _, item_id in strongest:  # EASE rows of the strongest liked items only
            row = artifact.position.get(item_id)
            if row is not None:
                for e in range(artifact.neighbor_indptr[row], artifact.neighbor_indptr[row + 1]):
                    pos = index.position.get(artifact.item_ids[artifact.neighbor_indices[e]])
                    if pos is not None:
                        neighbors[pos] += float(artifact.neighbor_weights[e])
        top = max((abs(v) for v in neighbors.values()), default=0.0)
        neighbors = defaultdict(
            float, {p: weights.neighbors * v / top for p, v in neighbors.items()} if top else {}
        )
    known = set(profile.items) | {r.item_id for r in profile.recent} | set(profile.disliked)
    scored = []
    for i, record in enumerate(records):
        if record.item_id in known or (exclude_explicit and record.explicit):
            continue
        if genre is not None and genre not in record.genres:
            continue
        affinity = artists.get(record.artist_id, 0.0)
        if affinity < 0:
            continue
        terms = {
            Reason.ARTIST: weights.artist * affinity,
            Reason.GENRE: weights.genre
            * sum(genres.get(g, 0.0) for g in record.genres)
            / max(1, len(record.genres)),
            Reason.SIMILAR: weights.taste * float(np.dot(index.embeddings[i], taste))
            if taste is not None
            else 0.0,
        }
        if model is None:
            terms[Reason.POPULAR] = weights.popularity * float(index.popularity[i])
        else:
            terms[Reason.LISTENERS] = (
                factor[i] + neighbors[i] - weights.debias * float(model.log_listeners[i])
            )
        scored.append((-sum(terms.values()), i, terms))
    scored.sort(key=lambda s: (s[0], s[1]))
    chosen: list[tuple[int, float, Reason, dict[Reason, float]]] = []
    per_artist: dict[str, int] = defaultdict(int)
    for negative, i, terms in scored:
        if per_artist[records[i].artist_id] < weights.max_per_artist and len(chosen) < limit:
            per_artist[records[i].artist_id] += 1
            chosen.append((i, -negative, max(terms, key=lambda r: terms[r]), terms))
    return chosen


def assert_same(fast: list[Ranked], slow: list[tuple[int, float, Reason, dict[Reason, float]]]) -> None:
    assert len(fast) == len(slow)
    for got, (pos, score, code, terms) in zip(fast, slow, strict=True):
        assert got.score == pytest.approx(score, abs=TOL)
        if got.position != pos:  # only a near-tie may swap two items
            assert got.score == pytest.approx(score, abs=TOL)
            continue
        ordered = sorted(terms.values(), reverse=True)
        if len(ordered) < 2 or ordered[0] - ordered[1] > TOL:
            assert got.reason_code is code


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("with_model", [True, False])
@pytest.mark.parametrize("neighbors", ["sparse", "dense"])
def test_vectorised_ranker_matches_the_plain_reference(
    seed: int, with_model: bool, neighbors: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # EASE sums are added by position (few entries for the catalog) or as a vector (many): test both.
    monkeypatch.setattr(ranker, "DENSE_NEIGHBORS", 0 if neighbors == "sparse" else 1_000_000)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 400))
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    artifact = random_model(rng, n) if with_model else None
    model = AlignedModel.build(artifact, index) if artifact is not None else None
    # Every other seed reads the EASE rows of only a few of the listener's liked items.
    rows = int(rng.integers(0, 12)) if seed % 2 else RankingWeights().max_neighbor_rows
    weights = RankingWeights(max_per_artist=int(rng.integers(1, 4)), max_neighbor_rows=rows)
    for limit, explicit, genre in [
        (10, False, None),
        (37, True, None),
        (25, False, "jazz"),
        (n, False, None),
    ]:
        profile = random_listener(rng, n, artifact)
        fast, cold = recommend(
            profile, index, weights, limit=limit, exclude_explicit=explicit, genre=genre, model=model
        )
        assert not cold
        assert_same(fast, reference(profile, index, weights, model, limit, explicit, genre))


def test_filters_exclude_known_explicit_and_other_genres() -> None:
    rng = np.random.default_rng(7)
    index = CatalogIndex.build(1, random_catalog(rng, 300), DIM, 0, 1.0)
    artifact = random_model(rng, 300)
    model = AlignedModel.build(artifact, index)
    profile = random_listener(rng, 300, artifact)
    ranked, _ = recommend(
        profile, index, RankingWeights(max_per_artist=50), limit=300, exclude_explicit=True, genre="rock",
        model=model,
    )  # fmt: skip
    got = [index.records[r.position] for r in ranked]
    assert got
    assert not {r.item_id for r in got} & profile.known_items()
    assert not any(r.explicit for r in got)
    assert all("rock" in r.genres for r in got)
    against = {a for a, v in profile.artists.items() if v < 0}
    assert not {r.artist_id for r in got} & against


def test_the_scratch_accumulator_is_clean_after_each_request() -> None:
    """EASE sums go through a per-catalog zeroed buffer: a second listener must not see the first's."""
    rng = np.random.default_rng(3)
    index = CatalogIndex.build(1, random_catalog(rng, 200), DIM, 0, 1.0)
    artifact = random_model(rng, 200)
    model = AlignedModel.build(artifact, index)
    first, second = random_listener(rng, 200, artifact), random_listener(rng, 200, artifact)
    alone, _ = recommend(second, index, RankingWeights(), limit=20, model=model)
    recommend(first, index, RankingWeights(), limit=20, model=model)
    after, _ = recommend(second, index, RankingWeights(), limit=20, model=model)
    assert after == alone


def test_id_lookup_finds_every_id_and_nothing_else() -> None:
    ids = [f"item-{i}" for i in range(5000)]
    lookup = IdLookup({item_id: i for i, item_id in enumerate(ids)})
    queries = [*ids[::7], "item-5000", "", "nope", *ids[:3]]
    expected = [*range(0, 5000, 7), -1, -1, -1, 0, 1, 2]
    assert lookup.find(queries).tolist() == expected
    assert IdLookup({}).find(["x"]).tolist() == [-1]


def test_recommendations_json_is_the_documented_model() -> None:
    rng = np.random.default_rng(5)
    index = CatalogIndex.build(4, random_catalog(rng, 120), DIM, 0, 1.0)
    profile = random_listener(rng, 120, None)
    ranked, cold = recommend(profile, index, RankingWeights(), limit=15)
    body = recommendations_json(index, ranked, user_id="u", cold_start=cold, model_version=None)
    expected = RecommendationsResponse(
        user_id="u", cold_start=cold, catalog_version=4, model_version=None, items=scored_items(index, ranked)
    )
    assert RecommendationsResponse.model_validate_json(body) == expected
    assert json.loads(body) == expected.model_dump(mode="json")


REQUESTS = [(10, False, None), (30, True, None), (20, False, "rock")]  # limit, exclude_explicit, genre


def assert_approximate_is_exact(
    index: CatalogIndex,
    weights: RankingWeights,
    model: AlignedModel,
    config: RankingIndex,
    profiles: list[Profile],
) -> None:
    """The IVF path gives the exact ranker's items, scores and reasons, one profile per request shape."""
    for profile, (limit, explicit, genre) in zip(profiles, REQUESTS, strict=True):
        exact, _ = recommend(
            profile, index, weights, limit=limit, exclude_explicit=explicit, genre=genre, model=model
        )
        approximate, _ = recommend(
            profile, index, weights, limit=limit, exclude_explicit=explicit, genre=genre, model=model,
            index_config=config,
        )  # fmt: skip
        assert [r.position for r in approximate] == [r.position for r in exact]
        assert [r.score for r in approximate] == pytest.approx([r.score for r in exact], abs=1e-5)
        assert [r.reason for r in approximate] == [r.reason for r in exact]


@pytest.mark.parametrize("published", [False, True], ids=["clustered here", "the model's lists"])
@pytest.mark.parametrize("seed", range(6))
def test_ivf_path_probing_every_list_is_the_exact_ranker(seed: int, published: bool) -> None:
    """With every list probed every item is a candidate: same items, scores and reasons as exact, whether
    the container clusters the lists or indexes those the trainer published with the model."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(150, 400))
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    artifact = random_model(rng, n)
    if published:  # as the trainer does (its own generator: the draws below are the same either way)
        artifact = dataclasses.replace(artifact, ivf_lists=partition(artifact.factors, n_lists=12))
    model = AlignedModel.build(artifact, index)
    config = RankingIndex(
        kind="ivf", ivf_min_items=1, n_lists=None if published else 12, n_probe=12, rescore=10
    )
    ivf = model.ivf(config)
    assert ivf is not None
    assert ivf.n_lists == 12
    # Every other seed reads the EASE rows of only a few of the listener's liked items.
    rows = int(rng.integers(0, 12)) if seed % 2 else RankingWeights().max_neighbor_rows
    weights = RankingWeights(max_per_artist=int(rng.integers(1, 4)), max_neighbor_rows=rows)
    assert_approximate_is_exact(
        index, weights, model, config, [random_listener(rng, n, artifact) for _ in range(3)]
    )


def test_ivf_path_finds_the_exact_top_10_when_probing_few_lists() -> None:
    rng = np.random.default_rng(11)
    n = 4000
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    artifact = random_model(rng, n)
    centres = rng.normal(size=(20, artifact.dim)).astype(np.float32)  # clustered factors, as ALS gives
    artifact.factors[:] = centres[rng.integers(0, 20, len(artifact.factors))] + 0.3 * artifact.factors
    model = AlignedModel.build(artifact, index)
    config = RankingIndex(kind="ivf", ivf_min_items=1, n_lists=64, n_probe=12)
    # These listeners like ~1,000 items: every EASE row is read, so the sparse terms carry as much weight
    # as their whole history gives them (with 300 rows the factor term weighs more: recall 0.86 here).
    weights = RankingWeights(max_neighbor_rows=n)
    hits = total = 0
    for _ in range(20):
        profile = random_listener(rng, n, artifact)
        exact, _ = recommend(profile, index, weights, limit=10, model=model)
        approximate, _ = recommend(profile, index, weights, limit=10, model=model, index_config=config)
        assert len(approximate) == 10
        # Scores are not compared here: with few lists probed the factor term's scale is estimated (see
        # _Approximate); the test above checks every term's exactness with every list probed.
        hits += len({r.position for r in exact} & {r.position for r in approximate})
        total += 10
    assert hits / total >= 0.9


def test_ivf_path_rescores_the_strongest_distinct_ease_items_however_often_rows_repeat_them() -> None:
    """Each of the listener's 20 liked items has two EASE neighbours every row shares (hubs) and one of
    its own. Counted per entry, the hubs' 40 repeats would fill `rescore` (22) and leave out the items
    only one row points at; per item, the hubs take 2 slots and all 20 others are candidates."""
    rng = np.random.default_rng(3)
    n, liked = 2000, 20
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    ids = [f"i{i}" for i in range(n)]
    hubs, own = [liked, liked + 1], list(range(liked + 2, 2 * liked + 2))
    lengths = np.zeros(n, dtype=np.int64)
    lengths[:liked] = 3
    artifact = model_of(
        ids,
        rng.normal(size=(n, 8)).astype(np.float32),
        lengths,
        np.array([c for row in range(liked) for c in (*hubs, own[row])], dtype=np.int32),
        np.tile(np.array([1.0, 1.0, 0.5], dtype=np.float32), liked),
        np.ones(n, dtype=np.float32),
    )
    model = AlignedModel.build(artifact, index)
    profile = Profile(user_id="u", items={f"i{i}": 1.0 for i in range(liked)})
    # The factor term only breaks ties: the EASE sums decide the top 10, whatever lists are probed.
    weights = RankingWeights(factors=0.01, genre=0.0, artist=0.0, debias=0.0, max_per_artist=10)
    config = RankingIndex(kind="ivf", ivf_min_items=1, n_lists=45, n_probe=1, rescore=22, genre_items=0)
    exact, _ = recommend(profile, index, weights, limit=10, model=model)
    approximate, _ = recommend(profile, index, weights, limit=10, model=model, index_config=config)
    assert {index.records[r.position].item_id for r in exact[:2]} == {f"i{h}" for h in hubs}
    assert [r.position for r in approximate] == [r.position for r in exact]


@pytest.mark.parametrize("seed", range(4))
def test_ivf_path_with_every_liked_genre_item_a_candidate_is_the_exact_ranker(seed: int) -> None:
    """Every item has a genre and the listener likes every genre: with a genre-item budget as large as
    the catalog's (item, genre) pairs the genre cells of the lists not probed hold every other item, so
    the approximate path must give the exact ranker's items, scores and reasons."""
    rng = np.random.default_rng(200 + seed)
    n = int(rng.integers(150, 400))
    records = [r if r.genres else r._replace(genres=("soul",)) for r in random_catalog(rng, n)]
    index = CatalogIndex.build(1, records, DIM, 0, 1.0)
    artifact = random_model(rng, n)
    model = AlignedModel.build(artifact, index)
    config = RankingIndex(kind="ivf", ivf_min_items=1, n_lists=12, n_probe=2, rescore=10, genre_items=3 * n)
    weights = RankingWeights(max_per_artist=int(rng.integers(1, 4)))
    profiles = [random_listener(rng, n, artifact) for _ in range(3)]
    for profile in profiles:
        profile.genres = {g: float(rng.uniform(0.1, 2.0)) for g in GENRES}
    assert_approximate_is_exact(index, weights, model, config, profiles)


def test_ivf_path_finds_the_top_items_of_a_strong_genre_term_in_lists_not_probed() -> None:
    """Genres are unrelated to the factor clusters and weigh heavily: routing by the factor term alone
    (no genre items) misses most of the exact top 10 of listeners with few plays; the liked genres'
    cells of the next lists find them."""
    rng = np.random.default_rng(11)
    n = 4000
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    artifact = random_model(rng, n)
    centres = rng.normal(size=(20, artifact.dim)).astype(np.float32)
    artifact.factors[:] = centres[rng.integers(0, 20, len(artifact.factors))] + 0.3 * artifact.factors
    model = AlignedModel.build(artifact, index)
    weights = RankingWeights(genre=1.5)
    recall = {}
    for genre_items in (0, 300):
        config = RankingIndex(kind="ivf", ivf_min_items=1, n_lists=64, n_probe=4, genre_items=genre_items)
        listeners = np.random.default_rng(5)
        hits = 0
        for _ in range(20):
            profile = random_listener(listeners, n, artifact)
            profile.items = dict(list(profile.items.items())[:20])
            exact, _ = recommend(profile, index, weights, limit=10, model=model)
            approximate, _ = recommend(profile, index, weights, limit=10, model=model, index_config=config)
            hits += len({r.position for r in exact} & {r.position for r in approximate})
        recall[genre_items] = hits / 200
    assert recall[0] < 0.6
    assert recall[300] >= 0.97


def test_a_catalog_large_enough_for_sampled_selection_matches_the_reference() -> None:
    """Above 8,192 items the top-k samples a threshold instead of partitioning every score."""
    rng = np.random.default_rng(21)
    n = 12_000
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    artifact = random_model(rng, n)
    model = AlignedModel.build(artifact, index)
    for limit, genre in [(50, None), (20, "folk")]:
        profile = random_listener(rng, n, artifact)
        fast, _ = recommend(profile, index, RankingWeights(), limit=limit, genre=genre, model=model)
        assert_same(fast, reference(profile, index, RankingWeights(), model, limit, False, genre))
