"""Property: however accepted events are delivered (split into messages and batches, duplicated,
reordered, and with another batch committing between an updater's read and its commit) the stored
profile is the in-order fold of the accepted events, each once, on a new profile. Impressions are among
the drawn types: their showing counts must come out the same too."""

from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mixtape.config import ProfileSettings
from mixtape.models.event_type import EventType
from mixtape.models.events import EventContext, ProfileUpdateMessage, StoredEvent
from mixtape.models.profile import Profile
from mixtape.profiles.apply import fold_events
from mixtape.profiles.batch import process_messages
from mixtape.storage.memory import MemoryCatalogStore, MemoryEventStore, MemoryProfileStore
from tests.unit.conftest import DAY_MS, NOW_MS, make_item

SETTINGS = ProfileSettings(
    events_table="e",
    profiles_table="p",
    catalog_table="c",
    profile_update_queue_url="q",
    embedding_dim=4,
    max_update_attempts=64,  # every interleaved batch can make one commit conflict
    apply_concurrency=1,  # the interleaving store draws from hypothesis, which only the test's thread may
)
USERS = ("u-a", "u-b")
OFFSETS = st.one_of(st.none(), st.integers(min_value=-840, max_value=840))
ITEMS = ("r1", "r2", "j1", "j2", "j3", "x-unknown")  # j3 has no embedding, x-unknown is not in the catalog


def _catalog() -> MemoryCatalogStore:
    store = MemoryCatalogStore()
    store.upsert(
        [
            make_item("r1", "art-a", ["rock"], [1.0, 0.1, 0.0, 0.0]),
            make_item("r2", "art-b", ["rock", "pop"], [0.9, 0.0, 0.1, 0.0]),
            make_item("j1", "art-c", ["jazz"], [0.0, 1.0, 0.1, 0.0]),
            make_item("j2", "art-c", ["jazz"], [0.0, 0.9, 0.0, 0.3]),
            make_item("j3", "art-c", ["jazz"], None),
        ],
        NOW_MS,
    )
    return store


CATALOG = _catalog()
FEATURES = CATALOG.features(ITEMS)


@st.composite
def accepted_events(draw: st.DrawFn) -> list[StoredEvent]:
    count = draw(st.integers(min_value=1, max_value=24))
    events = []
    for i in range(count):
        kind = draw(st.sampled_from(EventType))
        events.append(
            StoredEvent(
                event_id=f"e{i:02d}",
                user_id=draw(st.sampled_from(USERS)),
                item_id=draw(st.sampled_from(ITEMS)),
                type=kind,
                # ties on purpose: the fold's order is (timestamp, event id), whatever the delivery order
                timestamp=NOW_MS - draw(st.integers(min_value=0, max_value=90)) * DAY_MS // 3,
                ms_played=draw(st.integers(0, 400_000)) if kind in {EventType.PLAY, EventType.SKIP} else None,
                count=draw(st.integers(min_value=1, max_value=3)),
                # the local time of day (time-of-day taste): UTC, or any offset a client may send
                context=draw(st.one_of(st.none(), st.builds(EventContext, utc_offset_minutes=OFFSETS))),
                ingested_at=NOW_MS,
            )
        )
    return events


@dataclass
class InterleavingProfileStore(MemoryProfileStore):
    """After a read, another batch may run to completion before the reader commits (as a concurrent
    updater would): the reader's commit then conflicts and it must refold without counting twice."""

    data: st.DataObject | None = None
    waiting: list[list[tuple[str, ProfileUpdateMessage]]] = field(default_factory=list)
    log: MemoryEventStore = field(default_factory=MemoryEventStore)

    def get(self, user_id: str, *, consistent: bool = False) -> Profile | None:
        read = super().get(user_id, consistent=consistent)
        if self.waiting and self.data is not None and self.data.draw(st.booleans(), label="interleave"):
            run_batch(self.waiting.pop(0), self)
        return read


def run_batch(batch: list[tuple[str, ProfileUpdateMessage]], store: InterleavingProfileStore) -> None:
    outcome = process_messages(batch, store, store.log, CATALOG, SETTINGS, NOW_MS)
    assert outcome.failed_message_ids == set()


def _as_of_now(profile: Profile, table: dict[str, float]) -> dict[str, float]:
    factor = profile.decay_factor(NOW_MS, SETTINGS.half_life_ms)
    return {key: value * factor for key, value in table.items()}


def assert_same_profile(got: Profile, want: Profile) -> None:
    assert got.counts == want.counts
    for table in ("items", "artists", "genres"):
        assert _as_of_now(got, getattr(got, table)) == pytest.approx(
            _as_of_now(want, getattr(want, table)), rel=1e-9, abs=1e-9
        )
    assert set(got.dayparts) == set(want.dayparts)
    for part, genres in got.dayparts.items():
        assert _as_of_now(got, genres) == pytest.approx(
            _as_of_now(want, want.dayparts[part]), rel=1e-9, abs=1e-9
        )
    assert got.recent == want.recent
    assert got.disliked == want.disliked
    # Impressions (drawn like any other type): the same decayed showings, whatever the delivery.
    half_life = SETTINGS.impression_half_life_ms
    assert got.impressions_as_of(NOW_MS, half_life) == pytest.approx(
        want.impressions_as_of(NOW_MS, half_life), rel=1e-9, abs=1e-9
    )
    assert got.last_event_at == want.last_event_at
    # The heard filter: whatever the delivery, it holds every item an event made known.
    assert got.known_complete == want.known_complete
    assert got.heard is not None
    assert want.heard is not None
    heard = sorted(want.known_items())  # within the caps here: all that was heard
    assert got.heard.contains_ids(heard).all()
    assert want.heard.contains_ids(heard).all()
    assert (got.taste_sum is None) == (want.taste_sum is None)
    if got.taste_sum is not None and want.taste_sum is not None:
        got_factor = got.decay_factor(NOW_MS, SETTINGS.half_life_ms)
        want_factor = want.decay_factor(NOW_MS, SETTINGS.half_life_ms)
        np.testing.assert_allclose(got.taste_sum * got_factor, want.taste_sum * want_factor, atol=1e-9)
        assert got.taste_weight * got_factor == pytest.approx(want.taste_weight * want_factor, abs=1e-9)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=accepted_events(), data=st.data())
def test_any_delivery_of_accepted_events_gives_the_in_order_fold(
    events: list[StoredEvent], data: st.DataObject
):
    # Deliveries: every event at least once, some again (redelivery, client retries), in any order.
    extra = data.draw(st.lists(st.sampled_from(events), max_size=len(events)), label="duplicates")
    deliveries = data.draw(st.permutations([*events, *extra]), label="order")
    # Cut into messages (one listener each) and the messages into batches, at drawn points.
    messages: list[tuple[str, ProfileUpdateMessage]] = []
    for user in USERS:
        own = [e for e in deliveries if e.user_id == user]
        while own:
            size = data.draw(st.integers(min_value=1, max_value=len(own)), label="message size")
            messages.append((f"m{len(messages)}", ProfileUpdateMessage(user_id=user, events=own[:size])))
            own = own[size:]
    messages = data.draw(st.permutations(messages), label="message order")
    batches: list[list[tuple[str, ProfileUpdateMessage]]] = []
    while messages:
        size = data.draw(st.integers(min_value=1, max_value=len(messages)), label="batch size")
        batches.append(messages[:size])
        messages = messages[size:]

    store = InterleavingProfileStore(data=data, waiting=batches)
    while store.waiting:
        run_batch(store.waiting.pop(0), store)

    for user in USERS:
        accepted = [e for e in events if e.user_id == user]
        got = store.profiles.get(user)
        if not accepted:
            assert got is None
            continue
        assert got is not None
        assert_same_profile(got, fold_events(Profile(user_id=user), accepted, FEATURES, SETTINGS))
        keys = {(user, e.event_id) for e in accepted}
        assert store.log.stored(keys | {(user, "never-sent")}) == keys
        assert {(user, i) for i in got.pending} <= keys  # ids still pending are all in the log
