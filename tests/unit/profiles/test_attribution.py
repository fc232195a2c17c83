"""Applied events that echo a recommendation id are counted per experiment, variant and event type; the
profile updater counts only the events it applied, so a redelivery adds nothing."""

from mixtape.config import ProfileSettings
from mixtape.models.event_type import EventType
from mixtape.models.events import EventContext, ProfileUpdateMessage, StoredEvent
from mixtape.profiles.attribution import attributions, metric_name
from mixtape.profiles.batch import process_messages
from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore
from tests.unit.conftest import DAY_MS, NOW_MS

RID = "0123456789abcdef~ranker:bold~explore-ab:control"


def event(event_id: str, kind: EventType, recommendation: str | None) -> StoredEvent:
    return StoredEvent(
        event_id=event_id,
        user_id="u-1",
        item_id="r1",
        type=kind,
        timestamp=NOW_MS - DAY_MS,
        ms_played=1_000 if kind in {EventType.PLAY, EventType.SKIP} else None,
        context=EventContext(recommendation_id=recommendation) if recommendation else None,
        ingested_at=NOW_MS,
    )


EVENTS = [
    event("e1", EventType.PLAY, RID),
    event("e2", EventType.PLAY, RID),
    event("e3", EventType.SKIP, RID),
    event("e4", EventType.LIKE, "fedcba9876543210~ranker:control"),
    event("e5", EventType.PLAY, None),
    event("e6", EventType.PLAY, "fedcba9876543210"),
]


def test_each_event_counts_for_every_variant_its_list_was_in() -> None:
    assert attributions(EVENTS) == {
        ("ranker", "bold", EventType.PLAY): 2,
        ("explore-ab", "control", EventType.PLAY): 2,
        ("ranker", "bold", EventType.SKIP): 1,
        ("explore-ab", "control", EventType.SKIP): 1,
        ("ranker", "control", EventType.LIKE): 1,
    }
    assert [metric_name(t) for t in (EventType.PLAY, EventType.PLAYLIST_ADD)] == [
        "AttributedPlay",
        "AttributedPlaylistAdd",
    ]


def test_a_redelivered_batch_attributes_nothing_again(
    catalog: MemoryCatalogStore, profile_settings: ProfileSettings
) -> None:
    profiles, log = MemoryProfileStore(), MemoryEventStore()
    batch = [("m1", ProfileUpdateMessage(user_id="u-1", events=EVENTS))]
    first = process_messages(batch, profiles, log, catalog, profile_settings, NOW_MS)
    assert first.attributed == attributions(EVENTS)
    again = process_messages(batch, profiles, log, catalog, profile_settings, NOW_MS)
    assert again.applied == 0
    assert not again.attributed
