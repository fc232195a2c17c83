"""The learned model through the local stack: `make train` publishes to moto's S3, the recommend function
picks the new version up without a restart, and one new play changes the very next recommendations."""

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest

from tests.e2e.conftest import REPO_ROOT, LocalStack, running_stack, wait_for
from tests.e2e.test_local_stack import new_user, play, post_events, profile_with_plays, recommendations

# Demo catalog (local/seed.py): artist k owns trk-(10k-9)..trk-(10k). Listeners here cross genres in a
# way no content embedding predicts: indie art-01 with classical art-09, jazz art-05 with rock art-11.
INDIE_CLASSICAL = [f"trk-{i:04d}" for i in (*range(1, 11), *range(81, 91))]
TRAIN_COMMAND = [sys.executable, "-m", "local.invoke", "TrainFunction", "events/train_scheduled.json"]
JAZZ_ROCK = [f"trk-{i:04d}" for i in (*range(41, 51), *range(101, 111))]


@pytest.fixture(scope="module")
def trained_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStack, dict[str, Any]]]:
    """Its own stack: a model changes every other test's recommendations."""
    with running_stack(tmp_path_factory.mktemp("trained_stack")) as stack:
        rng = random.Random(3)
        listeners = []
        for community in [INDIE_CLASSICAL] * 12 + [JAZZ_ROCK] * 12:
            user = new_user()
            events = [play(user, item) for item in rng.sample(community, 10)]
            assert post_events(stack, events).status_code == 202
            listeners.append(user)
        for user in listeners:
            wait_for(partial(profile_with_plays, stack, user, 10))
        trained = subprocess.run(  # what `make train` runs
            [*TRAIN_COMMAND, "--aws-port", str(stack.aws_port)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        out = trained.stdout  # the handler's JSON log lines, then the pretty-printed result
        summary = json.loads(out[out.rindex("{\n") :])
        assert summary["published"], summary
        yield stack, summary


def artists(answer: dict[str, Any], reason: str | None = None) -> list[str]:
    return [i["artist_id"] for i in answer["items"] if reason is None or i["reason_code"] == reason]


def test_make_train_publishes_and_recommend_picks_it_up_without_restart(trained_stack):
    stack, summary = trained_stack
    assert summary["items"] == 40  # the 40 tracks anyone played
    assert summary["users"] == 24
    listener = new_user()
    post_events(stack, [play(listener, "trk-0002")])
    wait_for(lambda: profile_with_plays(stack, listener, 1))
    answer = wait_for(lambda: (a := recommendations(stack, listener))["model_version"] and a, timeout=20)
    assert answer["model_version"] == summary["version"]


def test_one_new_play_changes_the_next_recommendations(trained_stack):
    stack, summary = trained_stack
    listener = new_user()
    post_events(stack, [play(listener, "trk-0003")])  # indie, art-01
    wait_for(lambda: profile_with_plays(stack, listener, 1))
    before = wait_for(lambda: (a := recommendations(stack, listener))["model_version"] and a, timeout=20)
    # Its fans also play classical art-09: the model says so, genre and embeddings do not.
    assert "art-09" in artists(before, "listeners_also_play")
    assert "art-11" not in artists(before)

    post_events(stack, [play(listener, "trk-0044")])  # one play of jazz art-05
    wait_for(lambda: profile_with_plays(stack, listener, 2))
    after = recommendations(stack, listener)
    assert "art-11" in artists(after, "listeners_also_play")  # jazz fans' rock, one play later
    assert after["model_version"] == summary["version"]
    reasons = {i["reason"] for i in after["items"] if i["artist_id"] == "art-11"}
    assert any("Ada Whitfield Quartet" in r for r in reasons)  # explained by the new play's artist
