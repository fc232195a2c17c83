"""The vectorised ranker against a plain reference: one loop over items, dicts and float64 sums.

Random catalogs, models and listeners (tests.unit.ranking.randomized) must give the reference's items,
scores, and reasons only from positive terms.
"""

from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest

from mixtape.catalog.index import CatalogIndex, IdLookup
from mixtape.config import RankingWeights
from mixtape.learning.aligned import AlignedModel
from mixtape.models.profile import Profile
from mixtape.models.reason import PERSONAL, ReasonCode
from mixtape.ranking import Ranked, workspace
from tests.unit.ranking.randomized import DIM, random_catalog, random_listener, random_model, rank

TOL = 1e-4


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
) -> list[tuple[int, float, ReasonCode, dict[ReasonCode, float]]]:
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
        top = max((abs(v) for v in neighbors.values()), default=0.0)  # the scale: the largest |sum|
        neighbors = defaultdict(
            float, {p: weights.neighbors * v / top for p, v in neighbors.items()} if top else {}
        )
        if artifact.remainder is not None and top and weights.remainder:  # the EASE remainder, same scale
            left, right = artifact.remainder
            rows = [artifact.position[i] for _, _, i in strongest if i in artifact.position]
            summed = left[rows].astype(np.float64).sum(axis=0)
            for item_id, pos in index.position.items():
                if item_id in artifact.position:
                    value = float(right[artifact.position[item_id]].astype(np.float64) @ summed)
                    neighbors[pos] += weights.neighbors * weights.remainder * value / top
    # Exposure debias: log1p(the item's exposure) over the largest of the catalog's; without exposure
    # counts, its weight goes to the popularity debias.
    exposure = [0.0] * n
    popularity_debias = weights.debias
    if model is not None and model.model.exposure is None:
        popularity_debias += weights.debias_exposure
    if model is not None and model.model.exposure is not None:
        shown = model.model.exposure
        exposure = [
            float(np.log1p(shown[model.model.position[r.item_id]]))
            if r.item_id in model.model.position
            else 0.0
            for r in records
        ]
        most = max(exposure)
        exposure = [e / most if most > 0 else 0.0 for e in exposure]
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
            ReasonCode.ARTIST: weights.artist * affinity,
            ReasonCode.GENRE: weights.genre
            * sum(genres.get(g, 0.0) for g in record.genres)
            / max(1, len(record.genres)),
            ReasonCode.SIMILAR: weights.taste * float(np.dot(index.embeddings[i], taste))
            if taste is not None
            else 0.0,
        }
        if model is None:
            terms[ReasonCode.POPULAR] = weights.popularity * float(index.popularity[i])
        else:
            terms[ReasonCode.LISTENERS] = (
                factor[i]
                + neighbors[i]
                - popularity_debias * float(model.log_listeners[i])
                - weights.debias_exposure * exposure[i]
            )
        scored.append((-sum(terms.values()), i, terms))
    scored.sort(key=lambda s: (s[0], s[1]))
    capped: list[tuple[float, int, dict[ReasonCode, float]]] = []
    per_artist: dict[str, int] = defaultdict(int)
    for negative, i, terms in scored:
        if per_artist[records[i].artist_id] < weights.max_per_artist:
            per_artist[records[i].artist_id] += 1
            capped.append((negative, i, terms))
    # Sequencing: each place takes the best item left whose artist is not among the last `spacing` picks,
    # or the best item left when there is none.
    chosen: list[tuple[int, float, ReasonCode, dict[ReasonCode, float]]] = []
    while len(chosen) < limit and capped:
        recent = {records[c[0]].artist_id for c in chosen[len(chosen) - weights.artist_spacing :]}
        if not weights.artist_spacing:
            recent = set()
        found = next((c for c in capped if records[c[1]].artist_id not in recent), capped[0])
        capped.remove(found)
        negative, i, terms = found
        chosen.append((i, -negative, max(terms, key=lambda r: terms[r]), terms))
    return chosen


def assert_same(
    fast: list[Ranked], slow: list[tuple[int, float, ReasonCode, dict[ReasonCode, float]]]
) -> None:
    assert len(fast) == len(slow)
    for got, (pos, score, _code, terms) in zip(fast, slow, strict=True):
        assert got.score == pytest.approx(score, abs=TOL)
        if got.position != pos:  # only a near-tie may swap two items
            assert got.score == pytest.approx(score, abs=TOL)
            continue
        # A personal reason only from a positive term of its kind (whether its claim holds in the profile:
        # tests.unit.ranking.test_reasons_property).
        if got.reason_code in PERSONAL:
            assert terms[got.reason_code] > 0


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("with_model", [True, False])
@pytest.mark.parametrize("neighbors", ["sparse", "dense"])
def test_vectorised_ranker_matches_the_plain_reference(
    seed: int, with_model: bool, neighbors: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # EASE sums are added by position (few entries for the catalog) or as a vector (many): test both.
    monkeypatch.setattr(workspace, "DENSE_NEIGHBORS", 0 if neighbors == "sparse" else 1_000_000)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 400))
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    artifact = random_model(rng, n) if with_model else None
    if artifact is not None and seed % 3 == 0:  # with the trainer's exposure counts
        artifact = replace(artifact, exposure=rng.integers(0, 40, len(artifact.item_ids)).astype(np.float32))
    if artifact is not None and seed % 4 == 1:  # with an EASE remainder
        shape = (len(artifact.item_ids), 5)
        remainder = (
            rng.normal(0, 0.05, shape).astype(np.float32),
            rng.normal(0, 0.05, shape).astype(np.float32),
        )
        artifact = replace(artifact, remainder=remainder)
    model = AlignedModel.build(artifact, index) if artifact is not None else None
    # Every other seed reads the EASE rows of only a few of the listener's liked items.
    rows = int(rng.integers(0, 12)) if seed % 2 else RankingWeights().max_neighbor_rows
    weights = RankingWeights(
        max_per_artist=int(rng.integers(1, 4)),
        max_neighbor_rows=rows,
        artist_spacing=seed % 3,
        debias_exposure=0.0 if seed % 2 else float(rng.uniform(0.1, 1.0)),
        remainder=float(rng.uniform(0.2, 2.0)),
    )
    for limit, explicit, genre in [
        (10, False, None),
        (37, True, None),
        (25, False, "jazz"),
        (n, False, None),
    ]:
        profile = random_listener(rng, n, artifact)
        found = rank(profile, index, model, weights, limit=limit, exclude_explicit=explicit, genre=genre)
        assert not found.cold_start
        assert found.model_version == (model.version if model is not None else None)
        assert_same(found.items, reference(profile, index, weights, model, limit, explicit, genre))


def test_filters_exclude_known_explicit_and_other_genres() -> None:
    rng = np.random.default_rng(7)
    index = CatalogIndex.build(1, random_catalog(rng, 300), DIM, 0, 1.0)
    artifact = random_model(rng, 300)
    model = AlignedModel.build(artifact, index)
    profile = random_listener(rng, 300, artifact)
    weights = RankingWeights(max_per_artist=50)
    ranked = rank(profile, index, model, weights, limit=300, exclude_explicit=True, genre="rock").items
    got = [index.records[r.position] for r in ranked]
    assert got
    assert not {r.item_id for r in got} & profile.known_items()
    assert not any(r.explicit for r in got)
    assert all("rock" in r.genres for r in got)
    against = {a for a, v in profile.artists.items() if v < 0}
    assert not {r.artist_id for r in got} & against


def test_a_catalog_large_enough_for_sampled_selection_matches_the_reference() -> None:
    """Above 8,192 items the top-k samples a threshold instead of partitioning every score."""
    rng = np.random.default_rng(21)
    n = 12_000
    index = CatalogIndex.build(1, random_catalog(rng, n), DIM, 0, 1.0)
    artifact = random_model(rng, n)
    model = AlignedModel.build(artifact, index)
    for limit, genre in [(50, None), (20, "folk")]:
        profile = random_listener(rng, n, artifact)
        fast = rank(profile, index, model, limit=limit, genre=genre).items
        assert_same(fast, reference(profile, index, RankingWeights(), model, limit, False, genre))


def test_id_lookup_finds_every_id_and_nothing_else() -> None:
    ids = [f"item-{i}" for i in range(5000)]
    lookup = IdLookup({item_id: i for i, item_id in enumerate(ids)})
    queries = [*ids[::7], "item-5000", "", "nope", *ids[:3]]
    expected = [*range(0, 5000, 7), -1, -1, -1, 0, 1, 2]
    assert lookup.find(queries).tolist() == expected
    assert IdLookup({}).find(["x"]).tolist() == [-1]
