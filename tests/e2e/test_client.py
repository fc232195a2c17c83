"""The generated Python client (clients/python, `make client`) against the local stack: typed requests
and typed replies, errors included, for the routes every client team calls."""

from __future__ import annotations

import time
import uuid
from http import HTTPStatus

from mixtape_client.api.catalog import get_similar
from mixtape_client.api.events import post_events
from mixtape_client.api.ops import get_health
from mixtape_client.api.users import get_profile, get_recommendations
from mixtape_client.models import (
    ErrorResponse,
    EventBatch,
    EventType,
    HealthResponse,
    IngestResponse,
    ListeningEvent,
    ProfileResponse,
    RecommendationsResponse,
    SimilarItemsResponse,
)
from mixtape_client.types import UNSET

from local.jwt_issuer import LISTENER_SCOPES
from tests.e2e.conftest import LocalStack, wait_for


def event(user_id: str, item_id: str, kind: EventType) -> ListeningEvent:
    return ListeningEvent(
        event_id=uuid.uuid4().hex,
        user_id=user_id,
        item_id=item_id,
        type_=kind,
        timestamp=int(time.time() * 1000) - 1000,
        ms_played=200_000 if kind in (EventType.PLAY, EventType.SKIP) else UNSET,
    )


def test_events_profile_recommendations_and_similar_items_through_the_client(local_stack: LocalStack):
    client = local_stack.api_client
    user = f"u-client-{uuid.uuid4().hex[:8]}"
    cold = get_recommendations.sync(user, client=client, limit=20)
    assert isinstance(cold, RecommendationsResponse)
    assert cold.cold_start
    liked = cold.items[0]

    batch = EventBatch(
        events=[event(user, liked.item_id, EventType.PLAY), event(user, liked.item_id, EventType.LIKE)]
    )
    accepted = post_events.sync(client=client, body=batch)
    assert isinstance(accepted, IngestResponse)
    assert (accepted.accepted, accepted.duplicates) == (2, 0)

    profile = wait_for(lambda: _profile_with(local_stack, user, "like"))
    assert profile.counts.additional_properties == {"play": 1, "like": 1}
    assert profile.top_artists[0].artist_id == liked.artist_id

    warm = get_recommendations.sync(user, client=client, limit=10)
    assert isinstance(warm, RecommendationsResponse)
    assert not warm.cold_start
    assert liked.item_id not in {item.item_id for item in warm.items}  # a known item is not recommended

    similar = get_similar.sync(liked.item_id, client=client, limit=5)
    assert isinstance(similar, SimilarItemsResponse)
    assert similar.item_id == liked.item_id
    assert 0 < len(similar.items) <= 5
    assert liked.item_id not in {item.item_id for item in similar.items}

    health = get_health.sync(client=client)
    assert isinstance(health, HealthResponse)
    assert health.catalog_version == warm.catalog_version


def _profile_with(stack: LocalStack, user: str, kind: str) -> ProfileResponse | None:
    reply = get_profile.sync(user, client=stack.api_client)
    return (
        reply if isinstance(reply, ProfileResponse) and kind in reply.counts.additional_properties else None
    )


def test_refusals_come_back_as_the_typed_error_model(local_stack: LocalStack):
    alice = local_stack.api_client_for(local_stack.issuer.sign("alice", LISTENER_SCOPES))
    other = get_profile.sync_detailed("bob", client=alice)
    assert other.status_code == HTTPStatus.FORBIDDEN
    assert isinstance(other.parsed, ErrorResponse)
    assert other.parsed.error.code == "forbidden"

    invalid = get_recommendations.sync_detailed("alice", client=alice, limit=0)
    assert invalid.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert isinstance(invalid.parsed, ErrorResponse)
    fields = invalid.parsed.error.fields
    assert isinstance(fields, list)
    assert [field.field for field in fields] == ["limit"]
