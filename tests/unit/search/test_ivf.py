"""IVF lists and the index the ranker probes: every result is compared with a plain float64 scan of all
items and a stable argsort, never with the index's own code."""

import numpy as np
import numpy.typing as npt
import pytest

from mixtape.models.artifact import IvfPartition
from mixtape.search.ivf import Facets, IvfIndex, partition


def unit(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    return (points / np.linalg.norm(points, axis=-1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def catalog() -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Clustered unit vectors (IVF is pointless on isotropic ones); queries near catalog items."""
    rng = np.random.default_rng(7)
    centers = rng.standard_normal((40, 16))
    embeddings = unit(centers[rng.integers(0, 40, 6_000)] + 0.5 * rng.standard_normal((6_000, 16)))
    queries = unit(embeddings[rng.integers(0, 6_000, 30)] + 0.1 * rng.standard_normal((30, 16)))
    return embeddings, queries


def exact_top(embeddings, query, k: int) -> list[int]:
    return np.argsort(-(embeddings.astype(np.float64) @ query), kind="stable")[:k].tolist()


def test_probing_every_list_scores_every_item_exactly(catalog) -> None:
    embeddings, queries = catalog
    ivf = IvfIndex(embeddings, n_lists=32, n_probe=32)

    for query in queries[:5]:
        keys, scores, slots = ivf.probe(query, np.arange(ivf.n_lists))

        assert sorted(keys.tolist()) == list(range(len(embeddings)))  # each item once
        np.testing.assert_allclose(scores, embeddings[keys].astype(np.float64) @ query, rtol=1e-5, atol=1e-6)
        assert ivf.items_at(slots).tolist() == keys.tolist()
        assert ivf.list_slots(keys).tolist() == slots.tolist()


def test_probing_the_best_routed_lists_finds_most_of_the_true_top_10(catalog) -> None:
    """What the ranker does with route and probe: the few lists whose centroids score best hold most of
    the best items (recall@10 on clustered data), and only items of the probed lists come back."""
    embeddings, queries = catalog
    ivf = IvfIndex(embeddings, n_lists=64, n_probe=6)
    hits = 0

    for query in queries:
        routing = ivf.route(query)
        best = np.argsort(-routing, kind="stable")[: ivf.n_probe]
        keys, scores, _ = ivf.probe(query, best)

        assert set(ivf.list_of[keys].tolist()) <= set(best.tolist())
        assert len(keys) == int(np.isin(ivf.list_of, best).sum())  # every item of those lists
        top = keys[np.argsort(-scores, kind="stable")[:10]]
        hits += len(set(top.tolist()) & set(exact_top(embeddings, query, 10)))
    assert hits / (10 * len(queries)) >= 0.9


def test_per_item_data_in_list_order_follows_the_slots(catalog) -> None:
    embeddings, _ = catalog
    ivf = IvfIndex(embeddings, n_lists=16, n_probe=2)
    positions = np.arange(len(embeddings))
    slots = ivf.list_slots(positions)

    assert sorted(slots.tolist()) == positions.tolist()  # a permutation
    assert ivf.in_list_order(positions)[slots].tolist() == positions.tolist()
    np.testing.assert_array_equal(ivf.list_vectors(slots[[3, 1_000, 5_999]]), embeddings[[3, 1_000, 5_999]])
    # each list's items are contiguous in list order
    for lst in range(ivf.n_lists):
        held = np.sort(slots[ivf.list_of == lst])
        assert held.tolist() == list(range(held[0], held[0] + len(held)))
    with pytest.raises(ValueError, match="query"):
        ivf.route(np.ones(17))


def test_an_index_is_deterministic_and_copes_with_an_empty_catalog(catalog) -> None:
    embeddings, queries = catalog
    first = IvfIndex(embeddings, n_lists=16, n_probe=2)
    second = IvfIndex(embeddings, n_lists=16, n_probe=2)

    assert first.list_of.tolist() == second.list_of.tolist()
    assert first.route(queries[1]).tolist() == second.route(queries[1]).tolist()
    empty = IvfIndex(np.empty((0, 16), dtype=np.float32), n_probe=2)
    assert (len(empty), empty.n_lists, len(empty.route(queries[1]))) == (0, 0, 0)
    assert len(empty.probe(queries[1], [])[0]) == 0


def test_an_index_built_from_a_partition_keeps_its_lists_and_assigns_the_items_it_lacks(catalog) -> None:
    embeddings, queries = catalog
    computed = partition(embeddings, n_lists=16, seed=0)
    labels = computed.labels.copy()
    unseen = np.arange(0, len(labels), 7)
    labels[unseen] = -1  # items the partition's trainer never saw

    given = IvfIndex(embeddings, n_probe=2, lists=IvfPartition(computed.centroids, labels))
    built = IvfIndex(embeddings, n_lists=16, n_probe=2)  # the same partition, computed here

    assert given.list_of.tolist() == built.list_of.tolist() == computed.labels.tolist()
    expected = computed.centroids.astype(np.float64) @ queries[0]  # routing: each centroid's score
    np.testing.assert_allclose(given.route(queries[0]), expected, rtol=1e-5, atol=1e-6)
    wider = IvfPartition(np.hstack((computed.centroids, computed.centroids[:, :1])), computed.labels)
    with pytest.raises(ValueError, match="partition"):
        IvfIndex(embeddings, n_probe=2, lists=wider)  # centroids of another dimension


def test_partition_assigns_every_item_to_its_nearest_centroid(catalog) -> None:
    embeddings, _ = catalog
    lists = partition(embeddings, n_lists=24, seed=3)
    distances = ((embeddings[:, None, :] - lists.centroids[None, :, :]) ** 2).sum(axis=2)
    nearest = distances.min(axis=1)
    chosen = distances[np.arange(len(embeddings)), lists.labels]
    np.testing.assert_allclose(chosen, nearest, rtol=1e-4, atol=1e-5)
    assert lists.n_lists == 24
    assert lists.labels.dtype == np.int32


def facet_catalog(catalog) -> tuple[IvfIndex, Facets, npt.NDArray[np.float32]]:
    """The clustered catalog with 5 side-feature columns, independent of the clusters: each item holds 1 or
    2 of them (1/2 each), one (column, item) pair given twice to check that repeats add up."""
    embeddings, _ = catalog
    rng = np.random.default_rng(3)
    n = len(embeddings)
    first, second = rng.integers(0, 5, n), rng.integers(0, 5, n)
    two = rng.random(n) < 0.7
    items = np.concatenate((np.arange(n), np.flatnonzero(two), [0]))
    columns = np.concatenate((first, second[two], [first[0]]))
    values = np.concatenate((np.where(two, 0.5, 1.0), np.full(int(two.sum()), 0.5), [0.25])).astype(
        np.float32
    )
    facets = Facets(columns=columns, items=items, values=values, names=tuple(f"g{c}" for c in range(5)))
    dense = np.zeros((n, 5), dtype=np.float32)
    np.add.at(dense, (items, columns), values)
    return IvfIndex(embeddings, n_lists=40, n_probe=4, facets=facets), facets, dense


def brute_cells(ivf: IvfIndex, dense, routing, skip, columns, weights, budget) -> set[int]:
    """The same choice, by a loop over (column, list) cells."""
    cells = []
    for c, w in zip(columns, weights, strict=True):
        for lst in range(ivf.n_lists):
            members = np.flatnonzero((ivf.list_of == lst) & (dense[:, c] > 0))
            if w > 0 and not skip[lst] and len(members):
                cells.append((-(routing[lst] + w * dense[members, c].mean()), c, lst, members))
    chosen: set[int] = set()
    count = 0
    for _, _, _, members in sorted(cells, key=lambda cell: cell[:3]):
        if count >= budget:
            break
        chosen.update(members.tolist())
        count += len(members)
    return chosen


def test_ivf_cells_are_the_items_of_the_best_cells(catalog) -> None:
    ivf, _, dense = facet_catalog(catalog)
    _, queries = catalog
    assert ivf.facet_columns == {f"g{c}": c for c in range(5)}
    for query, columns, weights, budget in [
        (queries[0], [0, 3], [0.5, 0.2], 400),
        (queries[1], [4], [1.0], 50),
        (queries[2], [1, 2, 0], [0.3, -1.0, 0.0], 900),  # non-positive weights choose nothing
    ]:
        routing = ivf.route(query)
        skip = np.zeros(ivf.n_lists, dtype=np.bool_)
        skip[np.argsort(-routing)[: ivf.n_probe]] = True
        slots, lists = ivf.cells(
            routing, skip, np.array(columns), np.array(weights, dtype=np.float32), budget
        )
        found = ivf.items_at(slots).tolist()
        assert lists.tolist() == ivf.list_of[found].tolist()

        assert set(found) == brute_cells(ivf, dense, routing, skip, columns, weights, budget)
        held = (dense[:, columns] > 0) & (np.array(weights) > 0)
        assert all(found.count(i) <= held[i].sum() for i in set(found))  # once per column it holds at most
        assert not skip[ivf.list_of[found]].any()
        # slots index the index's own data: the items' embeddings
        np.testing.assert_array_equal(ivf.list_vectors(slots), catalog[0][found])
    assert len(ivf.cells(routing, skip, np.array([1]), np.array([1.0], dtype=np.float32), 0)[0]) == 0
    assert (
        len(
            IvfIndex(catalog[0], n_lists=8, n_probe=1).cells(
                routing[:8], skip[:8], np.array([0]), np.ones(1, dtype=np.float32), 10
            )[0]
        )
        == 0
    )


def test_ivf_cells_find_the_side_feature_items_factor_routing_misses(catalog) -> None:
    """Score = e·q + w·(side value in one column), for queries mixing three items (a short history):
    the best items include ones of that column in lists routing ranks below the probed ones. The cells of
    the column in the next lists find them."""
    ivf, _, dense = facet_catalog(catalog)
    embeddings = catalog[0]
    rng = np.random.default_rng(5)
    weight = np.float32(1.0)
    found = missed = 0
    for _ in range(30):
        query = unit(embeddings[rng.integers(0, len(embeddings), 3)].sum(axis=0))
        best = set(np.argsort(-(embeddings @ query + weight * dense[:, 2]))[:10].tolist())
        routing = ivf.route(query)
        skip = np.zeros(ivf.n_lists, dtype=np.bool_)
        skip[np.argsort(-routing)[: ivf.n_probe]] = True
        probed = set(np.flatnonzero(skip[ivf.list_of]).tolist())
        cells = set(
            ivf.items_at(ivf.cells(routing, skip, np.array([2]), np.array([weight]), 600)[0]).tolist()
        )
        missed += len(best - probed)
        found += len(best & (probed | cells))
    assert missed >= 20  # of 300: the probed lists alone miss them
    assert found >= 0.98 * 300
