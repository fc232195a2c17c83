"""Storage interfaces shared by the DynamoDB implementations and the in-memory ones (tests, benchmarks)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from mixtape.models.catalog import CatalogItem, ItemFeatures
from mixtape.models.profile import Profile

if TYPE_CHECKING:  # annotations only: the recommend function never imports the event models
    from mixtape.models.events import StoredEvent


class VersionConflictError(Exception):
    """Another writer changed the profile since it was read."""


class CatalogRecord(NamedTuple):
    """A stored catalog item (validated when written) plus its live popularity buckets. A named tuple, not
    a frozen dataclass: a recommend container makes one per catalog item (a million at the largest
    catalogs), at a fifth of the cost, and the index build reads the fields column by column with one
    `zip(*records)`."""

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


Interaction = tuple[str, str, float]  # (user_id, item_id, positive weight)


class InteractionSource(Protocol):
    """What the trainer learns from: every listener's positive item weights as of `now_ms`."""

    def scan_interactions(self, now_ms: int, half_life_ms: float) -> Iterable[Interaction]: ...


EventKey = tuple[str, str]  # (user_id, event_id)


class EventStore(Protocol):
    """The log of applied events. Only the profile updater writes it, after the profile commit that
    applied them, so an event is stored only once it counts in its listener's profile."""

    def stored(self, keys: Iterable[EventKey], *, consistent: bool = False) -> set[EventKey]: ...
    def put_applied(self, events: Sequence[StoredEvent], expires_at_s: int) -> list[StoredEvent]:
        """Store the events (plain batched writes); returns those that could not be stored."""
        ...

    def delete_user_events(self, user_id: str, ingested_before: int | None = None) -> int:
        """Delete the listener's logged events (only those ingested at or before `ingested_before`)."""
        ...


class ProfileStore(Protocol):
    def get(self, user_id: str, *, consistent: bool = False) -> Profile | None: ...
    def commit(self, profile: Profile, expected_version: int) -> None:
        """Write the profile if its stored version is still `expected_version` (0: no profile yet),
        else raise VersionConflictError."""
        ...

    def erase(self, user_id: str, erased_at: int, expires_at_s: int) -> bool:
        """Replace the profile by a tombstone (a newer version holding only `erased_at`, expiring at
        `expires_at_s`) so no update that read the old one can commit; True if a profile had history."""
        ...


class CatalogReader(Protocol):
    """What a recommend container reads of the catalog: its version, and everything at once."""

    def version(self) -> int: ...
    def load_all(self) -> tuple[int, list[CatalogRecord]]: ...


class CatalogStore(CatalogReader, Protocol):
    def upsert(self, items: Sequence[CatalogItem], now_ms: int) -> int: ...
    def features(self, item_ids: Iterable[str]) -> dict[str, ItemFeatures]: ...
    def add_popularity(self, deltas: Mapping[str, Mapping[int, float]], drop_before_epoch: int) -> None: ...


class ProfileUpdateQueue(Protocol):
    def send(self, messages: Sequence[str], delay_seconds: int = 0) -> None: ...
