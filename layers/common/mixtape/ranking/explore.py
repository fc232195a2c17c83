"""Exploration: a share of a listener's list given to long-tail and unfamiliar-genre items.

With `explore` = e > 0, round(e · limit) slots (at least one) go to items ranked just below the list that
are either in the long tail (outside the catalog's most popular `HEAD_SHARE` of items) or of no genre the
listener has a positive affinity for. They are the ranker's own candidates (filters and the per-artist cap
hold, being a subset of a wider ranked list), not random catalog items, so exploration stays plausible.
Which of them, and the slots they take, are drawn from a generator seeded by the listener and the UTC date:
the same picks all day, new ones tomorrow. `explore` = 0 changes nothing.
"""

import hashlib
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from mixtape.catalog.index import CatalogIndex
from mixtape.models.profile import Profile
from mixtape.models.reason import ReasonCode
from mixtape.ranking.request import Ranked, RankingRequest

HEAD_SHARE = 0.2  # the most popular fifth of the catalog is the head; the rest is the long tail
POOL_FACTOR = 4  # explore candidates: the items ranked in the `POOL_FACTOR · limit` places below the list
EXPLORE_REASON = "something new for you"


def slots(explore: float, limit: int) -> int:
    """How many of `limit` places exploration takes."""
    if explore <= 0:
        return 0
    return min(limit, max(1, round(explore * limit)))


def daily_seed(user_id: str, now_ms: int) -> int:
    """The listener's exploration seed for the UTC day of `now_ms`."""
    day = datetime.fromtimestamp(now_ms / 1000, UTC).date().isoformat()
    return int.from_bytes(hashlib.sha256(f"explore:{user_id}:{day}".encode()).digest()[:8], "big")


def widened(request: RankingRequest, taken: int) -> RankingRequest:
    """The request with room for the explore candidates below the list."""
    return replace(request, limit=request.limit + POOL_FACTOR * max(taken, request.limit))


def long_tail_below(index: CatalogIndex) -> float:
    """The popularity the head starts at (per catalog index and popularity refresh)."""

    def build() -> tuple[object, float]:
        values = index.popularity
        return values, float(np.quantile(values, 1.0 - HEAD_SHARE)) if len(values) else 0.0

    return index.scratch("explore-head", build, lambda found: found[0] is index.popularity)[1]


def familiar_genres(profile: Profile | None) -> frozenset[str]:
    return frozenset(g for g, v in profile.genres.items() if v > 0) if profile is not None else frozenset()


def mix(
    ranked: list[Ranked], limit: int, taken: int, index: CatalogIndex, familiar: frozenset[str], seed: int
) -> list[Ranked]:
    """The list of `limit` items: the best `limit - taken` of `ranked` in order, and `taken` explore picks
    from the rest at seeded places (fewer when the rest holds fewer eligible items: the next ranked items
    fill in)."""
    keep = limit - taken
    head, rest = ranked[:keep], ranked[keep:]
    tail_below = long_tail_below(index)
    eligible = [
        j
        for j, pick in enumerate(rest)
        if index.popularity[pick.position] < tail_below
        or not familiar.intersection(index.records[pick.position].genres)
    ]
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.choice(len(eligible), size=min(taken, len(eligible)), replace=False).tolist())
    explored = [
        rest[eligible[j]]._replace(reason_code=ReasonCode.EXPLORING, reason=EXPLORE_REASON) for j in chosen
    ]
    used = {eligible[j] for j in chosen}
    filler = [pick for j, pick in enumerate(rest) if j not in used][: taken - len(explored)]
    personal = head + filler
    size = min(limit, len(personal) + len(explored))
    places = set(rng.choice(size, size=len(explored), replace=False).tolist()) if explored else set()
    picks, others = iter(explored), iter(personal)
    return [next(picks) if place in places else next(others) for place in range(size)]
