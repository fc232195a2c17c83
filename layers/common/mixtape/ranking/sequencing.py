"""Sequencing: no two items by one artist within `spacing` places of each other in a list (spacing 1: no
two adjacent), on top of the per-artist cap (mixtape.ranking.diversity)."""

from typing import Any

import numpy as np
import numpy.typing as npt


def spaced(
    artists: npt.NDArray[np.integer[Any]], k: int, spacing: int, *, exhausted: bool
) -> npt.NDArray[np.intp]:
    """Indexes into `artists` (candidates in score order, already capped) of up to k picks in which no
    artist recurs within `spacing` places: each place takes the best candidate left whose artist is not
    among the previous `spacing` picks. Sequencing orders, it does not filter: when only such artists are
    left and the candidates are all there are (`exhausted`), the best of them follows (a genre with one
    artist still lists its items); otherwise the picks stop short and the caller widens its pool. Most
    lists need no reordering: one vectorised check finds that, and only a list with a near repeat is
    walked pick by pick."""
    first = artists[:k]
    near = range(1, min(spacing, len(first) - 1) + 1)
    if not any(np.any(first[d:] == first[:-d]) for d in near):
        return np.arange(len(first))
    remaining = artists.tolist()
    left = list(range(len(remaining)))
    picks: list[int] = []
    while len(picks) < k:
        recent = {remaining[p] for p in picks[-spacing:]}
        at = next((j for j, c in enumerate(left) if remaining[c] not in recent), None)
        if at is None:
            if not exhausted or not left:
                break
            at = 0
        picks.append(left.pop(at))
    return np.asarray(picks, dtype=np.intp)
