"""The evaluation protocol: per-listener random 80/20 split of each listener's PLAYED artists, over their
complete history (plays plus tagged artists, `local.lastfm.Tagged`, replayed as likes).

Listeners with at least `min_items` played artists are split (the others are train-only); a test artist
leaves that listener's training data entirely (its plays and its tags). Test artists that nobody has in
training are dropped, and so are listeners left with no test artist. The ranking is over the training
catalog (artists with a training play or like), with each listener's training artists excluded.

Slices are by the size of the listener's complete history before the split: heavy listeners have more
artists than a profile keeps (`HEAVY_ABOVE`), light ones at most `LIGHT_UP_TO`.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from local.lastfm import LastFm, Play, Tagged

HEAVY_ABOVE = 300  # the profile's default max_items (mixtape.config.ProfileLimits)
LIGHT_UP_TO = 20
SLICES = ("all", "heavy", "light")


@dataclass(frozen=True)
class Split:
    seed: int
    train: tuple[Play, ...]
    likes: tuple[Tagged, ...]  # training likes: tagged artists not held out for that listener
    test: dict[int, frozenset[int]]  # listener -> test artists (all in the training catalog)
    catalog: tuple[int, ...]  # artists with at least one training play or like, sorted
    history: dict[int, int]  # listener -> distinct artists in the complete history, before the split

    @property
    def users(self) -> list[int]:
        return sorted(self.test)

    def known(self) -> dict[int, frozenset[int]]:
        """Each listener's training artists (plays and likes): what no list may contain."""
        artists: dict[int, set[int]] = defaultdict(set)
        for row in self.train:
            artists[row.user_id].add(row.artist_id)
        for like in self.likes:
            artists[like.user_id].add(like.artist_id)
        return {user: frozenset(found) for user, found in artists.items()}

    def slice(self, name: str) -> dict[int, frozenset[int]]:
        """The test sets of one slice's listeners ("all", "heavy" or "light")."""
        if name == "heavy":
            return {u: t for u, t in self.test.items() if self.history[u] > HEAVY_ABOVE}
        if name == "light":
            return {u: t for u, t in self.test.items() if self.history[u] <= LIGHT_UP_TO}
        if name == "all":
            return self.test
        raise ValueError(f"no slice {name!r}")


def plays_and_tags(
    data: LastFm, limit_users: int | None = None
) -> tuple[tuple[Play, ...], tuple[Tagged, ...]]:
    """The plays and tags the protocol splits: every listener's, or (smoke runs) those of the first
    `limit_users` listeners by id."""
    plays, tagged = data.plays, data.tagged
    if limit_users is None:
        return plays, tagged
    keep = set(sorted({p.user_id for p in plays})[:limit_users])
    return tuple(p for p in plays if p.user_id in keep), tuple(t for t in tagged if t.user_id in keep)


def split(
    plays: Sequence[Play],
    seed: int,
    tagged: Sequence[Tagged] = (),
    test_fraction: float = 0.2,
    min_items: int = 5,
) -> Split:
    by_user: dict[int, list[Play]] = defaultdict(list)
    for play in plays:
        by_user[play.user_id].append(play)
    history: dict[int, set[int]] = defaultdict(set)
    for pair in (*((p.user_id, p.artist_id) for p in plays), *((t.user_id, t.artist_id) for t in tagged)):
        history[pair[0]].add(pair[1])
    rng = np.random.default_rng(seed)
    train: list[Play] = []
    held_out: dict[int, list[int]] = {}
    for user in sorted(by_user):  # the draws depend on the plays only: tags never move a test set
        rows = sorted(by_user[user], key=lambda p: p.artist_id)
        if len(rows) < min_items:
            train.extend(rows)
            continue
        order = rng.permutation(len(rows))
        n_test = round(test_fraction * len(rows))
        held_out[user] = [rows[i].artist_id for i in order[:n_test]]
        train.extend(rows[i] for i in sorted(order[n_test:]))
    removed = {(u, a) for u, artists in held_out.items() for a in artists}
    likes = tuple(t for t in tagged if (t.user_id, t.artist_id) not in removed)
    catalog = {p.artist_id for p in train} | {t.artist_id for t in likes}
    test = {u: frozenset(a for a in artists if a in catalog) for u, artists in held_out.items()}
    return Split(
        seed,
        tuple(train),
        likes,
        {u: t for u, t in test.items() if t},
        tuple(sorted(catalog)),
        {user: len(artists) for user, artists in history.items()},
    )
