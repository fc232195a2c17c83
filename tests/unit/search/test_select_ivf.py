"""Top-k selection and vector indexes: every result is compared with the plain stable-argsort reference."""

import numpy as np
import numpy.typing as npt
import pytest

from mixtape.models.artifact import IvfPartition
from mixtape.search import ivf, select
from mixtape.search.ivf import ExactIndex, Facets, IndexConfig, IvfIndex, build_index
from mixtape.search.select import TopK, score_into, spread_positions, top_k

FOLDED = select.FOLD_FROM + 7  # large enough for the folded candidate scan, with a ragged tail


def reference(scores: npt.NDArray[np.floating], k: int) -> npt.NDArray[np.intp]:
    order = np.argsort(-scores, kind="stable")
    return order[np.isfinite(scores[order])][:k]


def make_scores(kind: str, n: int, rng: np.random.Generator) -> npt.NDArray[np.float32]:
    scores = rng.standard_normal(n).astype(np.float32)
    if kind == "ties":  # a handful of distinct values: the k-th value is tied many times
        scores = rng.integers(0, 4, n).astype(np.float32)
    elif kind == "signed_zeros":
        scores = rng.choice(np.array([-0.0, 0.0, 1.0], dtype=np.float32), n)
    elif kind == "mostly_excluded":
        scores[rng.random(n) < 0.97] = -np.inf
    elif kind == "all_excluded":
        scores[:] = -np.inf
    elif kind == "infinities_and_nan":  # +inf and NaN are not scores: never returned, like -inf
        scores[rng.random(n) < 0.01] = np.inf
        scores[rng.random(n) < 0.01] = np.nan
        scores[rng.random(n) < 0.3] = -np.inf
    return scores


KINDS = ["normal", "ties", "signed_zeros", "mostly_excluded", "all_excluded", "infinities_and_nan"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("k", [1, 10, 100])
def test_top_k_is_the_stable_argsort_of_finite_scores(kind: str, k: int) -> None:
    rng = np.random.default_rng(k)
    for n in (0, 1, k - 1, k, k + 1, 10_000, FOLDED):
        for _ in range(3 if n < 10_000 else 1):
            scores = make_scores(kind, n, rng)
            expected = reference(scores, k)

            assert top_k(scores, k).tolist() == expected.tolist(), (kind, n, k)
            assert TopK(n, seed=int(rng.integers(1 << 30)))(scores, k).tolist() == expected.tolist()


def test_many_seeds_on_the_sampled_path() -> None:
    for seed in range(40):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(select.FULL_PASS_BELOW, 40_000))
        k = int(rng.integers(1, 300))
        scores = make_scores(KINDS[seed % len(KINDS)], n, rng)

        assert top_k(scores, k).tolist() == reference(scores, k).tolist(), seed


def test_result_type_and_trivial_k() -> None:
    scores = np.arange(20_000, dtype=np.float32)

    chosen = top_k(scores, 3)

    assert chosen.dtype == np.int64
    assert chosen.tolist() == [19_999, 19_998, 19_997]
    assert top_k(scores, 0).tolist() == []
    assert top_k(scores.astype(np.float64), 2).tolist() == [19_999, 19_998]
    assert TopK(20_000)(scores.astype(np.float64), 2).tolist() == [19_999, 19_998]


def test_a_sample_that_misleads_the_threshold_falls_back_and_stays_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The strided sample sees only high scores, so its threshold lets too few items through."""
    n, k = 40_000, 200
    scores = np.zeros(n, dtype=np.float32)
    stride = n // select._sample_size(n)
    scores[::stride] = np.linspace(2.0, 3.0, len(scores[::stride]), dtype=np.float32)
    scores[1::stride] = 1.0  # the true runners-up, all tied, none of them sampled
    fallbacks = []
    full = select._full_candidates

    def counted(*args):
        fallbacks.append(1)
        return full(*args)

    monkeypatch.setattr(select, "_full_candidates", counted)

    assert top_k(scores, k).tolist() == reference(scores, k).tolist()
    assert fallbacks == [1]


def test_random_scores_never_need_the_full_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sampled threshold's safety margin: the fallback stays the rare exception it is meant to be."""
    monkeypatch.setattr(select, "_full_candidates", lambda *_: pytest.fail("fell back to the full pass"))
    for seed in range(24):
        rng = np.random.default_rng(seed)
        kind = ("normal", "mostly_excluded", "infinities_and_nan")[seed % 3]
        n, k = int(rng.integers(FOLDED, 2 * FOLDED)), int(rng.integers(1, 500))
        scores = make_scores(kind, n, rng)

        assert TopK(n, seed=seed)(scores, k).tolist() == reference(scores, k).tolist()


def test_the_ragged_tail_of_the_folded_scan_is_searched() -> None:
    scores = np.zeros(FOLDED, dtype=np.float32)
    scores[-3:] = [3.0, 1.0, 2.0]
    scores[5] = 1.0

    assert top_k(scores, 4).tolist() == [FOLDED - 3, FOLDED - 1, 5, FOLDED - 2]


def test_reused_selector_returns_fresh_arrays() -> None:
    rng = np.random.default_rng(3)
    selector = TopK(FOLDED)
    first_scores = rng.standard_normal(FOLDED).astype(np.float32)
    first = selector(first_scores, 50)
    snapshot = first.copy()

    for _ in range(5):
        scores = rng.standard_normal(FOLDED).astype(np.float32)
        assert selector(scores, 50).tolist() == reference(scores, 50).tolist()
    assert np.array_equal(first, snapshot)
    with pytest.raises(ValueError, match="expected"):
        selector(first_scores[:-1], 5)


def test_keys_break_ties() -> None:
    scores = np.array([1.0, 2.0, 1.0, 1.0], dtype=np.float32)
    keys = np.array([9, 5, 3, 7], dtype=np.int64)

    assert TopK(4)(scores, 3, keys=keys).tolist() == [1, 2, 3]


def test_score_into_writes_float32_in_place() -> None:
    rng = np.random.default_rng(0)
    embeddings = rng.standard_normal((500, 8)).astype(np.float32)
    query = rng.standard_normal(8).astype(np.float32)
    bias = rng.random(500).astype(np.float32)
    out = np.empty(500, dtype=np.float32)

    result = score_into(embeddings, query, out, bias)

    assert result is out
    np.testing.assert_allclose(out, embeddings @ query + bias, rtol=1e-5, atol=1e-6)


def unit(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    return (points / np.linalg.norm(points, axis=-1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def catalog() -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Clustered unit vectors (IVF is pointless on isotropic ones); queries near catalog items."""
    rng = np.random.default_rng(7)
    centers = rng.standard_normal((40, 16))
    embeddings = unit(centers[rng.integers(0, 40, 6_000)] + 0.5 * rng.standard_normal((6_000, 16)))
    bias = (0.1 * rng.random(6_000)).astype(np.float32)
    queries = unit(embeddings[rng.integers(0, 6_000, 30)] + 0.1 * rng.standard_normal((30, 16)))
    return embeddings, bias, queries


def float64_search(embeddings, bias, query, k, excluded) -> set[int]:
    scores = embeddings.astype(np.float64) @ query + bias
    scores[excluded] = -np.inf
    return set(reference(scores, k).tolist())


def test_exact_index_search(catalog) -> None:
    embeddings, bias, queries = catalog
    index = ExactIndex(embeddings, bias)
    rng = np.random.default_rng(1)

    for query in queries:
        excluded = rng.choice(len(embeddings), 300, replace=False)
        chosen, scores = index.search(query, 25, excluded)
        mask = np.zeros(len(embeddings), dtype=np.bool_)
        mask[excluded] = True

        assert set(chosen.tolist()).isdisjoint(excluded.tolist())
        assert chosen.tolist() == index.search(query, 25, mask)[0].tolist()
        assert chosen.tolist() == index.search(query, 25, excluded.tolist())[0].tolist()
        assert scores.tolist() == sorted(scores.tolist(), reverse=True)
        np.testing.assert_allclose(scores, embeddings[chosen] @ query + bias[chosen], rtol=1e-5)
        # float32 rounding may swap near-equal neighbours, never membership of clear winners
        assert len(set(chosen[:20].tolist()) & float64_search(embeddings, bias, query, 25, excluded)) >= 19


def test_exact_index_is_top_k_of_its_own_scores() -> None:
    embeddings = np.eye(4, dtype=np.float32)[[0, 1, 1, 2, 3, 1]]  # items 1, 2 and 5 tie
    index = ExactIndex(embeddings)

    chosen, scores = index.search(np.array([0.0, 1.0, 0.0, 0.0]), 10, [2])

    assert chosen.tolist() == [1, 5, 0, 3, 4]
    assert scores.tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert index.search(np.ones(4), 3, np.ones(6, dtype=np.bool_))[0].tolist() == []


@pytest.mark.parametrize(
    ("exclude", "message"),
    [([6], "lie in"), ([-1], "lie in"), (np.zeros(5, dtype=np.bool_), "mask"), ([0.5], "integer")],
)
def test_bad_exclusions_are_rejected(exclude, message) -> None:
    index = ExactIndex(np.eye(6, 4, dtype=np.float32))

    with pytest.raises(ValueError, match=message):
        index.search(np.ones(4), 2, exclude)


def test_bad_query_is_rejected() -> None:
    with pytest.raises(ValueError, match="query"):
        ExactIndex(np.eye(6, 4, dtype=np.float32)).search(np.ones(5), 2)


def test_ivf_probing_every_list_is_exact(catalog) -> None:
    embeddings, bias, queries = catalog
    exact = ExactIndex(embeddings, bias)
    ivf = IvfIndex(embeddings, bias, n_lists=32, n_probe=32)
    rng = np.random.default_rng(2)

    for query in queries:
        excluded = rng.choice(len(embeddings), 200, replace=False)
        chosen, scores = ivf.search(query, 40, excluded)
        expected_ids, expected_scores = exact.search(query, 40, excluded)

        assert chosen.tolist() == expected_ids.tolist()
        np.testing.assert_allclose(scores, expected_scores, rtol=1e-6)  # per-list BLAS calls round apart


def test_ivf_results_are_true_scores_in_order_and_never_excluded(catalog) -> None:
    embeddings, bias, queries = catalog
    exact = ExactIndex(embeddings, bias)
    ivf = IvfIndex(embeddings, bias, n_lists=64, n_probe=6)
    rng = np.random.default_rng(3)
    hits = 0

    for query in queries:
        excluded = rng.choice(len(embeddings), 500, replace=False)
        chosen, scores = ivf.search(query, 10, excluded)
        truth = exact.search(query, 10, excluded)[0]

        assert len(chosen) == 10
        assert set(chosen.tolist()).isdisjoint(excluded.tolist())
        np.testing.assert_allclose(scores, embeddings[chosen] @ query + bias[chosen], rtol=1e-5)
        assert sorted(zip(-scores, chosen, strict=True)) == list(zip(-scores, chosen, strict=True))
        hits += len(set(chosen.tolist()) & set(truth.tolist()))
    assert hits / (10 * len(queries)) >= 0.9  # recall@10 on clustered data


def test_ivf_widens_when_exclusions_empty_the_probed_lists(catalog) -> None:
    embeddings, _, queries = catalog
    ivf = IvfIndex(embeddings, n_lists=64, n_probe=2)
    keep = np.array([5, 77, 4_000])
    mask = np.ones(len(embeddings), dtype=np.bool_)
    mask[keep] = False

    chosen, _ = ivf.search(queries[0], 10, mask)
    chosen_by_ids, _ = ivf.search(queries[0], 10, np.flatnonzero(mask))

    assert sorted(chosen.tolist()) == keep.tolist()
    assert chosen.tolist() == chosen_by_ids.tolist()
    assert len(ivf.search(queries[0], 10)[0]) == 10  # the integer exclusions were cleared afterwards


def test_ivf_is_deterministic_and_copes_with_empty_catalogs(catalog) -> None:
    embeddings, bias, queries = catalog
    first = IvfIndex(embeddings, bias, n_lists=16, n_probe=2)
    second = IvfIndex(embeddings, bias, n_lists=16, n_probe=2)

    assert first.list_sizes.tolist() == second.list_sizes.tolist()
    assert first.search(queries[1], 20)[0].tolist() == second.search(queries[1], 20)[0].tolist()
    assert len(IvfIndex(np.empty((0, 16), dtype=np.float32)).search(queries[1], 5)[0]) == 0
    assert len(ExactIndex(np.empty((0, 16), dtype=np.float32)).search(queries[1], 5)[0]) == 0


def test_an_index_built_from_a_partition_keeps_its_lists_and_assigns_the_items_it_lacks(catalog) -> None:
    embeddings, bias, queries = catalog
    computed = ivf.partition(embeddings, bias, n_lists=16, seed=0)
    assert computed.centroids.shape == (16, embeddings.shape[1] + 1)  # clustered with the bias column
    labels = computed.labels.copy()
    unseen = np.arange(0, len(labels), 7)
    labels[unseen] = -1  # items the partition's trainer never saw

    given = IvfIndex(embeddings, bias, n_probe=2, lists=IvfPartition(computed.centroids, labels))
    built = IvfIndex(embeddings, bias, n_lists=16, n_probe=2, seed=0)  # the same partition, computed here

    assert given.list_of.tolist() == built.list_of.tolist() == computed.labels.tolist()
    assert given.search(queries[0], 20)[0].tolist() == built.search(queries[0], 20)[0].tolist()
    with pytest.raises(ValueError, match="partition"):
        IvfIndex(embeddings, lists=computed)  # clustered with a bias column, given none


def test_partition_assigns_every_item_to_its_nearest_centroid(catalog) -> None:
    embeddings, _, _ = catalog
    lists = ivf.partition(embeddings, n_lists=24, seed=3)
    distances = ((embeddings[:, None, :] - lists.centroids[None, :, :]) ** 2).sum(axis=2)
    nearest = distances.min(axis=1)
    chosen = distances[np.arange(len(embeddings)), lists.labels]
    np.testing.assert_allclose(chosen, nearest, rtol=1e-4, atol=1e-5)
    assert lists.n_lists == 24
    assert lists.labels.dtype == np.int32


def test_build_index_follows_configuration(catalog) -> None:
    embeddings, bias, _ = catalog

    assert isinstance(build_index(embeddings, bias), ExactIndex)
    assert isinstance(build_index(embeddings, bias, IndexConfig(kind="ivf")), ExactIndex)  # too small
    ivf = build_index(embeddings, bias, IndexConfig(kind="ivf", ivf_min_items=1, n_lists=20, n_probe=3))
    assert isinstance(ivf, IvfIndex)
    assert (ivf.n_lists, ivf.n_probe) == (20, 3)


@pytest.mark.parametrize(("n", "s"), [(8_192, 1_024), (100_000, 12_500), (1_000_003, 16_384)])
def test_the_sample_positions_are_distinct_ascending_and_spread_over_the_catalog(n, s):
    # TopK's threshold sample: a stand-in for a random one (no numpy.random at cold start), so it must
    # cover the whole catalog evenly, not a prefix or a few clusters.
    positions = spread_positions(n, s)
    assert len(positions) == s
    assert np.all(np.diff(positions) > 0)
    assert positions[0] >= 0
    assert positions[-1] < n
    assert np.diff(positions).max() <= 3 * n / s  # no stretch of the catalog is skipped
    halves = np.bincount(positions * 2 // n, minlength=2)  # any window gets its share, not just the ends
    assert abs(int(halves[0]) - int(halves[1])) <= s // 100
    assert not np.array_equal(spread_positions(n, s, seed=1), positions)


def facet_catalog(catalog) -> tuple[IvfIndex, Facets, npt.NDArray[np.float32]]:
    """The clustered catalog with 5 side-feature columns, independent of the clusters: each item holds 1 or
    2 of them (1/2 each), one (column, item) pair given twice to check that repeats add up."""
    embeddings, _, _ = catalog
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
    _, _, queries = catalog
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
            IvfIndex(catalog[0], n_lists=8).cells(
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
