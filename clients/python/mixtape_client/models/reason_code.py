from enum import StrEnum


class ReasonCode(StrEnum):
    ARTIST_AFFINITY = "artist_affinity"
    EXPLORING = "exploring"
    GENRE_AFFINITY = "genre_affinity"
    GROUP_TASTE = "group_taste"
    LISTENERS_ALSO_PLAY = "listeners_also_play"
    NEW_RELEASE = "new_release"
    ONBOARDING_CHOICE = "onboarding_choice"
    POPULAR = "popular"
    SAME_ARTIST = "same_artist"
    SHARED_GENRE = "shared_genre"
    SIMILAR_TO_ITEM = "similar_to_item"

    def __str__(self) -> str:
        return str(self.value)
