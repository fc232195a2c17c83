"""The learned model: training math, the artifact, fold-in, the per-container cache and catalog alignment."""

import dataclasses
from math import isqrt

import numpy as np
import pytest

from mixtape.catalog.index import CatalogIndex
from mixtape.config import RankingIndex
from mixtape.errors import StorageUnavailableError
from mixtape.learning.aligned import AlignedModel, AlignedModelCache
from mixtape.learning.cache import ModelCache
from mixtape.learning.foldin import fold_in, positive_positions
from mixtape.learning.training import Interactions, _cg_half, _ridges, train, train_als, train_ease
from mixtape.models.artifact import IvfPartition, ModelArtifact, confidence
from mixtape.models.catalog import CatalogRecord
from mixtape.models.training_params import TrainingParams
from mixtape.search import ivf as ivf_module
from mixtape.storage.memory import MemoryModelStore

PARAMS = TrainingParams(factors=8, iterations=15, regularization=1.0, neighbors=10, ease_lambda=1.0)


def two_communities(listeners: int = 20) -> Interactions:
    """Rock fans play r0..r4, jazz fans play j0..j4 (each skips one at random): no cross-over."""
    rng = np.random.default_rng(7)
    triples = []
    for u in range(listeners):
        genre = "r" if u % 2 == 0 else "j"
        skipped = int(rng.integers(5))
        triples += [(f"u{u}", f"{genre}{i}", float(1 + u)) for i in range(5) if i != skipped]
    return Interactions.from_triples(triples)


def test_interactions_merge_repeated_pairs_and_drop_non_positive():
    data = Interactions.from_triples([("a", "x", 1.0), ("a", "x", 2.0), ("b", "x", -1.0), ("b", "y", 0.5)])
    pairs = {
        (data.user_ids[u], data.item_ids[i]): w
        for u, i, w in zip(data.user_index, data.item_index, data.weight, strict=True)
    }
    assert pairs == {("a", "x"): 3.0, ("b", "y"): 0.5}


def test_confidence_is_binary_at_epsilon_zero_and_logarithmic_otherwise():
    w = np.array([0.0, 1.0, 100.0])
    assert confidence(w, 5.0, 0.0).tolist() == [1.0, 6.0, 6.0]
    assert confidence(w, 1.0, 1.0) == pytest.approx([1.0, 1 + np.log(2), 1 + np.log(101)])


def test_cg_half_step_converges_to_the_exact_als_solution():
    data = two_communities()
    rng = np.random.default_rng(0)
    items = rng.normal(size=(len(data.item_ids), 4))
    extra = confidence(data.weight, 3.0, 0.0) - 1.0
    order = np.argsort(data.user_index, kind="stable")
    rows, cols, ext = data.user_index[order], data.item_index[order], extra[order]
    solved = _cg_half(rows, cols, ext, items, np.zeros((len(data.user_ids), 4)), 0.1, steps=20)
    for u in range(len(data.user_ids)):
        mine = cols[rows == u]
        c = ext[rows == u]
        system = items.T @ items + (items[mine].T * c) @ items[mine] + 0.1 * np.eye(4)
        exact = np.linalg.solve(system, items[mine].T @ (1.0 + c))
        assert solved[u] == pytest.approx(exact, rel=1e-6, abs=1e-9)


def test_weighted_lambda_gives_each_row_its_own_ridge_in_proportion_to_its_interactions():
    data = two_communities()
    rng = np.random.default_rng(0)
    items = rng.normal(size=(len(data.item_ids), 4))
    extra = confidence(data.weight, 3.0, 0.0) - 1.0
    params = PARAMS.model_copy(update={"regularization": 0.3, "regularization_scaling": "per_interaction"})
    user_ridge, item_ridge = _ridges(data, params)
    assert isinstance(user_ridge, np.ndarray)
    assert isinstance(item_ridge, np.ndarray)
    assert user_ridge.tolist() == [0.3 * np.sum(data.user_index == u) for u in range(len(data.user_ids))]
    assert item_ridge.sum() == pytest.approx(0.3 * len(data.weight))
    constant = PARAMS.model_copy(update={"regularization_scaling": "constant"})
    assert _ridges(data, constant) == (PARAMS.regularization, PARAMS.regularization)
    order = np.argsort(data.user_index, kind="stable")
    rows, cols, ext = data.user_index[order], data.item_index[order], extra[order]
    solved = _cg_half(rows, cols, ext, items, np.zeros((len(data.user_ids), 4)), user_ridge, steps=20)
    for u in range(len(data.user_ids)):
        mine = cols[rows == u]
        c = ext[rows == u]
        system = items.T @ items + (items[mine].T * c) @ items[mine] + user_ridge[u] * np.eye(4)
        exact = np.linalg.solve(system, items[mine].T @ (1.0 + c))
        assert solved[u] == pytest.approx(exact, rel=1e-6, abs=1e-9)


def test_the_artifact_keeps_fold_ins_own_ridge():
    params = PARAMS.model_copy(update={"regularization": 0.2, "foldin_regularization": 1.5})
    assert train(two_communities(), params, "v", 0).regularization == 1.5
    unset = PARAMS.model_copy(update={"foldin_regularization": None})
    assert train(two_communities(), unset, "v", 0).regularization == PARAMS.regularization


def test_als_ranks_unplayed_items_of_the_listeners_own_community_first():
    data = two_communities()
    users, items = train_als(data, PARAMS)
    scores = users @ items.T
    for u, user_id in enumerate(data.user_ids):
        genre = "r" if int(user_id[1:]) % 2 == 0 else "j"
        played = set(data.item_index[data.user_index == u].tolist())
        unplayed = [i for i in range(len(data.item_ids)) if i not in played]
        best = max(unplayed, key=lambda i: scores[u, i])
        assert data.item_ids[best].startswith(genre)


@pytest.mark.parametrize("listeners", [4, 40])  # fewer listeners than items (dual form), and more
def test_ease_rows_match_the_closed_form(listeners: int):
    data = two_communities(listeners)
    params = PARAMS.model_copy(update={"neighbors": 9, "min_item_users": 1})
    indptr, indices, values = train_ease(data, params).rows
    x = np.zeros(data.shape)
    x[data.user_index, data.item_index] = 1.0
    precision = np.linalg.inv(x.T @ x + params.ease_lambda * np.eye(x.shape[1]))
    expected = -precision / np.diag(precision)
    np.fill_diagonal(expected, 0.0)
    for row in range(x.shape[1]):
        got = dict(
            zip(
                indices[indptr[row] : indptr[row + 1]].tolist(),
                values[indptr[row] : indptr[row + 1]],
                strict=True,
            )
        )
        assert len(got) == 9  # every other item: all weights kept
        for col, value in got.items():
            assert value == pytest.approx(expected[row, col], rel=1e-4, abs=1e-6)


def test_ease_keeps_the_largest_weights_and_skips_rare_items():
    assert len(train_ease(Interactions.from_triples([]), PARAMS).rows[1]) == 0  # no data, no rows
    data = two_communities()
    indptr, _, _ = train_ease(data, PARAMS.model_copy(update={"neighbors": 3})).rows
    assert np.diff(indptr).tolist() == [3] * len(data.item_ids)
    assert set(np.diff(train_ease(data, PARAMS.model_copy(update={"min_item_users": 1000})).rows[0])) == {0}


def artifact(version: str = "v1") -> ModelArtifact:
    return train(two_communities(), PARAMS, version=version, trained_at_ms=1)


def test_artifact_round_trips_through_bytes():
    model = artifact()
    again = ModelArtifact.from_bytes(model.to_bytes())
    assert again.summary() == model.summary()
    assert list(again.item_ids) == list(model.item_ids)
    for name in ("factors", "gram", "neighbor_indptr", "neighbor_indices", "neighbor_weights", "listeners"):
        np.testing.assert_array_equal(getattr(again, name), getattr(model, name))
    assert again.ivf_lists is not None
    assert model.ivf_lists is not None
    np.testing.assert_array_equal(again.ivf_lists.centroids, model.ivf_lists.centroids)
    np.testing.assert_array_equal(again.ivf_lists.labels, model.ivf_lists.labels)
    assert (again.alpha, again.epsilon, again.regularization) == (
        model.alpha,
        model.epsilon,
        model.regularization,
    )


def test_an_artifact_without_ivf_lists_reads_as_none_and_damaged_lists_are_rejected():
    model = artifact()
    assert ModelArtifact.from_bytes(dataclasses.replace(model, ivf_lists=None).to_bytes()).ivf_lists is None
    assert model.ivf_lists is not None
    beyond = IvfPartition(model.ivf_lists.centroids, model.ivf_lists.labels + model.ivf_lists.n_lists)
    with pytest.raises(ValueError, match="IVF lists"):
        ModelArtifact.from_bytes(dataclasses.replace(model, ivf_lists=beyond).to_bytes())


def test_the_ease_remainder_round_trips_and_a_mismatched_one_is_rejected():
    model = train(two_communities(), PARAMS.model_copy(update={"ease_remainder_rank": 3}), "v1", 1)
    assert model.remainder is not None
    again = ModelArtifact.from_bytes(model.to_bytes())
    assert again.remainder is not None
    for mine, theirs in zip(again.remainder, model.remainder, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    without = train(two_communities(), PARAMS.model_copy(update={"ease_remainder_rank": 0}), "v1", 1)
    assert ModelArtifact.from_bytes(without.to_bytes()).remainder is None  # rank 0: none written
    short = (model.remainder[0][:-1], model.remainder[1][:-1])
    with pytest.raises(ValueError, match="remainder"):
        ModelArtifact.from_bytes(dataclasses.replace(model, remainder=short).to_bytes())


def test_the_aligned_remainder_keeps_left_rows_by_model_row_and_right_rows_by_catalog_position():
    model = train(two_communities(), PARAMS.model_copy(update={"ease_remainder_rank": 3}), "v1", 1)
    assert model.remainder is not None
    ids = ["new", *[i for i in model.item_ids if i != "j4"]]
    aligned = AlignedModel.build(model, CatalogIndex.build(1, [record(i) for i in ids], 4, 0, 1.0))
    assert aligned.remainder_left is not None
    assert aligned.remainder_right is not None
    np.testing.assert_array_equal(aligned.remainder_left, model.remainder[0])
    for item_id, pos in aligned.index.position.items():
        row = model.position.get(item_id)
        expected = np.zeros(3, np.float32) if row is None else model.remainder[1][row]
        np.testing.assert_array_equal(aligned.remainder_right[pos], expected)


def test_the_trainer_publishes_ivf_lists_of_its_factors():
    model = artifact()
    lists = model.ivf_lists
    assert lists is not None
    assert lists.centroids.shape == (isqrt(len(model.item_ids)), model.dim)
    # Every item is in the list of its nearest centroid.
    distances = ((model.factors[:, None, :] - lists.centroids[None, :, :]) ** 2).sum(axis=2)
    np.testing.assert_allclose(
        distances[np.arange(len(model.item_ids)), lists.labels], distances.min(axis=1), rtol=1e-4, atol=1e-6
    )


def test_fold_in_is_the_least_squares_user_vector():
    model = artifact()
    weights = {"r0": 3.0, "r1": 1.0, "ghost": 5.0, "j0": -2.0}  # unknown and negative items are ignored
    vector = fold_in(model, weights)
    assert vector is not None
    y = model.factors[[model.position["r0"], model.position["r1"]]].astype(np.float64)
    c = np.full(2, 1.0 + model.alpha)
    system = model.gram + (y.T * (c - 1)) @ y + model.regularization * np.eye(model.dim)
    np.testing.assert_allclose(vector, np.linalg.solve(system, y.T @ c), rtol=1e-5)
    assert fold_in(model, {"ghost": 1.0, "j0": -1.0}) is None


def test_model_cache_probes_at_most_every_interval_and_loads_each_version_once():
    store = MemoryModelStore()
    clock = [0.0]
    cache = ModelCache(store, check_seconds=5, monotonic=lambda: clock[0])
    assert cache.get() is None
    store.publish(artifact("v1"))
    assert cache.get() is None  # probed at t=0 already
    clock[0] = 5.0
    assert cache.get().version == "v1"  # type: ignore[union-attr]
    clock[0] = 11.0
    assert cache.get().version == "v1"  # type: ignore[union-attr]
    cache.wait()  # once a model is loaded, probes run in the background
    store.publish(artifact("v2"))
    clock[0] = 16.0
    cache.get()
    cache.wait()
    assert cache.get().version == "v2"  # type: ignore[union-attr]
    assert store.loads == 2


def test_an_unreadable_model_keeps_the_loaded_one_and_is_not_fetched_again():
    store = MemoryModelStore()
    store.publish(artifact("v1"))
    clock = [0.0]
    cache = ModelCache(store, check_seconds=5, monotonic=lambda: clock[0])
    assert cache.get().version == "v1"  # type: ignore[union-attr]
    damaged = artifact("v2").to_bytes()
    store.publish(artifact("v2"))
    store.load = lambda version: ModelArtifact.from_bytes(damaged[: len(damaged) // 2])  # type: ignore[method-assign]
    for t in (5.0, 10.0):
        clock[0] = t
        assert cache.get().version == "v1"  # type: ignore[union-attr]  # requests keep being served
        cache.wait()
    calls: list[str] = []

    def counted_load(version: str) -> ModelArtifact:
        calls.append(version)
        return artifact(version)

    store.load = counted_load  # type: ignore[method-assign]
    clock[0] = 15.0
    assert cache.get().version == "v1"  # type: ignore[union-attr]
    cache.wait()
    assert calls == []  # the unreadable v2 is not fetched again...
    store.publish(artifact("v3"))
    clock[0] = 20.0
    cache.get()
    cache.wait()
    assert cache.get().version == "v3"  # type: ignore[union-attr]  # ...but the next version is


def record(item_id: str) -> CatalogRecord:
    return CatalogRecord(
        item_id, item_id, f"art-{item_id}", f"Artist {item_id}", (), False, None, None, None, {}
    )


def test_aligned_model_maps_model_rows_onto_catalog_positions():
    model = artifact()
    # The catalog lacks j4 and has an item the model never saw.
    ids = ["new", *[i for i in model.item_ids if i != "j4"]]
    index = CatalogIndex.build(1, [record(i) for i in ids], 4, 0, 1.0)
    aligned = AlignedModel.build(model, index)
    assert not aligned.known[index.position["new"]]
    top = max(np.log1p(model.listeners[model.position[i]]) for i in ids if i in model.position)
    for item_id, pos in index.position.items():  # every catalog item against the model, by id
        row = model.position.get(item_id)
        assert aligned.known[pos] == (row is not None)
        assert aligned.row_of[pos] == (-1 if row is None else row)
        expected = np.zeros(model.dim, np.float32) if row is None else model.factors[row]
        np.testing.assert_array_equal(aligned.factors[pos], expected)
        listeners = 0.0 if row is None else np.log1p(model.listeners[row]) / top
        assert aligned.log_listeners[pos] == pytest.approx(listeners, rel=1e-6)
    assert aligned.factors.flags.f_contiguous  # the layout the full scan streams
    liked = {"r0": 1.0, "j1": 2.0}
    dense = np.zeros(len(model.item_ids))
    for item in liked:
        row = model.position[item]
        for k in range(model.neighbor_indptr[row], model.neighbor_indptr[row + 1]):
            dense[model.neighbor_indices[k]] += model.neighbor_weights[k]
    rows, _ = positive_positions(model, liked)
    columns, weights = aligned.neighbor_entries(np.asarray(rows, dtype=np.int64))
    real = columns < len(index)  # padding points at the sink position
    got: dict[int, float] = {}
    for position, weight in zip(columns[real].tolist(), weights[real].tolist(), strict=True):
        got[position] = got.get(position, 0.0) + weight
    for item_id, pos in index.position.items():
        expected = dense[model.position[item_id]] if item_id in model.position else 0.0
        assert got.get(pos, 0.0) == pytest.approx(expected, abs=1e-6)


def test_a_container_indexes_the_models_ivf_lists_instead_of_clustering(monkeypatch):
    model = artifact()
    assert model.ivf_lists is not None
    index = CatalogIndex.build(1, [record(i) for i in ["new", *model.item_ids]], 4, 0, 1.0)
    aligned = AlignedModel.build(model, index)

    def no_clustering(*args: object, **kwargs: object) -> None:
        raise AssertionError("clustered in the container")

    monkeypatch.setattr(ivf_module, "_kmeans", no_clustering)
    ivf = aligned.ivf(RankingIndex(kind="ivf", ivf_min_items=1))
    assert ivf is not None
    assert ivf.n_lists == model.ivf_lists.n_lists
    for item_id, row in model.position.items():
        assert ivf.list_of[index.position[item_id]] == model.ivf_lists.labels[row]
    # The item the model never saw (a zero row) goes to the list nearest the origin.
    norms = (model.ivf_lists.centroids**2).sum(axis=1)
    assert ivf.list_of[index.position["new"]] == int(np.argmin(norms))
    # Asking for another number of lists clusters in the container, as before the model had lists.
    with pytest.raises(AssertionError, match="clustered"):
        aligned.ivf(RankingIndex(kind="ivf", ivf_min_items=1, n_lists=2))


def test_aligned_cache_rebuilds_when_either_side_changes():
    store = MemoryModelStore()
    store.publish(artifact("v1"))
    models = ModelCache(store, check_seconds=0)
    cache = AlignedModelCache(models)
    assert AlignedModelCache(None).get(CatalogIndex.build(1, [], 4, 0, 1.0)) is None
    first_index = CatalogIndex.build(1, [record("r0")], 4, 0, 1.0)
    first = cache.get(first_index)
    assert first is cache.get(first_index)
    assert cache.get(CatalogIndex.build(2, [record("r0")], 4, 0, 1.0)) is not first
    models.wait()
    store.publish(artifact("v2"))
    cache.get(first_index)
    models.wait()
    assert cache.get(first_index).version == "v2"  # type: ignore[union-attr]


def test_a_reload_that_only_moved_popularity_rebases_the_aligned_model_instead_of_rebuilding_it():
    store = MemoryModelStore()
    store.publish(artifact("v1"))
    cache = AlignedModelCache(
        ModelCache(store, check_seconds=0), warm=RankingIndex(kind="ivf", ivf_min_items=1)
    )
    ids = [f"r{i}" for i in range(30)]
    first_index = CatalogIndex.build(1, [record(i) for i in ids], 4, 0, 1.0)
    first = cache.get(first_index)
    assert first is not None
    ivf = first.ivf(RankingIndex(kind="ivf", ivf_min_items=1))
    # The same version and items, with plays: only popularity differs.
    played = [record(i)._replace(popularity={0: 5.0}) if i == "r3" else record(i) for i in ids]
    reloaded = CatalogIndex.build(1, played, 4, 0, 1.0)
    assert reloaded.same_items(first_index)
    assert not np.array_equal(reloaded.popularity, first_index.popularity)
    cache.prepare(index=reloaded)  # what the catalog refresh does before requests see the index
    rebased = cache.get(reloaded)
    assert rebased is not None
    assert rebased is not first
    assert rebased.index is reloaded
    assert rebased.factors is first.factors  # not aligned again
    assert rebased.ivf(RankingIndex(kind="ivf", ivf_min_items=1)) is ivf  # nor the IVF index rebuilt
    # A new catalog version, or the same items in another order, is aligned from scratch.
    for other in (
        CatalogIndex.build(2, [record(i) for i in ids], 4, 0, 1.0),
        CatalogIndex.build(1, [record(i) for i in reversed(ids)], 4, 0, 1.0),
    ):
        assert not other.same_items(first_index)
        assert cache.get(other).factors is not first.factors  # type: ignore[union-attr]


class FlakyStore(MemoryModelStore):
    failing: bool = False

    def current_version(self) -> str | None:
        if self.failing:
            raise StorageUnavailableError("S3 is down")
        return super().current_version()


def test_model_cache_keeps_serving_when_the_store_fails():
    store = FlakyStore()
    store.failing = True
    cache = ModelCache(store, check_seconds=0)
    assert cache.get() is None  # never loaded: rank and fold without a model, no error
    store.failing = False
    store.publish(artifact("v1"))
    assert cache.get().version == "v1"  # type: ignore[union-attr]
    store.failing = True
    assert cache.get().version == "v1"  # type: ignore[union-attr]


def test_the_same_rows_in_any_order_train_the_same_model():
    """A scan returns rows in a different order each run; ALS's random start is drawn per index."""
    data = two_communities()
    triples = [
        (data.user_ids[u], data.item_ids[i], float(w))
        for u, i, w in zip(data.user_index, data.item_index, data.weight, strict=True)
    ]
    triples += [(u, i, w / 2) for u, i, w in triples[::3]]  # repeated pairs, summed
    shuffled = list(triples)
    np.random.default_rng(1).shuffle(shuffled)
    a, b = Interactions.from_triples(triples), Interactions.from_triples(shuffled)
    assert a.user_ids == sorted(a.user_ids)
    assert a.item_ids == sorted(a.item_ids)
    assert (a.user_ids, a.item_ids) == (b.user_ids, b.item_ids)
    assert np.array_equal(a.user_index, b.user_index)
    assert np.array_equal(a.item_index, b.item_index)
    assert np.array_equal(a.weight, b.weight)
    first, second = train(a, PARAMS, "v", 0), train(b, PARAMS, "v", 0)
    assert np.array_equal(first.factors, second.factors)
    assert np.array_equal(first.neighbor_weights, second.neighbor_weights)
