"""Catalog items (tracks) as clients upsert them, as stored, and the pure helpers over stored records."""

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain
from types import MappingProxyType
from typing import Annotated, Any, NamedTuple

import numpy as np
import numpy.typing as npt
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from mixtape.models.ids import NOT_BLANK, ArtistId, ItemId
from mixtape.models.numbers import WHOLE_NUMBER
from mixtape.models.trend import TrendEntries

MAX_ITEMS_PER_BATCH = 500

# No control characters, and one that is not whitespace (`NOT_BLANK`, control characters aside).
GENRE_PATTERN = (
    r"^[^\x00-\x1f]*[^\x00-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f]*$"
)
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=NOT_BLANK)
]
Genre = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=64, pattern=GENRE_PATTERN
    ),
]
# What a deployment may configure as EMBEDDING_DIM (mixtape.config.settings, template.yaml's EmbeddingDim).
MIN_EMBEDDING_DIM, MAX_EMBEDDING_DIM = 2, 1024
# Marks the arrays whose length is the deployment's EMBEDDING_DIM: the OpenAPI document states that length
# (mixtape.api.resolver.with_embedding_dim); the model allows any configurable one, ingestion checks it.
EMBEDDING_LENGTH_MARK = "x-length-is-embedding-dim"
# Embeddings are stored and ranked as float32: the largest finite float32 bounds each value, and a double
# of magnitude at most 2**-150 (half the smallest float32 subnormal; ties go to even) becomes 0.0.
FLOAT32_MAX = 3.4028234663852886e38
FLOAT32_ROUNDS_TO_ZERO = 2.0**-150
# strict: ints are fine, `true` and "0.5" are not
FiniteFloat = Annotated[float, Field(allow_inf_nan=False, strict=True, ge=-FLOAT32_MAX, le=FLOAT32_MAX)]


def _usable_embedding(values: list[float]) -> list[float]:
    """A vector that is all zeros as float32 has no direction: it would poison every profile that plays
    the item. (Each value is finite as float32: FiniteFloat's bounds.)"""
    if not any(abs(v) > FLOAT32_ROUNDS_TO_ZERO for v in values):
        raise ValueError("must not be all zeros (as 32-bit floats): it would point nowhere")
    return values


# A full date as the schema's `format: date` means it, year 1000 on (pydantic alone also takes 0, a midnight
# datetime, or year 0, which `date` cannot hold).
FULL_DATE_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def _full_date(value: Any) -> Any:
    if not (isinstance(value, str) and re.fullmatch(FULL_DATE_PATTERN, value)):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


ReleaseDate = Annotated[
    date,
    BeforeValidator(_full_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": FULL_DATE_PATTERN}),
]


class _EmbeddingSchema:
    """`_usable_embedding` and the deployment's length, stated in the JSON Schema."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        nonzero = {
            "anyOf": [
                {"exclusiveMinimum": FLOAT32_ROUNDS_TO_ZERO},
                {"exclusiveMaximum": -FLOAT32_ROUNDS_TO_ZERO},
            ]
        }
        return {**schema, "contains": nonzero, EMBEDDING_LENGTH_MARK: True}


Embedding = Annotated[
    list[FiniteFloat],
    Field(min_length=MIN_EMBEDDING_DIM, max_length=MAX_EMBEDDING_DIM),
    AfterValidator(_usable_embedding),
    _EmbeddingSchema(),
]


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
    release_date: ReleaseDate | None = None
    duration_ms: Annotated[int, Field(strict=True, ge=1, le=86_400_000), WHOLE_NUMBER] | None = None
    embedding: Embedding | None = Field(
        default=None,
        description="Item embedding: exactly EMBEDDING_DIM values (the deployment's setting), not all zero",
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
