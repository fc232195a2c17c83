"""A deterministic demo catalog, loaded through the real `PUT /v1/items` handler when the catalog is empty."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from typing import Any

import boto3
import numpy as np
import numpy.typing as npt

from local.http_adapter import http_api_event, http_response
from local.jwt_authorizer import JwtAuthorizer
from local.jwt_issuer import LocalIssuer
from local.stack import Invocable, Stack
from local.template import match_route

logger = logging.getLogger(__name__)

SEED = 7
TRACKS_PER_ARTIST = 10
MAX_ITEMS_PER_REQUEST = 500  # PUT /v1/items accepts 1..500 items
ARTISTS: dict[str, list[str]] = {
    "indie": ["The Paper Lanterns", "Marlow Vance"],
    "electronic": ["Neon Tides", "Kessler Grid"],
    "jazz": ["Ada Whitfield Quartet", "Lou Delacroix Trio"],
    "hip-hop": ["Jaylen Cross", "MC Halcyon"],
    "classical": ["Elena Varga", "Aurora Chamber Ensemble"],
    "rock": ["Granite Avenue", "The Velvet Static"],
}
_TITLE_WORDS = (
    ["Midnight", "Golden", "Paper", "Electric", "Quiet", "Broken", "Silver", "Northern", "Velvet", "Lost"],
    ["Harbor", "Static", "Summer", "Lights", "Rivers", "Hearts", "Signals", "Gardens", "Streets", "Echoes"],
)
_FIRST_RELEASE = dt.date(1995, 1, 1)
_LAST_RELEASE = dt.date(2024, 12, 31)


def _unit(vector: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return vector / np.linalg.norm(vector)


def demo_catalog(embedding_dim: int) -> list[dict[str, Any]]:
    """TRACKS_PER_ARTIST tracks per artist: each embedding is its genre's centroid + its artist's offset +
    noise, L2-normalised."""
    rng = np.random.default_rng(SEED)
    genres = list(ARTISTS)
    centroids = {genre: _unit(rng.normal(size=embedding_dim)) for genre in genres}
    release_span = (_LAST_RELEASE - _FIRST_RELEASE).days
    items: list[dict[str, Any]] = []
    artist_number = 0
    for genre, names in ARTISTS.items():
        for artist_name in names:
            artist_number += 1
            offset = 0.5 * _unit(rng.normal(size=embedding_dim))
            titles = rng.permutation(len(_TITLE_WORDS[0]) * len(_TITLE_WORDS[1]))[:TRACKS_PER_ARTIST]
            for title_index in titles:
                first, second = divmod(int(title_index), len(_TITLE_WORDS[1]))
                noise = 0.2 * _unit(rng.normal(size=embedding_dim))
                embedding = _unit(centroids[genre] + offset + noise)
                track_genres = [genre]
                if rng.random() < 0.3:
                    track_genres.append(str(rng.choice([g for g in genres if g != genre])))
                released = _FIRST_RELEASE + dt.timedelta(days=int(rng.integers(0, release_span + 1)))
                items.append(
                    {
                        "item_id": f"trk-{len(items) + 1:04d}",
                        "title": f"{_TITLE_WORDS[0][first]} {_TITLE_WORDS[1][second]}",
                        "artist_id": f"art-{artist_number:02d}",
                        "artist_name": artist_name,
                        "genres": track_genres,
                        "explicit": genre == "hip-hop" and bool(rng.random() < 0.5),
                        "release_date": released.isoformat(),
                        "duration_ms": int(rng.integers(120_000, 360_001)),
                        "embedding": [round(float(x), 6) for x in embedding],
                    }
                )
    return items


def seed_catalog(
    stack: Stack, functions: Mapping[str, Invocable], embedding_dim: int, issuer: LocalIssuer
) -> int:
    """Seed an empty catalog through the function that owns PUT /v1/items, with a service token passed
    through the route's authorizer as the HTTP API would; returns the items written."""
    table = stack.resources.table_names["CatalogTable"]
    if boto3.client("dynamodb").scan(TableName=table, Limit=1)["Count"]:
        logger.info("catalog %s already has items; not seeding", table)
        return 0
    match = match_route(stack.template.routes, "PUT", "/v1/items")
    if match is None:
        raise RuntimeError("template has no PUT /v1/items route to seed the catalog through")
    function = functions[match.route.function_id]
    authorization = f"Bearer {issuer.service_token()}"
    authorizer = JwtAuthorizer.of(issuer).authorize(match.route, authorization)
    items = demo_catalog(embedding_dim)
    for start in range(0, len(items), MAX_ITEMS_PER_REQUEST):
        body = json.dumps({"items": items[start : start + MAX_ITEMS_PER_REQUEST]}).encode()
        event = http_api_event(
            match,
            method="PUT",
            raw_path="/v1/items",
            headers=[
                ("content-type", "application/json"),
                ("user-agent", "mixtape-local-seed"),
                ("authorization", authorization),
            ],
            body=body,
            authorizer=authorizer,
        )
        status, _, _, response = http_response(function.invoke(event))
        if status >= 300:
            raise RuntimeError(f"seeding the catalog failed: PUT /v1/items -> {status} {response.decode()}")
    logger.info(
        "seeded catalog: %d tracks by %d artists in %d genres via PUT /v1/items",
        len(items),
        sum(len(names) for names in ARTISTS.values()),
        len(ARTISTS),
    )
    return len(items)
