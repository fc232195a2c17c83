"""Storage interfaces shared by the DynamoDB implementations and the in-memory ones (tests, benchmarks)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from mixtape.models.catalog import CatalogItem, ItemFeatures
from mixtape.models.events import StoredEvent
from mixtape.models.profile import Profile


class VersionConflictError(Exception):
    """Another writer changed the profile since it was read."""


class AlreadyAppliedError(Exception):
    """Some events of a profile commit were already applied (or erased): drop them and retry."""

    def __init__(self, event_ids: set[str]) -> None:
        super().__init__(f"{len(event_ids)} event(s) already applied")
        self.event_ids = event_ids


@dataclass(frozen=True, slots=True)
class PutOutcome:
    """Result of a conditional event insert: new, or a duplicate that may still need its profile update."""

    event: StoredEvent
    is_new: bool
    applied: bool  # only meaningful for duplicates: the stored copy was already folded into the profile


@dataclass(frozen=True, slots=True)
class CatalogRecord:
    """A stored catalog item (validated when written) plus its live popularity buckets."""

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


class EventStore(Protocol):
    def put_new(self, events: Sequence[StoredEvent], expires_at_s: int) -> list[PutOutcome]: ...
    def delete_user_events(self, user_id: str) -> int: ...


class ProfileStore(Protocol):
    def get(self, user_id: str, *, consistent: bool = False) -> Profile | None: ...
    def commit(self, profile: Profile, expected_version: int, event_ids: Sequence[str]) -> None: ...
    def delete(self, user_id: str) -> bool: ...


class CatalogStore(Protocol):
    def upsert(self, items: Sequence[CatalogItem], now_ms: int) -> int: ...
    def features(self, item_ids: Iterable[str]) -> dict[str, ItemFeatures]: ...
    def add_popularity(self, deltas: Mapping[str, Mapping[int, float]], drop_before_epoch: int) -> None: ...
    def version(self) -> int: ...
    def load_all(self) -> tuple[int, list[CatalogRecord]]: ...


class ProfileUpdateQueue(Protocol):
    def send(self, messages: Sequence[str]) -> None: ...
