"""Top-k selection: every result is compared with the plain stable-argsort reference."""

import numpy as np
import numpy.typing as npt
import pytest

from mixtape.search import select
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
