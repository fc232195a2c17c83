from enum import StrEnum


class EventType(StrEnum):
    DISLIKE = "dislike"
    IMPRESSION = "impression"
    LIKE = "like"
    PLAY = "play"
    PLAYLIST_ADD = "playlist_add"
    SAVE = "save"
    SKIP = "skip"

    def __str__(self) -> str:
        return str(self.value)
