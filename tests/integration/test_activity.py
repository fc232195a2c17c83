"""Weights per activity level through the handlers (moto): a listener's level is picked from their stored
profile (how many distinct items they heard), reported as `context.activity`, and their list is ranked
with that level's weights exactly as if they were the deployment's."""

import json
import zlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from mixtape import config
from tests.helpers import body, http_event
from tests.integration.conftest import Aws

INGEST, PROFILE, RECOMMEND = "IngestFunction", "ProfileUpdateFunction", "RecommendFunction"
ARTISTS, PER_ARTIST = 50, 4  # 200 items
GENRES = ["rock", "jazz", "pop", "folk", "metal"]
LISTENERS = {"u-heavy": 170, "u-mid": 50, "u-light": 12}  # distinct items each plays
HEAVY = {"artist": 2.0, "genre": 0.0, "taste": 0.3}  # weights that move this catalog's lists without a model
LEVELS = [
    {"name": "light", "up_to": 20, "ranking": {"genre": 1.5}},
    {"name": "heavy", "above": 100, "ranking": HEAVY},
]


def item_id(artist: int, track: int) -> str:
    return f"act-{artist:02d}-{track}"


def listeners(aws: Aws, invoke: Any) -> None:
    items = [
        {
            "item_id": item_id(a, t),
            "title": f"Track {t} of {a}",
            "artist_id": f"art-{a:02d}",
            "artist_name": f"Artist {a}",
            "genres": [GENRES[a % len(GENRES)]],
            "embedding": [1.0, (a % 7) / 7, (t % 3) / 3] + [0.5] * 29,  # the template's EmbeddingDim: 32
        }
        for a in range(ARTISTS)
        for t in range(PER_ARTIST)
    ]
    assert invoke(INGEST, http_event("PUT", "/v1/items", {"items": items}))["statusCode"] == 200
    # Each listener plays the first items of a shuffled order of their own, the first ones most often.
    for user, count in LISTENERS.items():
        order = sorted(items, key=lambda i: zlib.crc32(f"{user} {i['item_id']}".encode()))[:count]
        events = [
            {"event_id": f"{user}-{n}", "user_id": user, "item_id": item["item_id"], "type": "play",
             "ms_played": 200_000, "count": 1 + (count - n) // 20,
             "timestamp": f"2026-11-{1 + n % 19:02d}T{n % 24:02d}:00:00Z"}
            for n, item in enumerate(order)
        ]  # fmt: skip
        for start in range(0, len(events), 100):
            sent = invoke(INGEST, http_event("POST", "/v1/events", {"events": events[start : start + 100]}))
            assert sent["statusCode"] == 202
    while records := aws.drain("ProfileUpdateQueue"):
        assert invoke(PROFILE, {"Records": records})["batchItemFailures"] == []


def served(invoke: Any, user: str) -> dict[str, Any]:
    response = invoke(RECOMMEND, http_event("GET", f"/v1/users/{user}/recommendations", query="limit=20"))
    assert response["statusCode"] == 200
    reply: dict[str, Any] = body(response)
    return reply


def ranked(reply: dict[str, Any]) -> list[tuple[str, float, str]]:
    return [(i["item_id"], i["score"], i["reason_code"]) for i in reply["items"]]


def configure(monkeypatch: pytest.MonkeyPatch, module: ModuleType, **environ: str) -> None:
    """A recommend container started with these variables (its settings and dependencies read anew)."""
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    config.recommend_settings.cache_clear()
    module.dependencies.cache_clear()


def test_each_listener_ranks_with_their_level_as_if_it_were_the_deployment(
    aws: Aws, invoke: Any, handler_module: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    listeners(aws, invoke)
    recommend = handler_module(RECOMMEND)
    configure(monkeypatch, recommend, RANKING_ACTIVITY=json.dumps(LEVELS))
    by_level = {user: served(invoke, user) for user in (*LISTENERS, "u-new")}
    assert {u: r["context"]["activity"] for u, r in by_level.items()} == {
        "u-heavy": "heavy",
        "u-mid": None,
        "u-light": "light",
        "u-new": None,  # no profile: cold start, no level
    }
    # The same requests with the heavy level's weights as the deployment's and no levels.
    configure(monkeypatch, recommend, RANKING_ACTIVITY="[]", RANKING=json.dumps(HEAVY))
    assert ranked(served(invoke, "u-heavy")) == ranked(by_level["u-heavy"])
    # And with the deployment's own weights for everyone: the mid listener's list, not the heavy one's.
    configure(monkeypatch, recommend, RANKING_ACTIVITY="[]", RANKING="{}")
    for user in LISTENERS:
        assert served(invoke, user)["context"]["activity"] is None
    assert ranked(served(invoke, "u-mid")) == ranked(by_level["u-mid"])
    assert ranked(served(invoke, "u-heavy")) != ranked(by_level["u-heavy"])
    assert ranked(served(invoke, "u-light")) != ranked(by_level["u-light"])


def test_the_default_levels_name_a_heavy_listener_and_leave_a_typical_one_alone(
    aws: Aws, invoke: Any
) -> None:
    listeners(aws, invoke)
    assert served(invoke, "u-heavy")["context"]["activity"] == "heavy"
    assert served(invoke, "u-mid")["context"]["activity"] is None
    assert served(invoke, "u-light")["context"]["activity"] == "light"
