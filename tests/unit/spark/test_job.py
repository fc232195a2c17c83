"""The Spark job on a small export of the events log (local[2]): the artifact the functions load, the
matrix the numpy trainer builds (without a listener erased since the export), the numpy trainer's EASE
rows, the catalog-scale neighbours checked against a plain-Python co-occurrence count, factors that
separate two tastes."""

import math
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import local.export
from evaluation.served import ServedStack
from local.export import write_export
from local.train_spark import local_spark
from mixtape import clock
from mixtape.config import TrainSettings
from mixtape.learning.foldin import fold_in
from mixtape.learning.training import Interactions, train_ease
from mixtape.models.artifact import ModelArtifact
from mixtape.models.event_type import EventType
from mixtape.models.events import StoredEvent
from mixtape.models.training_params import TrainingParams
from mixtape.storage.dynamo.events import event_to_item
from spark.erasure import LogKeys
from spark.job import CONSTANT_MATCH, SparkOptions, reg_param, train_from_export
from spark.neighbours import cooccurrence_neighbours
from tests.unit.spark.csr import csr_rows

NOW_MS = 1_795_000_000_000
PARAMS = TrainingParams(factors=4, iterations=10, neighbors=4, min_item_users=3)
GROUPS = {"rock": [f"rock-{i}" for i in range(12)], "jazz": [f"jazz-{i}" for i in range(12)]}
# No decay to speak of: a listener's item weight is its number of plays.
FOLD = TrainSettings(events_table="-", models_bucket="-", half_life_days=1e9)
Listeners = dict[str, dict[str, float]]  # listener -> item -> plays


def _listeners() -> Listeners:
    """Two tastes: each listener plays 6 items of one group, none of the other."""
    rng = np.random.default_rng(7)
    listeners: Listeners = {}
    for n in range(40):
        group = GROUPS["rock" if n % 2 else "jazz"]
        liked = rng.choice(len(group), size=6, replace=False)
        listeners[f"u{n}"] = {group[i]: float(rng.integers(2, 20)) for i in liked}
    return listeners


def _log_items(listeners: Listeners) -> list[dict[str, Any]]:
    """Each listener's plays as two logged events per item, listeners interleaved (so a listener's events
    lie in several export files), plus an expired listener's entries, which count for nothing."""
    expires_s = NOW_MS // 1000 + 86_400
    items: list[dict[str, Any]] = []
    for half in (0, 1):
        for user, plays in listeners.items():
            for item, count in plays.items():
                n = int(count) // 2 + (int(count) % 2) * half
                event = StoredEvent(
                    event_id=f"{item}-{half}",
                    user_id=user,
                    item_id=item,
                    type=EventType.PLAY,
                    timestamp=NOW_MS - 1_000,
                    ms_played=200_000,
                    count=n,
                    ingested_at=NOW_MS - 1_000,
                )
                items.append(event_to_item(event, expires_s))
    expired = StoredEvent(
        event_id="old",
        user_id="gone",
        item_id="rock-0",
        type=EventType.PLAY,
        timestamp=NOW_MS - 10**9,
        ms_played=200_000,
        ingested_at=NOW_MS - 10**9,
    )
    items.append(event_to_item(expired, NOW_MS // 1000 - 1))
    for n, item in enumerate(GROUPS["jazz"][:5]):  # erased after the export: gone from the live log
        forgotten = StoredEvent(
            event_id=f"f{n}",
            user_id=FORGOTTEN,
            item_id=item,
            type=EventType.PLAY,
            timestamp=NOW_MS - 1_000,
            ms_played=200_000,
            ingested_at=NOW_MS - 1_000,
        )
        items.append(event_to_item(forgotten, expires_s))
    return items


FORGOTTEN = "erased-since-export"


def _live_log(items: list[dict[str, Any]]) -> LogKeys:
    """The live log when the job runs: the export's entries but the erased listener's."""
    keys = {(i["user_id"]["S"], i["event_id"]["S"]) for i in items}
    return LogKeys(frozenset(k for k in keys if k[0] != FORGOTTEN))


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModelArtifact, Listeners, Any]]:
    listeners = _listeners()
    items = _log_items(listeners)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(local.export, "ITEMS_PER_FILE", 37)  # several data files, so several partitions
        export = write_export(items, tmp_path_factory.mktemp("export"), "arn:table/events")
    assert len(list((export / "data").glob("*.json.gz"))) > 2
    spark = local_spark()
    timings: dict[str, float] = {}
    try:
        artifact = train_from_export(
            spark,
            str(export / "manifest-summary.json"),
            PARAMS,
            now_ms=NOW_MS,
            fold=FOLD,
            min_interactions=10,
            options=SparkOptions(blocks=2),
            timings=timings,
            live=_live_log(items),
        )
        assert artifact is not None
        assert list(timings) == ["read", "als", "neighbours", "artifact"]
        skipped = train_from_export(
            spark, str(export), PARAMS, now_ms=NOW_MS, fold=FOLD, min_interactions=10_000
        )
        assert skipped is None  # too few interactions: nothing to publish
        cosine = _cosine_rows(spark, listeners)
        yield artifact, listeners, cosine
    finally:
        spark.stop()


def test_artifact_loads_as_the_functions_load_it(trained: tuple[ModelArtifact, Listeners, Any]) -> None:
    artifact, _, _ = trained
    loaded = ModelArtifact.from_bytes(artifact.to_bytes())  # rejects IVF lists that do not match
    assert loaded.version == f"v{NOW_MS}-spark"
    assert loaded.factors.shape == (24, PARAMS.factors)
    assert loaded.ivf_lists is not None
    assert loaded.ivf_lists.n_lists >= 1
    np.testing.assert_allclose(loaded.gram, loaded.factors.T.astype(np.float64) @ loaded.factors, rtol=1e-6)
    assert (loaded.regularization, loaded.alpha, loaded.epsilon) == (1.0, 5.0, 0.0)


def test_matrix_is_the_numpy_trainers(trained: tuple[ModelArtifact, Listeners, Any]) -> None:
    """One row per (listener, item) although each pair's plays are two events in different files."""
    artifact, histories, _ = trained
    listeners: dict[str, int] = defaultdict(int)
    for plays in histories.values():
        for item_id in plays:
            listeners[item_id] += 1
    assert sorted(artifact.item_ids) == sorted(listeners)
    assert dict(zip(artifact.item_ids, artifact.listeners.tolist(), strict=True)) == listeners
    assert artifact.users == 40  # the expired listener has no interactions, the erased one is not learned
    assert artifact.exposure is not None  # every listener's top `exposure_k`, as the numpy trainer counts
    assert float(artifact.exposure.sum()) == 40 * PARAMS.exposure_k
    assert artifact.interactions == sum(len(plays) for plays in histories.values())


def _reference_neighbours(histories: Listeners) -> dict[str, dict[str, float]]:
    """Cosine of co-occurrence counted pair by pair: both / sqrt(listeners_a * listeners_b)."""
    listeners: dict[str, int] = defaultdict(int)
    both: dict[tuple[str, str], int] = defaultdict(int)
    for plays in histories.values():
        for a in plays:
            listeners[a] += 1
            for b in plays:
                if a != b:
                    both[a, b] += 1
    rows: dict[str, dict[str, float]] = defaultdict(dict)
    for (a, b), count in both.items():
        if listeners[a] >= PARAMS.min_item_users and listeners[b] >= PARAMS.min_item_users:
            rows[a][b] = count / math.sqrt(listeners[a] * listeners[b])
    return rows


def test_neighbours_are_the_numpy_trainers_ease_rows(trained: tuple[ModelArtifact, Listeners, Any]) -> None:
    """Fewer listeners than `max_ease_items`: the numpy trainer's EASE on the same rows, entry for entry."""
    artifact, histories, _ = trained
    data = Interactions.from_triples(
        (user, item, plays) for user, items in histories.items() for item, plays in items.items()
    )
    expected = csr_rows(*train_ease(data, PARAMS).rows, list(data.item_ids))
    got = csr_rows(
        artifact.neighbor_indptr,
        artifact.neighbor_indices,
        artifact.neighbor_weights,
        list(artifact.item_ids),
    )
    assert any(expected.values())
    assert got.keys() == expected.keys()
    for item_id, row in expected.items():
        assert got[item_id] == pytest.approx(row, rel=1e-5), item_id


def _cosine_rows(spark: Any, histories: Listeners) -> dict[str, dict[str, float]]:
    """The catalog-scale neighbours (more listeners than `max_ease_items`) of the listeners' matrix."""
    ids = sorted({item for plays in histories.values() for item in plays})
    users = sorted(histories)
    rows = [(users.index(u), ids.index(i), w) for u, plays in histories.items() for i, w in plays.items()]
    rated = spark.createDataFrame(rows, ["user", "item", "weight"])
    csr = cooccurrence_neighbours(
        rated,
        len(ids),
        neighbours=PARAMS.neighbors,
        min_item_users=PARAMS.min_item_users,
        max_items_per_user=500,
    )
    return csr_rows(*csr, ids)


def test_catalog_scale_neighbours_are_the_top_cooccurrence_cosines(
    trained: tuple[ModelArtifact, Listeners, Any],
) -> None:
    _, histories, cosine = trained
    reference = _reference_neighbours(histories)
    for item_id, got in cosine.items():
        expected = reference.get(item_id, {})
        best = sorted(expected.values(), reverse=True)[: PARAMS.neighbors]
        assert sorted(got.values(), reverse=True) == pytest.approx(best, rel=1e-6)
        for other, weight in got.items():
            assert weight == pytest.approx(expected[other], rel=1e-6)
            assert other.split("-")[0] == item_id.split("-")[0]  # no listener plays both groups


def test_factors_separate_the_two_tastes(trained: tuple[ModelArtifact, Listeners, Any]) -> None:
    """A listener folded into the Spark factors (as the functions fold in) gets their group's items first."""
    artifact, _, _ = trained
    position = artifact.position
    for liked, other in (("rock", "jazz"), ("jazz", "rock")):
        vector = fold_in(artifact, {GROUPS[liked][0]: 3.0, GROUPS[liked][1]: 1.0})
        assert vector is not None
        scores = artifact.factors @ vector
        same = np.array([scores[position[i]] for i in GROUPS[liked][2:]])
        different = np.array([scores[position[i]] for i in GROUPS[other]])
        best = sorted([*GROUPS[liked][2:], *GROUPS[other]], key=lambda i: -scores[position[i]])[:3]
        assert all(i.startswith(liked) for i in best), best
        # Most (same taste, other taste) pairs in order, not all: on 40 listeners Spark's partition order
        # moves near ties, so an item of the other taste may pass the weakest of the listener's.
        ordered = float((same[:, None] > different[None, :]).mean())
        assert same.mean() > different.mean()
        assert ordered >= 0.8, ordered


def test_the_served_path_serves_the_spark_model(trained: tuple[ModelArtifact, Listeners, Any]) -> None:
    """Published like any model, the Spark artifact is what GET .../recommendations ranks with."""
    artifact, _, _ = trained
    stack = ServedStack()
    stack.put_items(
        [
            {"item_id": i, "title": i, "artist_id": i, "artist_name": i, "genres": [group]}
            for group, ids in GROUPS.items()
            for i in ids
        ]
    )
    plays = [
        {
            "event_id": f"e{n}",
            "user_id": "listener",
            "item_id": item,
            "type": "play",
            "timestamp": clock.now_ms(),
            "ms_played": 200_000,
        }
        for n, item in enumerate(GROUPS["jazz"][:3])
    ]
    stack.post_events([plays])
    stack.drain()
    stack.publish(artifact)
    answer = stack.recommend("listener", limit=5)
    assert answer["model_version"] == artifact.version
    assert [i["item_id"].split("-")[0] for i in answer["items"]] == ["jazz"] * 5


def test_spark_trains_with_the_numpy_solvers_weighted_lambda_or_the_constant_match():
    """Spark's ALS always scales its ridge by a row's ratings: it takes the numpy trainer's λ when that
    scales too, the matched constant when it does not, and an explicit option over either."""
    weighted = TrainingParams(regularization=0.2, regularization_scaling="per_interaction")
    constant = TrainingParams(regularization=1.0, regularization_scaling="constant")
    assert reg_param(SparkOptions(), weighted) == 0.2
    assert reg_param(SparkOptions(), constant) == CONSTANT_MATCH
    assert reg_param(SparkOptions(reg_param=0.3), weighted) == 0.3
