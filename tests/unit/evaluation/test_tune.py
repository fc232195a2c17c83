"""The levers table's verdicts: kept only when the tuning seeds improve and the held-out seeds agree."""

from evaluation.protocol import split
from evaluation.tune import table
from local.lastfm import Play

PLAYS = [Play(u, a, 1) for u in range(1, 4) for a in range(10)]


def test_a_lever_is_kept_only_when_tuning_and_held_out_seeds_both_improve():
    parts = {seed: split(PLAYS, seed) for seed in (0, 3)}
    test = {seed: {u: sorted(t) for u, t in part.test.items()} for seed, part in parts.items()}
    miss = {seed: {u: [99] for u in part.test} for seed, part in parts.items()}
    lists = {
        "defaults": miss,
        "better everywhere": test,
        "better on tuning only": {0: test[0], 3: miss[3]},
    }
    text = table(lists, parts)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert rows["defaults"].endswith("| (defaults) |")
    assert rows["better everywhere"].endswith("| yes |")
    assert rows["better on tuning only"].endswith("| no: held out disagrees |")
    assert "held out pending" in table({k: {0: v[0]} for k, v in lists.items()}, {0: parts[0]})
