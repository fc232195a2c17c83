"""The paired cluster bootstrap: exact cases, its width against a normal approximation and against a
naive resample of (listener, seed) pairs, and the lookup of rows by model, seed and slice."""

import math
import statistics

import numpy as np
import pytest

from evaluation.intervals import paired_bootstrap, served_minus
from evaluation.metrics import PerListener, Scores
from evaluation.report import Row
from evaluation.trainers import NUMPY


def same(value: float, users: range) -> dict[int, float]:
    return dict.fromkeys(users, value)


def test_identical_results_give_a_zero_difference_and_a_zero_width_interval():
    values = {u: (u % 3) / 3 for u in range(50)}
    found = paired_bootstrap([values, values], [values, dict(values)])
    assert found is not None
    assert (found.mean, found.low, found.high, found.listeners) == (0.0, 0.0, 0.0, 50)
    assert found.within_noise


def test_a_constant_hit_difference_is_plus_one_with_no_width():
    found = paired_bootstrap([same(1.0, range(30))], [same(0.0, range(30))])
    assert found is not None
    assert (found.mean, found.low, found.high) == (1.0, 1.0, 1.0)
    assert not found.within_noise
    assert str(found) == "+1.000 (+1.000 \N{HORIZONTAL ELLIPSIS} +1.000)"


def test_a_clear_lead_on_many_listeners_excludes_zero_and_one_listener_of_13_does_not():
    served = {u: float(u % 10 < 6) for u in range(400)}
    baseline = {u: float(u % 10 < 3) for u in range(400)}
    clear = paired_bootstrap([served], [baseline])
    assert clear is not None
    assert clear.mean == pytest.approx(0.3)
    assert 0.0 < clear.low < clear.mean < clear.high
    assert not clear.within_noise
    one = paired_bootstrap([{**same(0.0, range(13)), 7: 1.0}], [same(0.0, range(13))])
    assert one is not None
    assert one.mean == pytest.approx(1 / 13)
    assert one.low == 0.0  # a resample misses listener 7 with probability (12/13)^13, about 0.35
    assert one.within_noise


def test_the_width_matches_the_normal_approximation_of_a_mean():
    differences = {u: float(u % 4 == 0) - float(u % 5 == 0) for u in range(600)}
    found = paired_bootstrap([differences], [same(0.0, range(600))])
    assert found is not None
    half_width = 1.96 * statistics.pstdev(differences.values()) / math.sqrt(600)
    assert (found.high - found.low) / 2 == pytest.approx(half_width, rel=0.1)
    assert (found.low + found.high) / 2 == pytest.approx(found.mean, abs=0.2 * half_width)


def naive_width(pairs: list[float], resamples: int = 2_000) -> float:
    """Reference: (listener, seed) pairs resampled as if independent, percentile 95 % width."""
    values = np.array(pairs)
    draws = np.random.default_rng(1).integers(0, len(values), size=(resamples, len(values)))
    low, high = np.percentile(values[draws].mean(axis=1), [2.5, 97.5])
    return float(high - low)


def test_a_listeners_seeds_are_resampled_together():
    # Two seeds whose differences are the same per listener: the second seed brings no new listener,
    # so the interval is one seed's; resampling the pairs independently would narrow it by about √2.
    differences = {u: float(u % 3 == 0) for u in range(120)}
    zeros = same(0.0, range(120))
    one_seed = paired_bootstrap([differences], [zeros])
    two_seeds = paired_bootstrap([differences, differences], [zeros, zeros])
    assert one_seed is not None
    assert two_seeds is not None
    assert (two_seeds.low, two_seeds.high, two_seeds.listeners) == (one_seed.low, one_seed.high, 120)
    naive = naive_width([*differences.values(), *differences.values()])
    assert two_seeds.high - two_seeds.low > 1.25 * naive


def test_the_estimate_is_the_mean_over_seeds_of_each_seeds_mean_difference_on_paired_listeners():
    # Seed 1 lacks listener 0 and has a listener only the served side scored (no pair: left out).
    served = [{0: 1.0, 1: 1.0, 2: 0.0}, {1: 1.0, 2: 1.0, 3: 1.0}]
    baseline = [{0: 0.0, 1: 1.0, 2: 0.0}, {1: 0.0, 2: 1.0}]
    found = paired_bootstrap(served, baseline)
    assert found is not None
    assert found.mean == pytest.approx((1 / 3 + 1 / 2) / 2)
    assert found.listeners == 3
    assert paired_bootstrap([{1: 1.0}], [{2: 1.0}]) is None


def test_the_bootstrap_is_deterministic():
    served = {u: float(u % 7 < 4) for u in range(90)}
    baseline = {u: float(u % 5 < 2) for u in range(90)}
    assert paired_bootstrap([served, baseline], [baseline, served]) == paired_bootstrap(
        [served, baseline], [baseline, served]
    )


def row(model: str, seed: int, hits: dict[int, float], with_listeners: bool = True) -> Row:
    each = PerListener(hits, {u: h / 2 for u, h in hits.items()})
    mean = statistics.mean(hits.values())
    scores = Scores(mean, mean / 2, 0.3, 0.2, len(hits))
    listeners = {"all": each, "heavy": each.only([0, 1]), "light": each.only([])} if with_listeners else {}
    return Row(model, seed, scores, 1.0, None, {"heavy": scores, "light": scores}, 0, listeners)


def test_served_minus_pairs_the_served_row_and_a_baseline_per_seed_and_slice():
    rows = [
        row(NUMPY, 3, {0: 1.0, 1: 1.0, 2: 1.0}),
        row(NUMPY, 4, {0: 1.0, 1: 0.0, 2: 1.0}),
        row("EASE", 3, {0: 0.0, 1: 1.0, 2: 1.0}),
        row("EASE", 4, {0: 0.0, 1: 0.0, 2: 1.0}),
        row("ALS", 3, {0: 0.0, 1: 0.0, 2: 0.0}, with_listeners=False),
    ]
    every = served_minus(rows, "EASE", "all", "hr_at_10")
    assert every is not None
    assert every.mean == pytest.approx(1 / 3)
    heavy = served_minus(rows, "EASE", "heavy", "ndcg_at_10")
    assert heavy is not None
    assert heavy.mean == pytest.approx(0.25)
    assert heavy.listeners == 2
    assert served_minus(rows, "EASE", "light", "hr_at_10") is None  # nobody light
    assert served_minus(rows, "ALS", "all", "hr_at_10") is None  # no per-listener values
    assert served_minus(rows, "most popular", "all", "hr_at_10") is None
