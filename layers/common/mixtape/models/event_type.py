"""The kinds of listening event: apart from mixtape.models.events, so that code which only weighs or
filters by type (settings, popularity) does not import the event models (the recommend function never
validates an event)."""

from enum import StrEnum


class EventType(StrEnum):
    PLAY = "play"
    SKIP = "skip"
    LIKE = "like"
    DISLIKE = "dislike"
    SAVE = "save"
    PLAYLIST_ADD = "playlist_add"
    # The item was shown (`context.source`: the surface). Never a play: it moves no affinity, popularity or
    # trend, only the item's fatigue (mixtape.profiles.impressions, mixtape.ranking.fatigue).
    IMPRESSION = "impression"
