"""The JSON of the replies that list ranked items (recommendations, similar items): the one serializer of
`ScoredItem`, byte for byte what `model_dump_json()` of the reply model gives.

Built as plain dicts and serialised in one pydantic call through TypedDicts generated from the reply
models' fields, rather than as one `ScoredItem` model per item: validating a model per item costs the
recommend handler more than anything else in the reply (bench.recommend_bench). An item's catalog fields
are the same in every reply, so each item's part is made once per catalog version, through `ItemView`,
and kept in a bounded per-index cache.
"""

import types
from collections.abc import Callable, Mapping, Sequence
from functools import cache, lru_cache, partial
from typing import Any, TypedDict

from pydantic import BaseModel, TypeAdapter

from mixtape.catalog.index import CatalogIndex
from mixtape.models.api import ItemView, RecommendationsResponse, ScoredItem, SimilarItemsResponse
from mixtape.models.catalog import CatalogRecord
from mixtape.ranking import Ranked, Recommendations

SCORE_DIGITS = 6
# Items whose catalog part is kept per catalog index (LRU): bounded, however many distinct items get served.
ITEM_HEADS_CACHED = 65_536

type Row = dict[str, Any]


def recommendations_json(
    index: CatalogIndex, user_id: str, found: Recommendations, served: Mapping[str, Any]
) -> str:
    """The body of GET /v1/users/{user_id}/recommendations; `served`: its recommendation_id, context and
    experiments."""
    fields = {
        "user_id": user_id,
        "cold_start": found.cold_start,
        "catalog_version": index.version,
        "model_version": found.model_version,
        **served,
    }
    return _reply_json(RecommendationsResponse, fields, index, found.items)


def similar_items_json(index: CatalogIndex, item_id: str, ranked: Sequence[Ranked]) -> str:
    """The body of GET /v1/items/{item_id}/similar."""
    return _reply_json(SimilarItemsResponse, {"item_id": item_id}, index, ranked)


def _reply_json(
    model: type[BaseModel], fields: Mapping[str, Any], index: CatalogIndex, ranked: Sequence[Ranked]
) -> str:
    heads = _item_heads(index)
    values = {**fields, "items": [_scored(heads(entry.position), entry) for entry in ranked]}
    # A TypedDict is written in the dict's key order: the model's.
    return _adapter(model).dump_json({name: values[name] for name in model.model_fields}).decode()


def _scored(head: Row, entry: Ranked) -> Row:
    """A `ScoredItem`: the item's catalog part, then the listener's (tests hold the keys to the model's)."""
    return {
        **head,
        "score": round(entry.score, SCORE_DIGITS),
        "reason": entry.reason,
        "reason_code": entry.reason_code,
    }


def _item_head(records: Sequence[CatalogRecord], position: int) -> Row:
    return ItemView.model_validate(records[position], from_attributes=True).model_dump()


def _item_heads(index: CatalogIndex) -> Callable[[int], Row]:
    return index.scratch(
        "reply_item_heads", lambda: lru_cache(maxsize=ITEM_HEADS_CACHED)(partial(_item_head, index.records))
    )


def _typed_dict(model: type[BaseModel], **replaced: Any) -> Any:
    """`model`'s fields (names, order, annotations; `replaced` annotations aside) as a TypedDict, which
    pydantic serialises from a plain dict as it serialises the model."""
    annotations = {name: replaced.get(name, field.annotation) for name, field in model.model_fields.items()}
    return types.new_class(
        f"{model.__name__}Json",
        (TypedDict,),
        exec_body=lambda namespace: namespace.update(__annotations__=annotations),
    )


@cache
def _adapter(model: type[BaseModel]) -> TypeAdapter[Any]:
    """The serializer of a reply `model` whose `items` are `ScoredItem`s given as `_scored` rows."""
    return TypeAdapter(_typed_dict(model, items=types.GenericAlias(list, (_typed_dict(ScoredItem),))))
