"""POST /v1/users/{user_id}/rerank: the caller's own candidates ranked for one listener."""

from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mixtape.models.api import ScoredItem
from mixtape.models.context import RankingContext
from mixtape.models.ids import ItemId, UserId

MAX_RERANK_ITEMS = 500


class RerankRequest(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True, extra="forbid")

    item_ids: list[ItemId] = Field(
        min_length=1,
        max_length=MAX_RERANK_ITEMS,
        description="No repeats",
        json_schema_extra={"uniqueItems": True},
    )
    filters: Literal["apply", "flag"] = Field(
        default="apply",
        description="apply: items the listener disliked or muted (or whose artist they turned against) are "
        "left out and listed in `filtered`; flag: they are kept, after the others, with `filtered` set",
    )
    context: RankingContext | None = Field(
        default=None,
        description="As the recommendations route's query: surface and device presets, experiments and the "
        "time-of-day term rank the candidates; `explore` does not apply (no places are given away)",
    )

    @model_validator(mode="after")
    def _no_repeats(self) -> Self:
        seen: set[str] = set()
        for item_id in self.item_ids:
            if item_id in seen:
                raise ValueError(f"item {item_id} is listed twice")
            seen.add(item_id)
        return self


class Filter(StrEnum):
    """Why the listener's filters exclude an item (the first that applies, in this order)."""

    DISLIKED = "disliked"
    MUTED_ARTIST = "muted_artist"
    MUTED_GENRE = "muted_genre"
    ARTIST_DISLIKED = "artist_disliked"


class RerankedItem(ScoredItem):
    filtered: Filter | None = Field(default=None, description="Set only with filters=flag")


class FilteredItem(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    item_id: str
    filter: Filter


class RerankResponse(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    user_id: UserId
    cold_start: bool = Field(description="The listener has no usable history: ranked as the cold-start list")
    catalog_version: int
    model_version: str | None = None
    items: list[RerankedItem] = Field(description="Best first")
    unknown: list[str] = Field(description="Requested ids the catalog does not hold, in request order")
    filtered: list[FilteredItem] = Field(description="With filters=apply: the items left out, and why")
