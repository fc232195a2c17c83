"""Why an item was recommended: the one table of reason codes and their words, used by the ranker, the
similar-items, rerank and blend routes and the reply model (whose OpenAPI enum is generated from it).

Each code has exactly one text template, so a reply's `reason_code` and `reason` cannot disagree: text is
only ever made by `Reason.of(code, ...)`. A personal code (`PERSONAL`) makes a claim about the listener's
profile; the ranker gives one only when that claim holds (mixtape.ranking.explain).
"""

from enum import StrEnum
from typing import NamedTuple


class ReasonCode(StrEnum):
    """Why an item was recommended; `reason` says it in words."""

    ARTIST = "artist_affinity"
    GENRE = "genre_affinity"
    SIMILAR = "similar_to_item"
    LISTENERS = "listeners_also_play"
    SEED = "onboarding_choice"
    POPULAR = "popular"
    NEW_RELEASE = "new_release"
    EXPLORING = "exploring"  # nothing personal to say, or an exploration pick (mixtape.ranking.explore)
    SAME_ARTIST = "same_artist"
    SHARED_GENRE = "shared_genre"
    GROUP = "group_taste"


# The words of each code; `{...}` are the names `Reason.of` fills in.
TEXT: dict[ReasonCode, str] = {
    ReasonCode.ARTIST: "because you listen to {artist}",  # the artist has positive affinity
    ReasonCode.GENRE: "because you like {genre}",  # the genre has positive affinity
    ReasonCode.SIMILAR: "similar to {title} by {artist}",  # that item is one the listener likes
    ReasonCode.LISTENERS: "listeners of {artist} also play this",  # an item the listener likes is by them
    ReasonCode.SEED: "because you picked {name}",  # an onboarding seed artist or genre
    ReasonCode.POPULAR: "popular now",
    ReasonCode.NEW_RELEASE: "new release",
    ReasonCode.EXPLORING: "something new for you",
    ReasonCode.SAME_ARTIST: "more from {artist}",  # similar items: the source item's artist
    ReasonCode.SHARED_GENRE: "also {genre}",  # similar items: a genre of the source item
    ReasonCode.GROUP: "for {users}",  # blend: the listeners whose taste the pick serves
}

# Codes that claim something about the listener's own profile.
PERSONAL = frozenset({ReasonCode.ARTIST, ReasonCode.GENRE, ReasonCode.SIMILAR, ReasonCode.LISTENERS})


class Reason(NamedTuple):
    code: ReasonCode
    text: str

    @classmethod
    def of(cls, code: ReasonCode, **names: str) -> "Reason":
        return cls(code, TEXT[code].format(**names))


def listing(names: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
