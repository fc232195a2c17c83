"""Catalog items (tracks) as clients upsert them, as stored, and the pure helpers over stored records."""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain
from types import MappingProxyType
from typing import Annotated, NamedTuple

import numpy as np
import numpy.typing as npt
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from mixtape.models.ids import ArtistId, ItemId
from mixtape.models.trend import TrendEntries

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


def _usable_embedding(values: list[float]) -> list[float]:
    """Stored and ranked as float32: a value finite in JSON (1e39) may not be finite there, and a vector
    that is all zeros there has no direction; either would poison every profile that plays the item."""
    with np.errstate(over="ignore"):  # the overflow is what is checked for
        vector = np.asarray(values, dtype=np.float32)
    if not np.isfinite(vector).all():
        raise ValueError("every value must be finite as a 32-bit float (|value| < 3.4e38)")
    if not vector.any():
        raise ValueError("must not be all zeros (as 32-bit floats): it would point nowhere")
    return values


Embedding = Annotated[list[FiniteFloat], AfterValidator(_usable_embedding)]


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
    embedding: Embedding | None = Field(
        default=None, description="Item embedding; its length must equal the configured EMBEDDING_DIM"
    )


class ItemBatch(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    items: list[CatalogItem] = Field(min_length=1, max_length=MAX_ITEMS_PER_BATCH)


def unit_embedding(values: Sequence[float] | npt.NDArray[np.float32]) -> npt.NDArray[np.float32] | None:
    """float32, L2-normalised; None for an all-zero vector (it points nowhere) and for one with a
    non-finite value (stored before uploads were checked for it): None, never NaN, reaches profiles.
    The norm is taken in float64, where float32 values cannot overflow it."""
    with np.errstate(over="ignore"):  # an overflow to inf is caught below
        vector = np.asarray(values, dtype=np.float32).astype(np.float64)
    norm = float(np.linalg.norm(vector))
    if not (np.isfinite(norm) and norm > 0):
        return None
    return (vector / norm).astype(np.float32)


@dataclass(frozen=True, slots=True)
class ItemFeatures:
    """What profile updates need to know about an item (read in bulk from the catalog)."""

    item_id: str
    artist_id: str
    genres: tuple[str, ...]
    embedding: npt.NDArray[np.float32] | None  # L2-normalised, or None when the item has none


class CatalogRecord(NamedTuple):
    """A stored catalog item (validated when written) plus its live popularity buckets. A named tuple, not
    a frozen dataclass: a recommend container makes one per catalog item, and a tuple is built in C where
    a frozen dataclass's __init__ sets each field through object.__setattr__; the index build reads the
    fields column by column."""

    item_id: str
    title: str
    artist_id: str
    artist_name: str
    genres: tuple[str, ...]
    explicit: bool
    release_date: str | None
    duration_ms: int | None
    embedding: npt.NDArray[np.float32] | None
    popularity: Mapping[int, float]
    trend: Mapping[str, float] = MappingProxyType({})  # `th<hour>`/`td<day>` counters (mixtape.models.trend)


class PopularityEntries(NamedTuple):
    """A catalog's popularity buckets as entries: item `items[j]` (its position in catalog index order)
    has `values[j]` in epoch `epochs[j]`."""

    items: npt.NDArray[np.int64]
    epochs: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    # The trend counters (hour, day), when the source has them (older snapshots do not).
    hours: TrendEntries | None = None
    days: TrendEntries | None = None


def items_digest(item_ids: Sequence[str]) -> str:
    """Names a catalog's items and their order (catalog snapshots carry it for `load_popularity`)."""
    return hashlib.blake2b("\n".join(item_ids).encode(), digest_size=16).hexdigest()


def genre_grouped(records: Sequence[CatalogRecord]) -> list[CatalogRecord]:
    """The records in catalog index order: grouped by genre list, groups in first-seen order, the given
    order kept within a group."""
    groups: dict[tuple[str, ...], list[CatalogRecord]] = {}
    for record in records:
        groups.setdefault(record.genres, []).append(record)
    return list(chain.from_iterable(groups.values()))
