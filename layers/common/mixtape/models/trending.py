"""The reply of `GET /v1/trending` (mixtape.catalog.trending says how the figures are counted)."""

from typing import Literal

from pydantic import Field

from mixtape.models.api import ItemView, _Out

TrendWindowName = Literal["1h", "24h", "7d"]


class TrendingItem(ItemView):
    listeners: float = Field(
        description="Distinct listeners in the window, counted per hour (1h, 24h) or per day (7d); the "
        "window's oldest bucket counts for its share inside the window"
    )
    previous_listeners: float = Field(description="The same count for the window before")
    velocity: float = Field(description="(listeners - previous) / (previous + smoothing): how fast it rises")
    rising: bool = Field(description="velocity at or above the deployment's rising threshold")
    score: float = Field(description="listeners x (1 + max(velocity, 0)): the order of the list")


class TrendingResponse(_Out):
    window: TrendWindowName
    genre: str | None = None
    as_of: int = Field(description="Epoch ms the windows end at (this container's last catalog load)")
    catalog_version: int
    items: list[TrendingItem]
