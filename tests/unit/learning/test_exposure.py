"""Exposure (mixtape.learning.exposure): what the model alone would show, counted at training time; the
artifact carries it and the aligned model turns it into the exposure debias."""

import dataclasses

import numpy as np
import pytest

from mixtape.catalog.index import CatalogIndex
from mixtape.learning import exposure as exposure_module
from mixtape.learning.aligned import AlignedModel
from mixtape.learning.exposure import exposure
from mixtape.learning.training import Interactions, train
from mixtape.models.artifact import ModelArtifact
from mixtape.models.catalog import CatalogRecord
from mixtape.models.training_params import TrainingParams

NO_EASE = (np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))


def coordinates(owned: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    users = np.repeat(np.arange(len(owned)), [len(o) for o in owned]).astype(np.int64)
    return users, np.concatenate([np.asarray(o, dtype=np.int64) for o in owned])


def test_every_sampled_listener_adds_k_items_none_of_them_their_own():
    rng = np.random.default_rng(3)
    n_users, n_items = 40, 30
    owned = [
        sorted(rng.choice(n_items, int(rng.integers(1, 10)), replace=False).tolist()) for _ in range(n_users)
    ]
    users, items = coordinates(owned)
    params = TrainingParams(exposure_k=5, exposure_debias=0.0)
    ease = (np.zeros(n_items + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
    counts = exposure(
        users, items, rng.normal(size=(n_users, 4)), rng.normal(size=(n_items, 4)), ease, params
    )
    assert counts.sum() == n_users * 5
    # An item every listener owns is never counted.
    owned_by_all = [[*o, 29] if 29 not in o else o for o in owned]
    users, items = coordinates(owned_by_all)
    counts = exposure(
        users, items, rng.normal(size=(n_users, 4)), rng.normal(size=(n_items, 4)), ease, params
    )
    assert counts[29] == 0
    assert counts.sum() == n_users * 5


def test_a_hub_that_scores_high_for_everyone_is_in_every_list():
    n_users, n_items = 12, 20
    user_factors = np.ones((n_users, 1))
    item_factors = np.linspace(0.0, 1.0, n_items)[:, None]  # item 19 scores highest for everyone
    users, items = coordinates([[0] for _ in range(n_users)])
    counts = exposure(
        users, items, user_factors, item_factors, NO_EASE, TrainingParams(exposure_k=3, exposure_debias=0)
    )
    assert counts[19] == n_users
    assert counts[18] == n_users
    assert counts[:17].sum() == 0
    # Only item 0 (everyone's own) has listeners: a debias on listeners leaves the hub in every list.
    debiased = exposure(
        users, items, user_factors, item_factors, NO_EASE, TrainingParams(exposure_k=3, exposure_debias=5)
    )
    assert counts[19] == debiased[19]


def test_ease_rows_of_a_listeners_items_lift_their_neighbours():
    n_users, n_items = 6, 10
    users, items = coordinates([[0], [0], [0], [1], [1], [1]])
    # Item 0's EASE row points at item 7, item 1's at item 8; the factors are flat (no preference).
    ease = (
        np.array([0, 1, 2] + [2] * 8, np.int64),
        np.array([7, 8], np.int32),
        np.array([1.0, 1.0], np.float32),
    )
    counts = exposure(
        users,
        items,
        np.zeros((n_users, 2)),
        np.zeros((n_items, 2)),
        ease,
        TrainingParams(exposure_k=1, exposure_debias=0),
    )
    assert counts[7] == 3
    assert counts[8] == 3


def test_the_ease_remainder_moves_lists_on_the_rows_scale():
    n_users, n_items = 6, 10
    users, items = coordinates([[0, 2], [0, 3], [0], [1], [1, 2], [1]])
    # Rows as above; the remainder adds 3 x item 4's right factor for every listener of item 0, and
    # left rows are summed over a listener's items (item 2's and 3's are zero), all over the rows' scale.
    ease = (
        np.array([0, 1, 2] + [2] * 8, np.int64),
        np.array([7, 8], np.int32),
        np.array([1.0, 1.0], np.float32),
    )
    left = np.zeros((n_items, 2), np.float32)
    right = np.zeros((n_items, 2), np.float32)
    left[0, 0], right[4, 0] = 1.0, 3.0  # item 0's listeners: item 4 at 3 times item 7's sum
    args = (users, items, np.zeros((n_users, 2)), np.zeros((n_items, 2)), ease)
    params = TrainingParams(exposure_k=1, exposure_debias=0)
    counts = exposure(*args, params, (left, right))
    assert counts[4] == 3  # item 0's three listeners
    assert counts[7] == 0
    assert counts[8] == 3  # item 1's, untouched
    assert counts.tolist() == exposure(*args, params, (left * 0.5, right * 2.0)).tolist()  # L Rᵀ alone counts


def test_the_sample_bounds_the_work_and_zero_turns_it_off():
    rng = np.random.default_rng(5)
    users, items = coordinates([[int(i)] for i in rng.integers(0, 50, 100)])
    factors = (rng.normal(size=(100, 3)), rng.normal(size=(50, 3)))
    ease = (np.zeros(51, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
    assert exposure(users, items, *factors, ease, TrainingParams(exposure_users=7, exposure_k=2)).sum() == 14
    assert not exposure(users, items, *factors, ease, TrainingParams(exposure_users=0)).any()


def test_a_large_catalog_samples_fewer_listeners_in_smaller_blocks(monkeypatch: pytest.MonkeyPatch):
    rng = np.random.default_rng(6)
    users, items = coordinates([[int(i)] for i in rng.integers(0, 50, 100)])
    factors = (rng.normal(size=(100, 3)), rng.normal(size=(50, 3)))
    ease = (np.zeros(51, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
    whole = exposure(users, items, *factors, ease, TrainingParams(exposure_k=2))
    monkeypatch.setattr(exposure_module, "BLOCK_SCORES", 7 * 50)  # 7 listeners a block: the same counts
    np.testing.assert_array_equal(exposure(users, items, *factors, ease, TrainingParams(exposure_k=2)), whole)
    monkeypatch.setattr(exposure_module, "MAX_SCORES", 30 * 50)  # at most 30 listeners sampled
    assert exposure(users, items, *factors, ease, TrainingParams(exposure_k=2)).sum() == 60


def trained() -> ModelArtifact:
    rng = np.random.default_rng(1)
    triples = [(f"u{u}", f"i{i}", 1.0) for u in range(30) for i in rng.choice(25, 6, replace=False)]
    return train(
        Interactions.from_triples(triples), TrainingParams(factors=4, iterations=3, neighbors=5), "v", 0
    )


def test_the_trainer_publishes_exposure_and_the_artifact_round_trips_it():
    model = trained()
    assert model.exposure is not None
    assert model.exposure.shape == (len(model.item_ids),)
    assert model.exposure.sum() == 30 * TrainingParams().exposure_k
    again = ModelArtifact.from_bytes(model.to_bytes())
    assert again.exposure is not None
    np.testing.assert_array_equal(again.exposure, model.exposure)
    assert ModelArtifact.from_bytes(dataclasses.replace(model, exposure=None).to_bytes()).exposure is None
    with pytest.raises(ValueError, match="exposure"):
        ModelArtifact.from_bytes(dataclasses.replace(model, exposure=model.exposure[:-1]).to_bytes())


def test_the_exposure_debias_is_largest_for_the_most_shown_item_and_on_popularity_without_exposure():
    model = trained()
    assert model.exposure is not None
    records = [
        CatalogRecord(i, i, f"art-{i}", f"Artist {i}", (), False, None, None, None, {})
        for i in model.item_ids
    ]
    index = CatalogIndex.build(1, records, 4, 0, 1.0)
    aligned = AlignedModel.build(model, index)
    only_exposure = aligned.debias(0.0, 0.5)
    most = index.ids.find([model.item_ids[int(np.argmax(model.exposure))]])[0]
    assert only_exposure[most] == pytest.approx(0.5)
    assert only_exposure.max() == pytest.approx(0.5)
    np.testing.assert_array_equal(aligned.debias(0.4, 0.0), aligned.debias(0.4))
    bare = AlignedModel.build(dataclasses.replace(model, exposure=None), index)
    np.testing.assert_allclose(bare.debias(0.4, 0.5), bare.debias(0.9))
