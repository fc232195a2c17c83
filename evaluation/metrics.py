"""Top-k metrics over ranked lists: HR@10, NDCG@10 (binary gains), Recall@20 and coverage@10; each
listener's hit@10 and NDCG@10 for paired intervals."""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

# Each metric's field on `Scores` and its label in the reports.
LABELS = {
    "hr_at_10": "HR@10",
    "ndcg_at_10": "NDCG@10",
    "recall_at_20": "Recall@20",
    "coverage_at_10": "coverage@10",
}


@dataclass(frozen=True)
class Scores:
    hr_at_10: float
    ndcg_at_10: float
    recall_at_20: float
    coverage_at_10: float
    users: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def ndcg(ranked: Sequence[int], relevant: frozenset[int], k: int) -> float:
    """Binary gains; the ideal DCG places min(|relevant|, k) hits first."""
    dcg = sum(1.0 / math.log2(rank + 2) for rank, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


@dataclass(frozen=True)
class PerListener:
    """Each evaluated listener's hit@10 (0 or 1) and NDCG@10, by listener id: what a paired interval
    resamples (`evaluation.intervals`). Named after the `Scores` fields they average to."""

    hr_at_10: Mapping[int, float]
    ndcg_at_10: Mapping[int, float]

    def only(self, users: Iterable[int]) -> "PerListener":
        """The values of `users` (a slice), in their order."""
        keep = list(users)
        return PerListener({u: self.hr_at_10[u] for u in keep}, {u: self.ndcg_at_10[u] for u in keep})


def per_listener(ranked: Mapping[int, Sequence[int]], test: Mapping[int, frozenset[int]]) -> PerListener:
    """Hit@10 and NDCG@10 of every listener in `test`, in its order; a missing list counts as empty."""
    hits: dict[int, float] = {}
    gains: dict[int, float] = {}
    for user, relevant in test.items():
        top = list(ranked.get(user, ()))[:10]
        hits[user] = float(any(item in relevant for item in top))
        gains[user] = ndcg(top, relevant, 10)
    return PerListener(hits, gains)


def score(
    ranked: Mapping[int, Sequence[int]],
    test: Mapping[int, frozenset[int]],
    catalog_size: int,
    listeners: PerListener | None = None,
) -> Scores:
    """Means over the listeners in `test`; a listener missing from `ranked` counts as an empty list.
    `listeners`: their `per_listener` values when the caller already has them."""
    each = per_listener(ranked, test) if listeners is None else listeners
    hits = ndcg_sum = recall_sum = 0.0  # plain running sums (sum() compensates): the same means as before
    shown: set[int] = set()
    for user, relevant in test.items():
        top = list(ranked.get(user, ()))
        hits += each.hr_at_10[user]
        ndcg_sum += each.ndcg_at_10[user]
        recall_sum += len(relevant.intersection(top[:20])) / len(relevant)
        shown.update(top[:10])
    n = len(test)
    if n == 0:
        return Scores(0.0, 0.0, 0.0, 0.0, 0)
    return Scores(
        hits / n, ndcg_sum / n, recall_sum / n, len(shown) / catalog_size if catalog_size else 0.0, n
    )


def already_heard(
    ranked: Mapping[int, Sequence[int]], known: Mapping[int, frozenset[int]], k: int = 20
) -> int:
    """Items of each top-k list that the listener already has in their training history (target 0)."""
    empty: frozenset[int] = frozenset()
    return sum(len(known.get(user, empty).intersection(top[:k])) for user, top in ranked.items())


def overlap_at_10(ranked: Mapping[int, Sequence[int]], reference: Mapping[int, Sequence[int]]) -> float:
    """Share of the reference's top-10 items that `ranked` also has in its top 10, over all the
    reference's items (an approximate ranker against the exact one: its recall@10)."""
    found = total = 0
    for user, expected in reference.items():
        top = set(expected[:10])
        found += len(top.intersection(ranked.get(user, ())[:10]))
        total += len(top)
    return found / total if total else 1.0


def mean(runs: Iterable[Scores]) -> Scores:
    rows = list(runs)
    return Scores(
        hr_at_10=sum(r.hr_at_10 for r in rows) / len(rows),
        ndcg_at_10=sum(r.ndcg_at_10 for r in rows) / len(rows),
        recall_at_20=sum(r.recall_at_20 for r in rows) / len(rows),
        coverage_at_10=sum(r.coverage_at_10 for r in rows) / len(rows),
        users=round(sum(r.users for r in rows) / len(rows)),
    )
