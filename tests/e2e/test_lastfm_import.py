"""The importer end to end: a tiny Last.fm-shaped dataset through PUT /v1/items and POST /v1/events of the
local stack, into a profile; a second run is all duplicates."""

from pathlib import Path

import pytest

from local import importer
from tests.e2e.conftest import LocalStack, wait_for
from tests.e2e.test_local_stack import profile, profile_with_plays
from tests.lastfm_fixture import write_dataset


def test_import_reaches_the_profile_and_a_rerun_changes_nothing(
    local_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    argv = ["lastfm", "--data", str(write_dataset(tmp_path)), "--base-url", local_stack.base_url]
    argv += ["--token", local_stack.service_token]
    assert importer.main(argv) == 0
    assert "4 accepted, 0 duplicates, 0 rejected, 0 failed" in capsys.readouterr().out

    # user 10 played artist 1 100 times and artist 2 7 times: one profile, plays counted with `count`
    seen = wait_for(lambda: profile_with_plays(local_stack, "lfm-10", 107))
    assert [a["artist_id"] for a in seen["top_artists"]] == ["lfm-1", "lfm-2"]
    # a play credits each of the item's genres equally: jazz gets 100/5 from artist 1 and 7 from artist 2
    assert seen["top_genres"][0]["genre"] == "jazz"

    wait_for(lambda: local_stack.queue_drained("ProfileUpdateQueue"))  # applied and logged: known to ingest
    before = profile(local_stack, "lfm-10")
    assert importer.main(argv) == 0
    assert "0 accepted, 4 duplicates, 0 rejected, 0 failed" in capsys.readouterr().out
    wait_for(lambda: local_stack.queue_drained("ProfileUpdateQueue"))
    after = profile(local_stack, "lfm-10")
    assert before is not None
    assert after is not None
    written = ("version", "updated_at", "counts")
    assert [after[k] for k in written] == [before[k] for k in written]  # no write: the rerun applied nothing
