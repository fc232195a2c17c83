from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.rerank_request_filters import RerankRequestFilters
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.ranking_context import RankingContext


T = TypeVar("T", bound="RerankRequest")


@_attrs_define
class RerankRequest:
    """
    Attributes:
        item_ids (list[str]): No repeats
        filters (RerankRequestFilters | Unset): apply: items the listener disliked or muted (or whose artist they turned
            against) are left out and listed in `filtered`; flag: they are kept, after the others, with `filtered` set
            Default: RerankRequestFilters.APPLY.
        context (None | RankingContext | Unset): As the recommendations route's query: surface and device presets,
            experiments and the time-of-day term rank the candidates; `explore` does not apply (no places are given away)
    """

    item_ids: list[str]
    filters: RerankRequestFilters | Unset = RerankRequestFilters.APPLY
    context: None | RankingContext | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.ranking_context import RankingContext  # noqa: PLC0415

        item_ids = self.item_ids

        filters: str | Unset = UNSET
        if not isinstance(self.filters, Unset):
            filters = self.filters.value

        context: dict[str, Any] | None | Unset
        if isinstance(self.context, Unset):
            context = UNSET
        elif isinstance(self.context, RankingContext):
            context = self.context.to_dict()
        else:
            context = self.context

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "item_ids": item_ids,
            }
        )
        if filters is not UNSET:
            field_dict["filters"] = filters
        if context is not UNSET:
            field_dict["context"] = context

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ranking_context import RankingContext  # noqa: PLC0415

        d = dict(src_dict)
        item_ids = cast(list[str], d.pop("item_ids"))

        _filters = d.pop("filters", UNSET)
        filters: RerankRequestFilters | Unset
        if isinstance(_filters, Unset):
            filters = UNSET
        else:
            filters = RerankRequestFilters(_filters)

        def _parse_context(data: object) -> None | RankingContext | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_type_0 = RankingContext.from_dict(data)

                return context_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RankingContext | Unset, data)

        context = _parse_context(d.pop("context", UNSET))

        rerank_request = cls(
            item_ids=item_ids,
            filters=filters,
            context=context,
        )

        return rerank_request
