"""The export files as DynamoDB writes them (local.export) and as the Spark job reads them (spark.export):
no Spark needed. The reader is checked against the storage adapter's own items, not against the writer."""

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from local.export import write_export
from mixtape.models.artifact import confidence
from mixtape.models.profile import Profile
from mixtape.storage.dynamo.profiles import profile_to_item
from spark.export import data_path, interactions, item_from_line
from spark.job import rated_rows

TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/profiles"
DAY_MS = 86_400_000


def _profiles() -> list[Profile]:
    alice = Profile(
        user_id="alice", ref_ms=10 * DAY_MS, items={"a": 4.0, "b": -1.0, "c": 0.5}, counts={"x": 1}
    )
    alice.user_vector = np.arange(4, dtype=np.float32)  # a binary attribute besides the doc
    bob = Profile(user_id="bob", ref_ms=0, items={"a": 2.0}, counts={"x": 1})
    erased = Profile(user_id="carol", erased_at=5)  # a tombstone: no items
    return [alice, bob, erased]


def _lines(directory: Path) -> list[str]:
    return [
        line
        for path in sorted((directory / "data").glob("*.json.gz"))
        for line in gzip.decompress(path.read_bytes()).decode().splitlines()
    ]


def test_export_layout_matches_dynamodb(tmp_path: Path) -> None:
    directory = write_export((profile_to_item(p) for p in _profiles()), tmp_path, TABLE_ARN)
    summary = json.loads((directory / "manifest-summary.json").read_text())
    files = [json.loads(line) for line in (directory / "manifest-files.json").read_text().splitlines()]
    assert directory.parent.name == "AWSDynamoDB"
    assert summary["outputFormat"] == "DYNAMODB_JSON"
    assert summary["itemCount"] == 3 == sum(f["itemCount"] for f in files)
    assert summary["exportArn"] == f"{TABLE_ARN}/export/{directory.name}"
    for entry in files:  # every data file the manifest names exists under the export's prefix
        assert (tmp_path / entry["dataFileS3Key"].removeprefix("exports/")).is_file()
    record = json.loads(_lines(directory)[0])
    assert set(record) == {"Item"}
    assert isinstance(record["Item"]["doc"]["B"], str)  # binary as base64 text, as DynamoDB writes it


def test_reader_gives_back_the_stored_items(tmp_path: Path) -> None:
    items = [profile_to_item(p) for p in _profiles()]
    directory = write_export(items, tmp_path, TABLE_ARN)
    assert [item_from_line(line) for line in _lines(directory)] == items
    assert item_from_line("  \n") is None


def test_interactions_are_the_scans(tmp_path: Path) -> None:
    """Decayed positive weights per (listener, item), as Profile.interactions_as_of gives the table scan."""
    directory = write_export((profile_to_item(p) for p in _profiles()), tmp_path, TABLE_ARN)
    now, half_life = 20 * DAY_MS, 10.0 * DAY_MS
    found = {(user, item): weight for user, item, weight in interactions(_lines(directory), now, half_life)}
    assert found == pytest.approx(
        {("alice", "a"): 4.0 * 0.5, ("alice", "c"): 0.5 * 0.5, ("bob", "a"): 2.0 * 0.25}
    )


@pytest.mark.parametrize("epsilon", [0.0, 2.0])
def test_ratings_give_the_layers_confidence(tmp_path: Path, epsilon: float) -> None:
    """Spark's implicit ALS uses confidence 1 + alpha * rating: the ratings must reproduce the layer's."""
    directory = write_export((profile_to_item(p) for p in _profiles()), tmp_path, TABLE_ARN)
    rows = list(rated_rows(_lines(directory), 10 * DAY_MS, 1e12, 5.0, epsilon))
    weights = np.array([w for _, _, w, _ in rows])
    ratings = np.array([r for _, _, _, r in rows])
    np.testing.assert_allclose(1.0 + 5.0 * ratings, confidence(weights, 5.0, epsilon))


def test_data_path_from_directory_or_manifest() -> None:
    root = "s3://bucket/exports/AWSDynamoDB/0123-abc"
    assert data_path(root) == f"{root}/data/"
    assert data_path(f"{root}/") == f"{root}/data/"
    assert data_path(f"{root}/manifest-summary.json") == f"{root}/data/"
