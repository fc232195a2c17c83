"""In-memory stores with the same semantics as the DynamoDB/SQS ones: unit tests and benchmarks use
them to run the real logic and handlers without a network. Not thread-safe beyond one lock per store."""

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from mixtape.models.artifact import ModelArtifact
from mixtape.models.catalog import CatalogItem, CatalogRecord, ItemFeatures, unit_embedding
from mixtape.models.events import StoredEvent
from mixtape.models.preferences import Preferences
from mixtape.models.profile import Profile
from mixtape.models.trend import is_kept
from mixtape.storage.ports import EventKey, EventPage, LoggedEvent, VersionConflictError


@dataclass
class _StoredEventRow:
    event: StoredEvent
    expires_at_s: int


@dataclass
class MemoryEventStore:
    rows: dict[EventKey, _StoredEventRow] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    writes: int = 0
    reads: int = 0

    def stored(self, keys: Iterable[EventKey], *, consistent: bool = False) -> set[EventKey]:
        with self.lock:
            wanted = set(keys)
            self.reads += len(wanted)
            return {k for k in wanted if k in self.rows}

    def put_applied(self, events: Sequence[StoredEvent], expires_at_s: int) -> list[StoredEvent]:
        with self.lock:
            for event in events:
                self.writes += 1
                self.rows[(event.user_id, event.event_id)] = _StoredEventRow(event, expires_at_s)
        return []

    def delete_user_events(self, user_id: str, ingested_before: int | None = None) -> int:
        with self.lock:
            keys = [
                k
                for k, row in self.rows.items()
                if k[0] == user_id and (ingested_before is None or row.event.ingested_at <= ingested_before)
            ]
            for key in keys:
                del self.rows[key]
        return len(keys)

    def user_events(
        self,
        user_id: str,
        *,
        unexpired_at_s: int | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> EventPage:
        with self.lock:
            found = sorted(
                (
                    LoggedEvent(row.event, row.expires_at_s)
                    for key, row in self.rows.items()
                    if key[0] == user_id
                    and (after is None or key[1] > after)
                    and (unexpired_at_s is None or row.expires_at_s > unexpired_at_s)
                ),
                key=lambda logged: logged.event.event_id,
            )
        if limit is None or len(found) <= limit:
            return EventPage(found, None)
        return EventPage(found[:limit], found[limit - 1].event.event_id)

    def logged_events(self) -> list[LoggedEvent]:
        """The whole log (the trainer's input), as of one moment."""
        with self.lock:
            return [LoggedEvent(row.event, row.expires_at_s) for row in self.rows.values()]


@dataclass
class MemoryProfileStore:
    profiles: dict[str, Profile] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    reads: int = 0
    commits: int = 0

    def get(self, user_id: str, *, consistent: bool = False) -> Profile | None:
        with self.lock:
            self.reads += 1
            stored = self.profiles.get(user_id)
            return stored.clone() if stored else None

    def commit(self, profile: Profile, expected_version: int) -> None:
        with self.lock:
            current = self.profiles.get(profile.user_id)
            if (current.version if current else 0) != expected_version:
                raise VersionConflictError(profile.user_id)
            self.profiles[profile.user_id] = profile.clone()
            self.commits += 1

    def set_preferences(self, user_id: str, preferences: Preferences, now_ms: int) -> None:
        with self.lock:
            current = self.profiles.get(user_id) or Profile(user_id=user_id)
            self.profiles[user_id] = current.model_copy(
                update={"preferences": preferences, "version": current.version + 1, "updated_at": now_ms}
            )

    def erase(self, user_id: str, erased_at: int, expires_at_s: int) -> bool:
        with self.lock:
            current = self.profiles.get(user_id)
            version = (current.version if current else 0) + 1
            self.profiles[user_id] = Profile(user_id=user_id, version=version, erased_at=erased_at)
            return current is not None and current.holds_data()


@dataclass
class MemoryCatalogStore:
    records: dict[str, CatalogRecord] = field(default_factory=dict)
    catalog_version: int = 0

    def upsert(self, items: Sequence[CatalogItem], now_ms: int) -> int:
        for item in items:
            old = self.records.get(item.item_id)
            embedding = unit_embedding(item.embedding) if item.embedding is not None else None
            self.records[item.item_id] = CatalogRecord(
                item_id=item.item_id,
                title=item.title,
                artist_id=item.artist_id,
                artist_name=item.artist_name,
                genres=tuple(item.genres),
                explicit=item.explicit,
                release_date=item.release_date.isoformat() if item.release_date else None,
                duration_ms=item.duration_ms,
                embedding=embedding,
                popularity=old.popularity if old else {},
                trend=old.trend if old else {},
            )
        self.catalog_version += 1
        return self.catalog_version

    def features(self, item_ids: Iterable[str]) -> dict[str, ItemFeatures]:
        return {
            i: ItemFeatures(item_id=i, artist_id=r.artist_id, genres=r.genres, embedding=r.embedding)
            for i in set(item_ids)
            if (r := self.records.get(i)) is not None
        }

    def add_popularity(
        self,
        deltas: Mapping[str, Mapping[int, float]],
        drop_before_epoch: int,
        trend: Mapping[str, Mapping[str, float]] | None = None,
        now_ms: int = 0,
    ) -> None:
        for item_id, buckets in deltas.items():
            record = self.records.get(item_id)
            if record is None:
                continue
            merged = {e: v for e, v in record.popularity.items() if e >= drop_before_epoch}
            for epoch, value in buckets.items():
                merged[epoch] = merged.get(epoch, 0.0) + value
            self.records[item_id] = record._replace(popularity=merged)
        for item_id, counters in (trend or {}).items():
            record = self.records.get(item_id)
            if record is None:
                continue
            kept = {name: v for name, v in record.trend.items() if is_kept(name, now_ms)}
            for name, value in counters.items():
                kept[name] = kept.get(name, 0.0) + value
            self.records[item_id] = record._replace(trend=kept)

    def version(self) -> int:
        return self.catalog_version

    def load_all(self) -> tuple[int, list[CatalogRecord]]:
        return self.catalog_version, list(self.records.values())


@dataclass
class MemoryQueue:
    messages: list[str] = field(default_factory=list)
    delayed: list[tuple[int, str]] = field(default_factory=list)  # (delay_seconds, body): not delivered

    def send(self, messages: Sequence[str], delay_seconds: int = 0) -> None:
        if delay_seconds:
            self.delayed.extend((delay_seconds, m) for m in messages)
        else:
            self.messages.extend(messages)


@dataclass
class MemoryModelStore:
    artifacts: dict[str, bytes] = field(default_factory=dict)
    current: str | None = None
    loads: int = 0

    def current_version(self) -> str | None:
        return self.current

    def load(self, version: str) -> ModelArtifact:
        self.loads += 1
        return ModelArtifact.from_bytes(self.artifacts[version])

    def publish(self, artifact: ModelArtifact) -> str:
        self.artifacts[artifact.version] = artifact.to_bytes()  # a real round trip, as through S3
        self.current = artifact.version
        return artifact.version
