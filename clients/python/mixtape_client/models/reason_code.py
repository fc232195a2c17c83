from enum import StrEnum


class ReasonCode(StrEnum):
    ARTIST_AFFINITY = "artist_affinity"
    EXPLORING = "exploring"
    GENRE_AFFINITY = "genre_affinity"
    LISTENERS_ALSO_PLAY = "listeners_also_play"
    NEW_RELEASE = "new_release"
    POPULAR = "popular"
    SAME_ARTIST = "same_artist"
    SIMILAR_TO_ITEM = "similar_to_item"

    def __str__(self) -> str:
        return str(self.value)
