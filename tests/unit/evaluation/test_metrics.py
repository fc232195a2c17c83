"""The evaluation's metric code on hand-computed cases, and the split protocol's rules."""

import math

import pytest

from evaluation.metrics import Scores, already_heard, mean, ndcg, overlap_at_10, score
from evaluation.protocol import split
from local.lastfm import Play, Tagged


def test_ndcg_uses_binary_gains_and_an_ideal_over_min_of_relevant_and_k():
    # hits at ranks 1 and 3 of 3 relevant: DCG = 1 + 1/log2(4) = 1.5, IDCG = 1 + 1/log2(3) + 1/2
    assert ndcg([7, 8, 9], frozenset({7, 9, 42}), 10) == pytest.approx(1.5 / (1 + 1 / math.log2(3) + 0.5))
    # more relevant items than k: the ideal has k hits
    assert ndcg([1, 2], frozenset({1, 2, 3}), 2) == pytest.approx(1.0)
    assert ndcg([5, 6], frozenset({1}), 10) == 0.0


def test_scores_on_a_hand_computed_case():
    test = {1: frozenset({10, 11}), 2: frozenset({20})}
    ranked = {
        1: [10, *range(100, 119)],  # hit at rank 1 (of 2 relevant); 11 not in the top 20
        2: [*range(200, 210), 20],  # hit only at rank 11: not in the top 10, in the top 20
    }
    got = score(ranked, test, catalog_size=40)
    assert got.hr_at_10 == pytest.approx(0.5)
    assert got.ndcg_at_10 == pytest.approx((1 / (1 + 1 / math.log2(3))) / 2)
    assert got.recall_at_20 == pytest.approx((1 / 2 + 1 / 1) / 2)
    # top-10 lists: {10, 100..108} and {200..209}: 20 distinct of 40
    assert got.coverage_at_10 == pytest.approx(20 / 40)
    assert got.users == 2


def test_a_listener_without_an_answer_counts_as_a_miss():
    got = score({}, {1: frozenset({3})}, catalog_size=10)
    assert (got.hr_at_10, got.ndcg_at_10, got.recall_at_20, got.coverage_at_10) == (0.0, 0.0, 0.0, 0.0)


def test_mean_averages_every_metric():
    a, b = Scores(1.0, 0.5, 0.2, 0.1, 10), Scores(0.0, 0.1, 0.4, 0.3, 20)
    got = mean([a, b])
    assert (got.hr_at_10, got.ndcg_at_10, got.users) == (0.5, 0.3, 15)
    assert (got.recall_at_20, got.coverage_at_10) == pytest.approx((0.3, 0.2))


def test_overlap_at_10_is_the_share_of_the_reference_top_10_found_in_the_top_10():
    reference = {1: list(range(20)), 2: [7, 8]}  # 10 + 2 reference items
    ranked = {
        1: [*range(5), *range(100, 105), *range(5, 10)],  # 5 of the reference's 10 in the top 10, 5 later
        2: [8, 7],  # order does not matter
    }
    assert overlap_at_10(ranked, reference) == pytest.approx((5 + 2) / 12)
    assert overlap_at_10({}, reference) == 0.0  # a listener without an answer finds nothing
    assert overlap_at_10(reference, reference) == 1.0


def plays() -> list[Play]:
    rows = [Play(u, a, 1 + a) for u in range(1, 41) for a in range(u % 7, u % 7 + 3 + u % 9)]
    return [*rows, Play(99, 500, 3)]  # an artist only listener 99 has: can never be a test artist


def test_split_holds_out_a_fifth_of_each_eligible_listeners_artists():
    data = plays()
    part = split(data, seed=0)
    by_user: dict[int, set[int]] = {}
    for p in data:
        by_user.setdefault(p.user_id, set()).add(p.artist_id)
    train = {(p.user_id, p.artist_id) for p in part.train}
    catalog = set(part.catalog)
    for user, artists in by_user.items():
        held = {a for a in artists if (user, a) not in train}
        if len(artists) < 5:
            assert not held  # train-only
            assert user not in part.test
        else:
            assert len(held) == round(0.2 * len(artists))
            assert part.test.get(user, frozenset()) == frozenset(held & catalog)
    assert all(a in catalog for t in part.test.values() for a in t)
    assert catalog == {p.artist_id for p in part.train}


def test_split_is_deterministic_per_seed_and_differs_across_seeds():
    data = plays()
    assert split(data, 1) == split(data, 1)
    assert split(data, 1).test != split(data, 2).test


def test_already_heard_counts_training_items_in_each_top_20_only():
    known = {1: frozenset({5, 6}), 2: frozenset({9})}
    ranked = {1: [5, 1, 2, 6], 2: [*range(100, 120), 9], 3: [5]}  # 2: the 21st item is not shown
    assert already_heard(ranked, known) == 2
    assert already_heard({1: [1, 2]}, known) == 0


def test_tags_join_training_but_never_move_a_test_set_and_a_test_artist_leaves_training_entirely():
    data = plays()
    tags = [Tagged(u, a) for u in range(1, 41) for a in (0, 1, 2, 600 + u % 3)]
    alone, both = split(data, 3), split(data, 3, tags)
    assert both.test.keys() == alone.test.keys()
    for user, held in both.test.items():
        assert alone.test[user] <= held  # tags can only bring a test artist into the catalog
        training = {like.artist_id for like in both.likes if like.user_id == user}
        training |= {p.artist_id for p in both.train if p.user_id == user}
        assert not held & training
        assert both.known()[user] == frozenset(training)
    held_pairs = {(u, a) for u, held in both.test.items() for a in held}
    assert {(t.user_id, t.artist_id) for t in tags} - {
        (t.user_id, t.artist_id) for t in both.likes
    } <= held_pairs
    assert {600, 601, 602} <= set(both.catalog)  # tagged only: in the catalog through likes
    assert both.train == alone.train


def test_slices_are_by_the_complete_history_before_the_split():
    heavy = [Play(1, a, 1) for a in range(250)] + [Play(2, a, 1) for a in range(20)]
    tags = [Tagged(1, a) for a in range(200, 260)] + [Tagged(3, a) for a in range(5)]
    part = split([*heavy, *(Play(3, a, 1) for a in range(10)), *(Play(4, a, 1) for a in range(30))], 0, tags)
    assert part.history == {1: 260, 2: 20, 3: 10, 4: 30}
    assert part.slice("all") == part.test
    assert set(part.slice("light")) == {2, 3}
    assert set(part.slice("heavy")) == set()
    more = split([*heavy, *(Play(1, a, 1) for a in range(300, 350))], 0, tags)
    assert set(more.slice("heavy")) == {1}  # 250 + 50 played + 10 tagged only > 300
    with pytest.raises(ValueError, match="no slice"):
        part.slice("medium")
