"""The report's seed groups, spreads and the targets check on hand-made rows."""

from evaluation.metrics import Scores
from evaluation.report import Row, markdown, seed_groups, spread
from evaluation.targets import target_lines
from evaluation.trainers import NUMPY


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
