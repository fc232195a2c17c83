"""The evaluation protocol: per-listener random 80/20 split of each listener's artists.

Listeners with at least `min_items` artists are split (the others are train-only); test artists that
nobody has in training are dropped, and so are listeners left with no test artist. The ranking is over
the training catalog, with each listener's training artists excluded.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from local.lastfm import Play


@dataclass(frozen=True)
class Split:
    seed: int
    train: tuple[Play, ...]
    test: dict[int, frozenset[int]]  # listener -> test artists (all in the training catalog)
    catalog: tuple[int, ...]  # artists with at least one training play, sorted

    @property
    def users(self) -> list[int]:
        return sorted(self.test)


def split(plays: Sequence[Play], seed: int, test_fraction: float = 0.2, min_items: int = 5) -> Split:
    by_user: dict[int, list[Play]] = defaultdict(list)
    for play in plays:
        by_user[play.user_id].append(play)
    rng = np.random.default_rng(seed)
    train: list[Play] = []
    held_out: dict[int, list[int]] = {}
    for user in sorted(by_user):
        rows = sorted(by_user[user], key=lambda p: p.artist_id)
        if len(rows) < min_items:
            train.extend(rows)
            continue
        order = rng.permutation(len(rows))
        n_test = round(test_fraction * len(rows))
        held_out[user] = [rows[i].artist_id for i in order[:n_test]]
        train.extend(rows[i] for i in sorted(order[n_test:]))
    catalog = {p.artist_id for p in train}
    test = {u: frozenset(a for a in artists if a in catalog) for u, artists in held_out.items()}
    return Split(seed, tuple(train), {u: t for u, t in test.items() if t}, tuple(sorted(catalog)))
