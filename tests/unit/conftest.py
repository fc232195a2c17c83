"""Unit-test helpers: typed settings without environment, fixed clock, in-memory stores, a tiny catalog."""

import numpy as np
import pytest

from mixtape import clock
from mixtape.config import IngestSettings, ProfileSettings, RecommendSettings
from mixtape.models.catalog import CatalogItem
from mixtape.models.event_type import EventType
from mixtape.models.events import StoredEvent
from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore

NOW_MS = 1_795_000_000_000  # 2026-11-18
DAY_MS = 86_400_000


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(clock, "now_ms", lambda: NOW_MS)
    return NOW_MS


@pytest.fixture
def ingest_settings() -> IngestSettings:
    return IngestSettings(events_table="e", catalog_table="c", profile_update_queue_url="q", embedding_dim=4)


@pytest.fixture
def profile_settings() -> ProfileSettings:
    return ProfileSettings(
        events_table="e", profiles_table="p", catalog_table="c", profile_update_queue_url="q", embedding_dim=4
    )


@pytest.fixture
def recommend_settings() -> RecommendSettings:
    return RecommendSettings(profiles_table="p", catalog_table="c", embedding_dim=4)


def make_item(
    item_id: str, artist: str, genres: list[str], embedding: list[float] | None, **extra: object
) -> CatalogItem:
    return CatalogItem.model_validate(
        {
            "item_id": item_id,
            "title": f"Title {item_id}",
            "artist_id": artist,
            "artist_name": f"Artist {artist}",
            "genres": genres,
            "embedding": embedding,
            **extra,
        }
    )


def stored(
    event_id: str,
    item_id: str,
    event_type: EventType = EventType.PLAY,
    ts: int = NOW_MS - DAY_MS,
    user_id: str = "u-1",
    ms_played: int | None = 200_000,
    count: int = 1,
) -> StoredEvent:
    return StoredEvent(
        event_id=event_id,
        user_id=user_id,
        item_id=item_id,
        type=event_type,
        timestamp=ts,
        ms_played=ms_played if event_type in {EventType.PLAY, EventType.SKIP} else None,
        count=count,
        ingested_at=NOW_MS,
    )


@pytest.fixture
def catalog() -> MemoryCatalogStore:
    """Two genres, three artists; rock items point along x, jazz along y."""
    store = MemoryCatalogStore()
    rock = [1.0, 0.1, 0.0, 0.0]
    jazz = [0.0, 1.0, 0.1, 0.0]
    items = [
        make_item("r1", "art-a", ["rock"], rock),
        make_item("r2", "art-a", ["rock"], rock),
        make_item("r3", "art-a", ["rock"], rock),
        make_item("r4", "art-b", ["rock"], [0.9, 0.0, 0.1, 0.0], explicit=True),
        make_item("r5", "art-b", ["rock"], [0.95, 0.05, 0.0, 0.0]),
        make_item("j1", "art-c", ["jazz"], jazz),
        make_item("j2", "art-c", ["jazz"], jazz),
        make_item("j3", "art-c", ["jazz"], None),
    ]
    store.upsert(items, NOW_MS)
    return store


@pytest.fixture
def events_store() -> MemoryEventStore:
    return MemoryEventStore()


@pytest.fixture
def profiles_store() -> MemoryProfileStore:
    return MemoryProfileStore()


def unit(v: list[float]) -> np.ndarray:
    a = np.asarray(v, dtype=np.float32)
    return a / np.linalg.norm(a)
