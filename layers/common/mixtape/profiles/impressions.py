"""Impressions folded into a profile: per item shown, a decayed count of showings.

Like the affinities, a showing at t is stored as 2**((t - ref) / half_life), relative to the impressions'
own reference time (their half-life is hours, so they are rebased on their own schedule): sums commute,
so late and redelivered-then-deduplicated events land where they belong, in any order. Only the
`max_impressions` items with the largest counts are kept (the same rule whatever the order), so the
profile stays small. An impression is never a play: nothing else of the profile changes.
"""

import heapq

from mixtape.models.profile import Profile

# Rebase before a stored count could grow past 2**REBASE_AFTER_HALF_LIVES (float64 holds 2**1023).
REBASE_AFTER_HALF_LIVES = 64.0


def add_impression(profile: Profile, item_id: str, ts_ms: int, half_life_ms: float) -> None:
    """One showing of `item_id` at `ts_ms`, added in place."""
    if profile.impressions_ref_ms == 0:
        profile.impressions_ref_ms = ts_ms
    elif (ts_ms - profile.impressions_ref_ms) / half_life_ms > REBASE_AFTER_HALF_LIVES:
        factor = 2.0 ** ((profile.impressions_ref_ms - ts_ms) / half_life_ms)
        profile.impressions = {k: v * factor for k, v in profile.impressions.items()}
        profile.impressions_ref_ms = ts_ms
    weight = 2.0 ** ((ts_ms - profile.impressions_ref_ms) / half_life_ms)
    profile.impressions[item_id] = profile.impressions.get(item_id, 0.0) + weight


def keep_strongest(impressions: dict[str, float], keep: int) -> dict[str, float]:
    """The `keep` items with the largest counts (ties: the larger id), all of them when there are fewer."""
    if len(impressions) <= keep:
        return impressions
    return dict(heapq.nlargest(keep, impressions.items(), key=lambda kv: (kv[1], kv[0])))
