"""The replies of rerank and blend: their items are `ScoredItem`s with one more field each, built as
models (at most 500 and 100 items: the fast serializer of mixtape.api.replies is for the hot route)."""

from typing import Any

from mixtape.catalog.index import CatalogIndex
from mixtape.models.api import ItemView
from mixtape.models.blend import BlendItem, BlendResponse, ServedListener
from mixtape.models.rerank import FilteredItem, RerankedItem, RerankResponse
from mixtape.ranking.blend import Blended
from mixtape.ranking.request import Ranked
from mixtape.ranking.rerank import Reranked

SCORE_DIGITS = 6


def _scored(index: CatalogIndex, pick: Ranked) -> dict[str, Any]:
    head = ItemView.model_validate(index.records[pick.position], from_attributes=True).model_dump()
    return {
        **head,
        "score": round(pick.score, SCORE_DIGITS),
        "reason": pick.reason,
        "reason_code": pick.reason_code,
    }


def rerank_response(index: CatalogIndex, user_id: str, found: Reranked) -> RerankResponse:
    return RerankResponse(
        user_id=user_id,
        cold_start=found.cold_start,
        catalog_version=index.version,
        model_version=found.model_version,
        items=[RerankedItem(**_scored(index, pick), filtered=flag) for pick, flag in found.items],
        unknown=found.unknown,
        filtered=[FilteredItem(item_id=index.records[p].item_id, filter=f) for p, f in found.filtered],
    )


def blend_response(index: CatalogIndex, user_ids: list[str], found: Blended) -> BlendResponse:
    return BlendResponse(
        user_ids=user_ids,
        catalog_version=index.version,
        model_version=found.model_version,
        items=[
            BlendItem(
                **_scored(index, pick),
                serves=[ServedListener(user_id=u, reason_code=r.code, reason=r.text) for u, r in whose],
            )
            for pick, whose in found.items
        ],
    )
