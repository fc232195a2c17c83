"""GET /v1/blend: one list for a group of listeners."""

from pydantic import BaseModel, ConfigDict, Field

from mixtape.models.api import ScoredItem
from mixtape.models.ids import UserId
from mixtape.models.reason import ReasonCode

MIN_BLEND_USERS = 2
MAX_BLEND_USERS = 10


class ServedListener(BaseModel):
    """A listener whose own taste the pick serves, and that listener's reason (true of their profile)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    user_id: UserId
    reason_code: ReasonCode
    reason: str


class BlendItem(ScoredItem):
    serves: list[ServedListener] = Field(
        description="The listeners with a personal reason for this pick (empty: a pick for no one in "
        "particular, with a non-personal reason)"
    )


class BlendResponse(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    user_ids: list[UserId]
    catalog_version: int
    model_version: str | None = None
    items: list[BlendItem] = Field(
        description="Best first: ranked by the group's least-happy listener (least misery over each "
        "listener's standardised scores)"
    )
