"""`make eval` on a small Last.fm-shaped slice: the served replay through the four handlers and the
baselines run, score the same listeners, and the service keeps its guarantees on what it returns."""

import json
import time
from pathlib import Path

import pytest

from evaluation.baselines import SCORERS
from evaluation.protocol import Split, split
from evaluation.replay import replayed_stack
from evaluation.report import write_reports
from evaluation.run import ABLATIONS, INDEX_VARIANTS, run
from evaluation.served import ServedStack
from local import lastfm
from local.lastfm_import.plan import catalog_item, play_events
from mixtape.config import ActivityLevel, RankingWeights
from mixtape.models.artifact import ModelArtifact

ROCK, JAZZ = range(1, 9), range(11, 19)


def write_dataset(root: Path) -> None:
    """24 listeners in two taste communities of 8 artists each; each plays 6 of their community's."""
    artists = ["id\tname\turl\tpictureURL"] + [f"{a}\tArtist {a}\thttp://x\thttp://y" for a in (*ROCK, *JAZZ)]
    plays = ["userID\tartistID\tweight"]
    for user in range(1, 25):
        community = ROCK if user % 2 else JAZZ
        plays.extend(f"{user}\t{community[(user + k) % 8]}\t{10 * (k + 1)}" for k in range(6))
    tags = ["tagID\ttagValue", "1\trock", "2\tjazz"]
    taggings = ["userID\tartistID\ttagID\tday\tmonth\tyear"]
    taggings += [f"1\t{a}\t1\t1\t1\t2010" for a in ROCK] + [f"2\t{a}\t2\t1\t1\t2010" for a in JAZZ]
    for name, lines in {
        "artists.dat": artists,
        "user_artists.dat": plays,
        "tags.dat": tags,
        "user_taggedartists.dat": taggings,
    }.items():
        (root / name).write_text(
            "\r\n".join(lines) + "\r\n", encoding="latin-1" if name == "tags.dat" else "utf-8"
        )


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    write_dataset(tmp_path)
    return tmp_path


def test_harness_scores_served_and_baselines_on_the_same_listeners(dataset: Path, tmp_path: Path):
    rows = run([0], str(dataset), None, ablate=True, with_spark=False)  # tests/unit/spark: the Spark job
    models = [r.model for r in rows]
    served_variants = ["Mixtape (served)", *ABLATIONS, *INDEX_VARIANTS]
    assert models[: len(served_variants)] == served_variants
    # Only the IVF variants are compared with the exact ranker (the unit tests hold them to it exactly
    # when every list is probed); on two clean communities they find most of its top 10.
    agreement = {r.model: r.vs_exact for r in rows}
    assert [m for m, a in agreement.items() if a is not None] == list(INDEX_VARIANTS)
    assert all(0.5 <= (agreement[m] or 0.0) <= 1.0 for m in INDEX_VARIANTS)
    assert {"most popular", "item-kNN (cosine)", "EASE (lambda 100)"} <= set(models)
    assert {r.scores.users for r in rows} == {24}
    served = rows[0].scores
    # Two clean communities: the served model finds a held-out artist for nearly everyone.
    assert served.hr_at_10 >= 0.9
    # Nobody here has more than 8 artists: every listener is light, none heavy; nothing already heard.
    assert {(r.slices["light"].users, r.slices["heavy"].users) for r in rows} == {(24, 0)}
    assert {r.violations for r in rows} == {0}
    assert {tuple(r.listeners["all"].hr_at_10) for r in rows} == {tuple(range(1, 25))}
    table = write_reports(rows, tmp_path / "reports", 1.0, {"limit_users": None})
    assert "| Mixtape (served) |" in table
    # The served path's paired lead over each baseline, on the same listeners; nobody heavy, no interval.
    assert "### Mixtape (served) \N{MINUS SIGN} baseline (95 % interval), per slice" in table
    assert "Listeners: 24 all, 0 heavy, 24 light." in table
    paired = table.split("Listeners: 24 all, 0 heavy, 24 light.")[1].split("\n\n")[1].splitlines()
    assert [line.split(" | ")[0] for line in paired[2:]] == [f"| {name}" for name in SCORERS]
    assert all(line.split(" | ")[3:5] == ["—", "—"] for line in paired[2:])  # heavy HR@10, NDCG@10
    assert f"| {agreement[next(iter(INDEX_VARIANTS))]:.3f} |" in table  # the agreement column
    assert {p.name for p in (tmp_path / "reports").iterdir()} == {"eval.md", "eval.json", "eval.png"}
    paired = json.loads((tmp_path / "reports" / "eval.json").read_text())["intervals"]
    assert {(r["baseline"], r["slice"]) for r in paired} == {
        (b, s) for b in SCORERS for s in ("all", "light")
    }


def test_the_replay_sends_each_listeners_tags_as_likes_and_never_a_test_artist(dataset: Path):
    data = lastfm.load(dataset)
    part = split(data.plays, 0, data.tagged)
    stack = replayed_stack(data, part, lambda _: None, ServedStack())
    applied = [row.event for row in stack.events.rows.values()]  # the applied-events log
    liked = {(e.user_id, e.item_id) for e in applied if e.type == "like"}
    assert liked == {(lastfm.user_id_for(t.user_id), lastfm.item_id_for(t.artist_id)) for t in part.likes}
    assert len(part.likes) == 16 - len(part.test[1]) - len(part.test[2])  # users 1, 2 tagged 8 artists each


def _stack_with_training_plays(dataset: Path) -> tuple[ServedStack, Split]:
    """A served stack holding seed 1's training catalog and plays, profiles updated, nothing trained."""
    data = lastfm.load(dataset)
    part = split(data.plays, seed=1)
    stack = ServedStack()
    stack.put_items([catalog_item(data.artists[a]) for a in part.catalog])
    events = [e for p in part.train for e in play_events(p, int(time.time() * 1000))]
    stack.post_events([events[i : i + 500] for i in range(0, len(events), 500)])
    stack.drain()
    return stack, part


def test_served_lists_never_contain_training_artists_and_explain_themselves(dataset: Path):
    stack, part = _stack_with_training_plays(dataset)
    model = stack.train()
    assert model["items"] == len(part.catalog)
    for user in part.users:
        answer = stack.recommend(lastfm.user_id_for(user), limit=10)
        assert answer["model_version"] == model["version"]
        returned = {lastfm.artist_for_item_id(i["item_id"]) for i in answer["items"]}
        played = {p.artist_id for p in part.train if p.user_id == user}
        assert not returned & played
        assert all(i["reason"] for i in answer["items"])


def test_after_a_retrain_the_next_request_is_served_by_the_new_model(dataset: Path):
    # Once a model is loaded, probes run in the background (mixtape.runtime.background); the harness retrains
    # between ranking variants (evaluation.tune), so train() must leave the new model in place.
    stack, part = _stack_with_training_plays(dataset)
    user = lastfm.user_id_for(part.users[0])
    first = stack.train()
    assert stack.recommend(user)["model_version"] == first["version"]
    loading = stack.models.load

    def slow_load(version: str) -> ModelArtifact:
        time.sleep(0.05)
        return loading(version)

    stack.models.load = slow_load  # type: ignore[method-assign]
    second = stack.train()  # a load slower than a request: a background probe would still be running
    assert second["version"] != first["version"]
    assert stack.recommend(user)["model_version"] == second["version"]


def test_ablations_run_on_the_extras_seeds_only_and_the_report_groups_the_seeds(
    dataset: Path, tmp_path: Path
):
    rows = run([0, 3], str(dataset), None, ablate=True, with_spark=False, extras_seeds=[0])
    by_seed = {seed: [r.model for r in rows if r.seed == seed] for seed in (0, 3)}
    assert set(ABLATIONS) <= set(by_seed[0])
    assert by_seed[3] == [
        "Mixtape (served)",
        "most popular",
        "item-kNN (cosine)",
        "ALS (own, 64 factors)",
        "EASE (lambda 100)",
    ]
    table = write_reports(rows, tmp_path, 1.0, {})
    assert "## Tuning seeds 0" in table
    assert "## Held out seeds 3" in table
    assert "| already-heard violations = 0 | 0 | yes |" in table


def test_use_ranking_serves_the_default_activity_levels_or_the_ones_given(dataset: Path):
    stack, part = _stack_with_training_plays(dataset)
    stack.train()
    user = lastfm.user_id_for(part.users[0])  # a few artists: the default `light` level
    assert stack.recommend(user)["context"]["activity"] == "light"
    stack.use_ranking(RankingWeights(), activity=())  # one weight set for everyone
    assert stack.recommend(user)["context"]["activity"] is None
    few = (ActivityLevel(name="few", up_to=50, ranking={"genre": 0.0}),)
    stack.use_ranking(RankingWeights(), activity=few)
    assert stack.recommend(user)["context"]["activity"] == "few"
    stack.use_ranking(RankingWeights())
    assert stack.recommend(user)["context"]["activity"] == "light"
    # A level whose weights do not hold over the deployment's fails as at a cold start.
    with pytest.raises(ValueError, match="RANKING_ACTIVITY level bad"):
        stack.use_ranking(RankingWeights(), activity=(ActivityLevel(name="bad", ranking={"explore": 2.0}),))
