"""Catalog items (tracks) as clients upsert them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from mixtape.models.ids import ArtistId, ItemId

MAX_ITEMS_PER_BATCH = 500

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Genre = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]+$"
    ),
]
# strict: ints are fine, `true` and "0.5" are not
FiniteFloat = Annotated[float, Field(allow_inf_nan=False, strict=True)]


class CatalogItem(BaseModel):
    # defer_build: validators are built at first use, not at import; each function builds only the models
    # it uses (mixtape.models says why).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    item_id: ItemId
    title: Title
    artist_id: ArtistId
    artist_name: Title
    genres: list[Genre] = Field(default_factory=list, max_length=20)
    explicit: Annotated[bool, Field(strict=True)] = False
    release_date: date | None = None
    duration_ms: Annotated[int, Field(strict=True, ge=1, le=86_400_000)] | None = None
    embedding: list[FiniteFloat] | None = Field(
        default=None, description="Item embedding; its length must equal the configured EMBEDDING_DIM"
    )


class ItemBatch(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    items: list[CatalogItem] = Field(min_length=1, max_length=MAX_ITEMS_PER_BATCH)


def unit_embedding(values: Sequence[float] | npt.NDArray[np.float32]) -> npt.NDArray[np.float32] | None:
    """float32, L2-normalised; None for an all-zero vector (it points nowhere)."""
    vector = np.asarray(values, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else None


@dataclass(frozen=True, slots=True)
class ItemFeatures:
    """What profile updates need to know about an item (read in bulk from the catalog)."""

    item_id: str
    artist_id: str
    genres: tuple[str, ...]
    embedding: npt.NDArray[np.float32] | None  # L2-normalised, or None when the item has none
