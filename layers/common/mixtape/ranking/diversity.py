"""At most `max_per_artist` items of one artist in a list, chosen from an exact top-k, and (with `spacing`)
no artist twice within `spacing` places (mixtape.ranking.sequencing)."""

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from mixtape.catalog.index import FloatArray
from mixtape.ranking.listener import HeardCheck, Positions
from mixtape.ranking.sequencing import spaced
from mixtape.search.select import IndexArray, top_k

Selector = Callable[[FloatArray, int], IndexArray]


def top_k_capped(
    scores: FloatArray,
    k: int,
    artist_of: npt.NDArray[np.int32],
    cap: int,
    select: Selector = top_k,
    positions: Positions | None = None,
    spacing: int = 0,
    heard: HeardCheck | None = None,
) -> list[int]:
    """Indexes of the k best finite scores, at most `cap` per artist. Takes an exact top-`pool` (sampled
    threshold, no sort or argpartition of the catalog) and widens it only when the cap rejected too many;
    a pool that comes back short holds every finite score, so no count of them is needed up front.
    `positions`: the catalog position of each score (candidates), when the scores are not the catalog's;
    artists are then looked up for the pool only.
    No loop over picks: in score order, the greedy cap keeps an item exactly when fewer than `cap` items
    of its artist come before it (those were kept, by the same rule), i.e. when its rank among the pool's
    items of its artist is below `cap`. `spacing` > 0 then orders the capped pool so that no artist recurs
    within that many places; a pool that cannot fill k places that way is widened as one the cap cut, and
    once every candidate is in it the rule yields (mixtape.ranking.sequencing.spaced). `heard`: the pool's
    items the listener's heard filter holds are dropped first (and the pool widened as for the cap)."""
    pool = min(len(scores), max(4 * k, 32))
    while True:
        found = select(scores, pool)
        exhausted = len(found) < pool or pool >= len(scores)
        if heard is not None:
            found = found[~heard(found if positions is None else positions[found])]
        artists = artist_of[found if positions is None else positions[found]]
        capped = _rank_within_group(artists) < cap
        kept = found[capped][spaced(artists[capped], k, spacing, exhausted=exhausted)]
        if len(kept) == k or exhausted:
            chosen: list[int] = kept.tolist()
            return chosen
        pool = min(len(scores), pool * 4)


def _rank_within_group(groups: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.intp]:
    """Each entry's rank among the entries of its group that come before it (a stable sort by group)."""
    order = np.argsort(groups, kind="stable")
    grouped = groups[order]
    first = np.flatnonzero(np.concatenate(([True], grouped[1:] != grouped[:-1])))
    rank = np.empty(len(groups), dtype=np.intp)
    rank[order] = np.arange(len(groups)) - np.repeat(first, np.diff(np.append(first, len(groups))))
    return rank
