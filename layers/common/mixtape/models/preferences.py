"""A listener's own choices: seed artists and genres for onboarding, muted artists and genres.

Stored beside the taste profile, in the same DynamoDB item (attribute `prefs`), so a recommendation still
reads one item per listener (mixtape.storage.dynamo.profiles says how writes keep both).
"""

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mixtape.models.catalog import Genre
from mixtape.models.ids import ArtistId, UserId

MAX_SEEDS = 50
MAX_MUTED = 200


def _unique[T](values: list[T]) -> list[T]:
    return list(dict.fromkeys(values))


class Preferences(BaseModel):
    """PUT /v1/users/{user_id}/preferences: the whole set, replacing the previous one."""

    model_config = ConfigDict(frozen=True, defer_build=True, extra="forbid")

    seed_artists: Annotated[list[ArtistId], Field(max_length=MAX_SEEDS)] = Field(
        default_factory=list, description="Artists to start from while the listener has no history"
    )
    seed_genres: Annotated[list[Genre], Field(max_length=MAX_SEEDS)] = Field(
        default_factory=list, description="Genres to start from while the listener has no history"
    )
    muted_artists: Annotated[
        list[Annotated[ArtistId, Field(examples=["art-07"])]], Field(max_length=MAX_MUTED)
    ] = Field(
        default_factory=list,
        description="Never recommended (recommendations, rerank, blend)",
        examples=[["art-07"]],  # not the seed example: a seed that is also muted is refused
    )
    muted_genres: Annotated[list[Genre], Field(max_length=MAX_MUTED)] = Field(
        default_factory=list,
        description="Items having any of these genres are never recommended",
        examples=[["metal"]],
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for name in ("seed_artists", "seed_genres", "muted_artists", "muted_genres"):
            object.__setattr__(self, name, _unique(getattr(self, name)))
        if both := sorted(set(self.seed_artists) & set(self.muted_artists)):
            raise ValueError(f"artist {both[0]} is both a seed and muted")
        if both := sorted(set(self.seed_genres) & set(self.muted_genres)):
            raise ValueError(f"genre {both[0]} is both a seed and muted")
        return self

    def is_empty(self) -> bool:
        return not (self.seed_artists or self.seed_genres or self.muted_artists or self.muted_genres)


class PreferencesResponse(Preferences):
    user_id: UserId
