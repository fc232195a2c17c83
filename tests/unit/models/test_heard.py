"""The heard filter (mixtape.models.heard): no false negatives, the documented false-positive bound and
sizes at 10k and 100k items, the oldest layers dropped at the size cap, and a byte-exact round trip."""

import hashlib

import numpy as np
import pytest

from mixtape.models.heard import HeardFilter, HeardShape, item_hashes

SHAPE = HeardShape()
NON_MEMBERS = item_hashes([f"never-{i}" for i in range(100_000)])
# The documented sizes (README, "Storage"), bounds the default shape must keep.
MAX_BYTES_AT = {10_000: 32 * 1024, 100_000: 262 * 1024}


def ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}-{i}" for i in range(n)]


def test_hash_pairs_are_blake2b_halves_with_an_odd_step():
    pairs = item_hashes(["track-1", "track-2"])
    digest = hashlib.blake2b(b"track-1", digest_size=16).digest()
    assert int(pairs[0, 0]) == int.from_bytes(digest[:8], "little")
    assert int(pairs[0, 1]) == int.from_bytes(digest[8:], "little") | 1
    assert pairs.dtype == np.uint64
    assert (pairs[:, 1] % 2 == 1).all()


def test_an_empty_filter_holds_nothing_and_costs_a_header():
    heard = HeardFilter()
    assert not heard.contains(NON_MEMBERS[:10]).any()
    assert heard.nbytes == len(heard.to_bytes()) == 3


def test_a_light_listener_costs_bytes_not_kilobytes():
    heard = HeardFilter.of(ids("t", 20), SHAPE)
    assert heard.layers == 1
    assert heard.nbytes < 200
    assert heard.contains_ids(ids("t", 20)).all()


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_every_item_added_is_held_and_few_others_are(n: int):
    members = ids("m", n)
    heard = HeardFilter()
    for start in range(0, n, 997):  # in folds of odd sizes, as commits add them
        heard.add(members[start : start + 997], SHAPE)
    assert heard.contains_ids(members).all()  # no false negative
    assert len(heard) <= n
    rate = float(heard.contains(NON_MEMBERS).mean())
    assert rate <= SHAPE.error_rate
    assert heard.nbytes <= MAX_BYTES_AT[n]
    assert heard.nbytes == len(heard.to_bytes())


def test_adding_an_item_again_changes_nothing():
    heard = HeardFilter.of(ids("a", 100), SHAPE)
    before = heard.to_bytes()
    heard.add(ids("a", 100)[::-1], SHAPE)
    assert heard.to_bytes() == before
    assert len(heard) <= 100


def test_layers_grow_and_tighten():
    heard = HeardFilter.of(ids("g", 5_000), SHAPE)
    layers = heard._layers
    assert [x.capacity for x in layers] == [
        SHAPE.initial_capacity * SHAPE.growth**i for i in range(len(layers))
    ]
    assert [x.hashes for x in layers] == sorted(x.hashes for x in layers)
    assert layers[-1].hashes > layers[0].hashes
    # the rates of the layers sum to no more than the bound, however many there are
    assert sum(SHAPE.layer_rate(x.level) for x in layers) < SHAPE.error_rate


def test_at_the_size_cap_the_oldest_layers_go_and_the_newest_items_stay():
    shape = HeardShape(initial_capacity=16, max_bytes=2048)
    heard = HeardFilter()
    batches = [ids(f"b{j}", 100) for j in range(30)]
    for batch in batches:
        heard.add(batch, shape)
        assert heard.nbytes <= shape.max_bytes
    assert heard.contains_ids(batches[-1]).all()  # what was heard last is never forgotten
    assert heard.contains_ids(batches[0]).mean() < 0.5  # what was heard first mostly is
    assert float(heard.contains(NON_MEMBERS[:20_000]).mean()) <= shape.error_rate
    levels = [x.level for x in heard._layers]
    assert len(set(levels)) == len(levels)  # distinct terms of the bounded sum


def test_round_trip_is_byte_exact_and_answers_the_same():
    heard = HeardFilter.of(ids("r", 3_000), SHAPE)
    data = heard.to_bytes()
    back = HeardFilter.from_bytes(data)
    assert back.to_bytes() == data
    assert len(back) == len(heard)
    probe = np.concatenate((item_hashes(ids("r", 3_000)), NON_MEMBERS[:20_000]))
    np.testing.assert_array_equal(back.contains(probe), heard.contains(probe))
    back.add(["one-more"], SHAPE)  # an independent copy: the original does not change
    assert heard.to_bytes() == data


def test_copy_is_independent():
    heard = HeardFilter.of(ids("c", 10), SHAPE)
    copied = heard.copy()
    copied.add(ids("d", 200), SHAPE)
    assert not heard.contains_ids(ids("d", 200)).all()
    assert copied.contains_ids(ids("c", 10) + ids("d", 200)).all()


@pytest.mark.parametrize("data", [b"", b"\x02\x00\x00", HeardFilter.of(["x"], SHAPE).to_bytes()[:-1]])
def test_bytes_that_are_not_a_filter_are_refused(data: bytes):
    with pytest.raises(ValueError, match="heard filter"):
        HeardFilter.from_bytes(data)
