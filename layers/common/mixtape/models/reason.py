"""Why an item was recommended: the one list of reason codes, used by the ranker and by the reply model
(whose OpenAPI enum is generated from it)."""

from enum import StrEnum


class ReasonCode(StrEnum):
    """Why an item was recommended; `reason` says it in words."""

    ARTIST = "artist_affinity"
    GENRE = "genre_affinity"
    SIMILAR = "similar_to_item"
    LISTENERS = "listeners_also_play"
    POPULAR = "popular"
    NEW_RELEASE = "new_release"
    SAME_ARTIST = "same_artist"
    EXPLORING = "exploring"  # an exploration pick (mixtape.ranking.explore): long tail or a new genre
