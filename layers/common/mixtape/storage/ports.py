"""Every storage port: what logic needs of DynamoDB, S3 and SQS. The adapters (storage.dynamo, storage.s3,
storage.queues) and the in-memory ones (storage.memory: tests, benchmarks) implement them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

from mixtape.models.artifact import ModelArtifact
from mixtape.models.catalog import CatalogItem, CatalogRecord, ItemFeatures, PopularityEntries
from mixtape.models.preferences import Preferences
from mixtape.models.profile import Profile

if TYPE_CHECKING:  # annotations only: the recommend function never imports the event models
    from mixtape.models.events import StoredEvent


class VersionConflictError(Exception):
    """Another writer changed the profile since it was read."""


EventKey = tuple[str, str]  # (user_id, event_id)


class LoggedEvent(NamedTuple):
    """An event of the applied-events log, with the time (epoch s) its entry expires by TTL."""

    event: StoredEvent
    expires_at_s: int


class EventPage(NamedTuple):
    """A page of a listener's logged events; `next_after` (the last event id) when more may follow."""

    events: list[LoggedEvent]
    next_after: str | None


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

    def user_events(
        self,
        user_id: str,
        *,
        unexpired_at_s: int | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> EventPage:
        """The listener's logged events in event-id order (a Query: the log is keyed by listener), those
        after the event id `after`, at most `limit`; with `unexpired_at_s`, only those whose retention has
        not ended by then (TTL deletes lazily)."""
        ...


class InteractionSource(Protocol):
    """What the trainer learns from: the whole applied-events log, folded into (listener, item, weight)
    by mixtape.learning.history. A batch read (a parallel Scan, or a table export), never a request path."""

    def logged_events(self) -> Iterable[LoggedEvent]:
        """Every logged event with its expiry, in no particular order (expired entries TTL has not deleted
        yet included: the fold drops them)."""
        ...


class ProfileStore(Protocol):
    def get(self, user_id: str, *, consistent: bool = False) -> Profile | None: ...
    def commit(self, profile: Profile, expected_version: int) -> None:
        """Write the profile if its stored version is still `expected_version` (0: no profile yet),
        else raise VersionConflictError."""
        ...

    def set_preferences(self, user_id: str, preferences: Preferences, now_ms: int) -> None:
        """Store the listener's preferences (creating the profile item if needed) and move its version, so
        a commit that read the previous ones conflicts instead of writing them back."""
        ...

    def erase(self, user_id: str, erased_at: int, expires_at_s: int) -> bool:
        """Replace the profile by a tombstone (a newer version holding only `erased_at`, expiring at
        `expires_at_s`; preferences go too) so no update that read the old one can commit; True if a
        profile had history or preferences."""
        ...


class CatalogReader(Protocol):
    """What a recommend container reads of the catalog: its version, and everything at once."""

    def version(self) -> int: ...
    def load_all(self) -> tuple[int, list[CatalogRecord]]: ...


class CatalogStore(CatalogReader, Protocol):
    def upsert(self, items: Sequence[CatalogItem], now_ms: int) -> int: ...
    def features(self, item_ids: Iterable[str]) -> dict[str, ItemFeatures]: ...
    def add_popularity(
        self,
        deltas: Mapping[str, Mapping[int, float]],
        drop_before_epoch: int,
        trend: Mapping[str, Mapping[str, float]] | None = None,
        now_ms: int = 0,
    ) -> None:
        """Add popularity bucket values and trend counters (`th<hour>`/`td<day>`: mixtape.models.trend)
        per item, in as few writes as the layout allows; popularity buckets before `drop_before_epoch` and
        counters no window reads as of `now_ms` need not be kept (an adapter removes them or lets them
        expire; readers ignore them)."""
        ...


class ProfileUpdateQueue(Protocol):
    def send(self, messages: Sequence[str], delay_seconds: int = 0) -> None: ...


@runtime_checkable
class PopularityReader(Protocol):
    """A catalog reader that can also return the popularity alone (a catalog snapshot can)."""

    def load_popularity(self, version: int, items_digest: str) -> PopularityEntries | None:
        """The current popularity of catalog `version` when it lists exactly the items `items_digest`
        names, in that order; None when it cannot tell (the caller then reloads everything)."""
        ...


class ModelStore(Protocol):
    def current_version(self) -> str | None: ...
    def load(self, version: str) -> ModelArtifact: ...
    def publish(self, artifact: ModelArtifact) -> str: ...
