"""Ranking: score every catalog item (or an IVF index's candidates) with numpy, filter, cap per artist,
explain the picks.

`recommend` ranks a listener's list, `similar_items` the items like one item; both answer `Ranked` picks
(catalog position, score, reason code, reason text).
"""

from mixtape.ranking.diversity import top_k_capped
from mixtape.ranking.recommendations import recommend
from mixtape.ranking.request import Ranked, RankingRequest, RankingSettings, Recommendations
from mixtape.ranking.similar import similar_items

__all__ = [
    "Ranked",
    "RankingRequest",
    "RankingSettings",
    "Recommendations",
    "recommend",
    "similar_items",
    "top_k_capped",
]
