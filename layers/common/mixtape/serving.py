"""Turn ranked catalog positions into API items (metadata + score + reason).

`recommendations_json` writes the recommendations reply in one go: plain dicts serialised by one pydantic
TypeAdapter (Rust), instead of building a pydantic model per item and letting the HTTP resolver validate
and re-encode the whole reply (~1 ms for 100 items). The dict shapes mirror `RecommendationsResponse`,
which still documents the route; tests check the JSON validates as that model.
"""

from collections.abc import Sequence
from functools import cache
from typing import TypedDict

from pydantic import TypeAdapter

from mixtape.catalog_index import CatalogIndex
from mixtape.models.api import ScoredItem
from mixtape.ranking import Ranked

SCORE_DIGITS = 6


def scored_items(index: CatalogIndex, ranked: Sequence[Ranked]) -> list[ScoredItem]:
    items = []
    for entry in ranked:
        record = index.records[entry.position]
        items.append(
            ScoredItem(
                item_id=record.item_id,
                title=record.title,
                artist_id=record.artist_id,
                artist_name=record.artist_name,
                genres=list(record.genres),
                explicit=record.explicit,
                release_date=record.release_date,
                duration_ms=record.duration_ms,
                score=round(entry.score, SCORE_DIGITS),
                reason=entry.reason,
                reason_code=entry.reason_code.value,
            )
        )
    return items


class _ScoredItemJson(TypedDict):  # the fields of models.api.ScoredItem, in its order
    item_id: str
    title: str
    artist_id: str
    artist_name: str
    genres: list[str]
    explicit: bool
    release_date: str | None
    duration_ms: int | None
    score: float
    reason: str
    reason_code: str


class _RecommendationsJson(TypedDict):  # models.api.RecommendationsResponse
    user_id: str
    cold_start: bool
    catalog_version: int
    model_version: str | None
    items: list[_ScoredItemJson]


@cache
def _recommendations_adapter() -> TypeAdapter[_RecommendationsJson]:
    return TypeAdapter(_RecommendationsJson)


def recommendations_json(
    index: CatalogIndex,
    ranked: Sequence[Ranked],
    *,
    user_id: str,
    cold_start: bool,
    model_version: str | None,
) -> str:
    """The body of GET /v1/users/{user_id}/recommendations (a `RecommendationsResponse`) as JSON."""
    records = index.records
    items: list[_ScoredItemJson] = []
    for entry in ranked:
        record = records[entry.position]
        items.append(
            {
                "item_id": record.item_id,
                "title": record.title,
                "artist_id": record.artist_id,
                "artist_name": record.artist_name,
                "genres": list(record.genres),
                "explicit": record.explicit,
                "release_date": record.release_date,
                "duration_ms": record.duration_ms,
                "score": round(entry.score, SCORE_DIGITS),
                "reason": entry.reason,
                "reason_code": entry.reason_code,  # a StrEnum: serialised as its value
            }
        )
    body: _RecommendationsJson = {
        "user_id": user_id,
        "cold_start": cold_start,
        "catalog_version": index.version,
        "model_version": model_version,
        "items": items,
    }
    return _recommendations_adapter().dump_json(body).decode()
