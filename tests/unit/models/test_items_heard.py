"""`Profile.items_heard()`: the count of distinct items that picks a listener's activity level."""

from mixtape.models.heard import HeardFilter, HeardShape
from mixtape.models.profile import Profile, RecentItem


def test_without_a_filter_the_items_the_tables_name_are_counted_once() -> None:
    profile = Profile(
        user_id="u",
        items={"a": 1.0, "b": 2.0},
        recent=[RecentItem(item_id="b", ts=1), RecentItem(item_id="c", ts=2)],
        disliked={"d": 3, "a": 4},
    )
    assert profile.items_heard() == 4  # a, b, c, d
    assert Profile(user_id="new").items_heard() == 0


def test_with_a_filter_its_count_wins_over_the_capped_tables() -> None:
    heard = [f"i{n}" for n in range(400)]
    # The tables keep only a few of the 400 items the listener heard (the caps cut the rest).
    profile = Profile(user_id="u", items={"i0": 1.0, "i1": 1.0}, known_complete=False)
    profile.heard = HeardFilter.of(heard, HeardShape())
    # Items the filter already seemed to hold (a false positive, at most `error_rate`) are not added again.
    assert 0.98 * 400 <= profile.items_heard() <= 400
    counted = profile.items_heard()
    profile.heard.add(heard[:50], HeardShape())  # heard again: not counted again
    assert profile.items_heard() == counted
