from enum import StrEnum


class Filter(StrEnum):
    ARTIST_DISLIKED = "artist_disliked"
    DISLIKED = "disliked"
    MUTED_ARTIST = "muted_artist"
    MUTED_GENRE = "muted_genre"

    def __str__(self) -> str:
        return str(self.value)
