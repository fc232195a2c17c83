"""The report's seed groups, spreads and the targets check on hand-made rows."""

import statistics

import pytest

from evaluation.intervals import Interval, as_json, paired_bootstrap
from evaluation.metrics import PerListener, Scores
from evaluation.protocol import SLICES, split
from evaluation.report import Row, markdown, scored, seed_groups, spread
from evaluation.targets import target_lines
from evaluation.trainers import NUMPY
from local.lastfm import Play

ALS, EASE = "ALS (own, 64 factors)", "EASE (lambda 100)"


def scores(hr: float, ndcg: float, coverage: float = 0.2, users: int = 10) -> Scores:
    return Scores(hr, ndcg, 0.3, coverage, users)


def row(
    model: str, seed: int, hr: float, ndcg: float, heavy: float, light: float, violations: int = 0
) -> Row:
    slices = {"heavy": scores(heavy, heavy / 3, users=2), "light": scores(light, light / 3, users=1)}
    return Row(model, seed, scores(hr, ndcg), 1.0, None, slices, violations)


def test_seeds_fall_into_tuning_held_out_and_other_groups():
    rows = [row(NUMPY, s, 0.9, 0.3, 0.9, 0.9) for s in (4, 0, 7, 2, 3)]
    assert seed_groups(rows) == {"tuning": [0, 2], "held out": [3, 4], "other": [7]}
    assert seed_groups(rows[:1]) == {"held out": [4]}


def test_spread_is_the_mean_with_min_and_max():
    assert spread([0.8, 0.9, 0.85]) == "0.850 (0.800\N{EN DASH}0.900)"
    assert spread([0.5]) == "0.500"


def test_targets_name_each_miss_and_each_unbeaten_baseline_per_slice():
    rows = [
        row(NUMPY, 3, 0.86, 0.28, 0.9, 0.5, violations=2),
        row(NUMPY, 4, 0.84, 0.26, 0.9, 0.5),
        row("EASE (lambda 100)", 3, 0.80, 0.25, 0.95, 0.4),
        row("EASE (lambda 100)", 4, 0.80, 0.25, 0.95, 0.4),
        row("most popular", 3, 0.4, 0.1, 0.4, 0.5),
        row("most popular", 4, 0.4, 0.1, 0.4, 0.5),
    ]
    text = "\n".join(target_lines(rows, "held-out seeds"))
    assert "| HR@10 ≥ 0.85 | 0.850 | yes |" in text
    assert "| NDCG@10 ≥ 0.27 | 0.270 | yes |" in text
    assert "| coverage@10 ≥ 0.12 | 0.200 | yes |" in text
    assert "| already-heard violations = 0 | 2 | NO |" in text
    assert "all listeners | — | yes |" in text
    assert "heavy listeners | — | NO: EASE (lambda 100) (HR@10 0.950 vs 0.900); EASE" in text
    assert "light listeners | — | NO: most popular (HR@10 0.500 vs 0.500)" in text  # a tie is not beaten
    assert target_lines(rows[2:], "held-out seeds") == []  # no served row, nothing to check


def test_markdown_has_one_table_per_group_and_the_targets_of_the_held_out_seeds():
    rows = [row(NUMPY, s, 0.9, 0.3, 0.9, 0.9) for s in (0, 1, 3)]
    text = markdown(rows, 60.0, {})
    assert "## Tuning seeds 0, 1" in text
    assert "## Held out seeds 3" in text
    assert f"| {NUMPY} | 0.900 (0.900\N{EN DASH}0.900) |" in text
    assert "## Targets (Mixtape (served), held-out seeds)" in text
    assert "Targets" not in markdown(rows[:2], 60.0, {})


def test_scored_keeps_each_listeners_values_per_slice_and_they_average_to_the_means():
    plays = [Play(u, a, 1) for u in range(1, 31) for a in range(u % 5, u % 5 + 6 + (u % 3) * 150)]
    part = split(plays, seed=0)
    ranked = {u: list(range(20)) for u in part.users[::2]}  # half the listeners answered
    got = scored("any", part, ranked, 1.0, part.known())
    assert set(got.listeners) == {"all", "heavy", "light"}
    for name in ("all", "heavy", "light"):
        each = got.listeners[name]
        assert list(each.hr_at_10) == list(part.slice(name)) == list(each.ndcg_at_10)
        means = got.scores if name == "all" else got.slices[name]
        assert means.users == len(each.hr_at_10) > 0
        assert statistics.mean(each.hr_at_10.values()) == pytest.approx(means.hr_at_10)
        assert statistics.mean(each.ndcg_at_10.values()) == pytest.approx(means.ndcg_at_10)


def listener_row(model: str, seed: int, hits: dict[int, float]) -> Row:
    """A row whose slices are listeners 0-19 (heavy) and 20-24 (light), NDCG@10 half the hit."""
    each = PerListener(hits, {u: h / 2 for u, h in hits.items()})
    parts = {"all": each, "heavy": each.only(range(20)), "light": each.only(range(20, 25))}
    means = {
        name: Scores(
            statistics.mean(p.hr_at_10.values()),
            statistics.mean(p.ndcg_at_10.values()),
            0.3,
            0.2,
            len(p.hr_at_10),
        )
        for name, p in parts.items()
    }
    return Row(
        model, seed, means["all"], 1.0, None, {"heavy": means["heavy"], "light": means["light"]}, 0, parts
    )


def test_the_report_has_the_paired_intervals_per_group_and_tags_each_miss_with_its_noise():
    served = {u: float(u < 20 or u == 20) for u in range(25)}  # every heavy listener hit, 1 of 5 light
    ease = {u: float(u < 4 or u in (20, 21)) for u in range(25)}  # 4 of 20 heavy, 2 of 5 light
    als = dict.fromkeys(range(25), 1.0)  # everyone hit: a tie on heavy listeners, a clear lead on light ones
    models = ((NUMPY, served), (ALS, als), (EASE, ease))
    rows = [listener_row(m, s, v) for s in (0, 3, 4) for m, v in models]
    text = markdown(rows, 60.0, {})
    assert text.count(f"### {NUMPY} \N{MINUS SIGN} baseline (95 % interval), per slice") == 2
    assert "Listeners: 25 all, 20 heavy, 5 light." in text

    def lead(seeds: list[int], baseline: str, slice_name: str, metric: str) -> Interval:
        found = paired_bootstrap(
            [getattr(r.listeners[slice_name], metric) for r in rows if r.seed in seeds and r.model == NUMPY],
            [
                getattr(r.listeners[slice_name], metric)
                for r in rows
                if r.seed in seeds and r.model == baseline
            ],
        )
        assert found is not None
        return found

    for seeds in ([0], [3, 4]):
        for baseline in (ALS, EASE):
            cells = [str(lead(seeds, baseline, s, m)) for s in SLICES for m in ("hr_at_10", "ndcg_at_10")]
            assert f"| {baseline} | " + " | ".join(cells) + " |" in text
    held_out = [3, 4]
    tie, clear, close = (
        lead(held_out, b, s, "hr_at_10") for b, s in ((ALS, "heavy"), (ALS, "light"), (EASE, "light"))
    )
    assert (tie.low, tie.high, clear.within_noise, close.within_noise) == (0.0, 0.0, False, True)
    assert f"{ALS} (HR@10 1.000 vs 1.000, Δ {tie}: within noise)" in text  # a tie stays a miss
    assert f"{ALS} (HR@10 1.000 vs 0.200, Δ {clear}: beyond noise)" in text
    assert f"{EASE} (HR@10 0.400 vs 0.200, Δ {close}: within noise)" in text
    ndcg = lead(held_out, EASE, "light", "ndcg_at_10")
    assert f"{EASE} (NDCG@10 0.200 vs 0.100, Δ {ndcg}: within noise) |" in text
    assert "all listeners | — | NO: " in text
    records = as_json(rows, seed_groups(rows))
    assert len(records) == 2 * 2 * len(SLICES) * 2  # groups x baselines x slices x metrics
    assert {
        "group": "held out",
        "baseline": EASE,
        "slice": "light",
        "metric": "hr_at_10",
        "mean": close.mean,
        "low": close.low,
        "high": close.high,
        "listeners": 5,
    } in records
