from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.filtered_item import FilteredItem
    from ..models.reranked_item import RerankedItem


T = TypeVar("T", bound="RerankResponse")


@_attrs_define
class RerankResponse:
    """
    Attributes:
        user_id (str): Listener id
        cold_start (bool): The listener has no usable history: ranked as the cold-start list
        catalog_version (int):
        items (list[RerankedItem]): Best first
        unknown (list[str]): Requested ids the catalog does not hold, in request order
        filtered (list[FilteredItem]): With filters=apply: the items left out, and why
        model_version (None | str | Unset):
    """

    user_id: str
    cold_start: bool
    catalog_version: int
    items: list[RerankedItem]
    unknown: list[str]
    filtered: list[FilteredItem]
    model_version: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        cold_start = self.cold_start

        catalog_version = self.catalog_version

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        unknown = self.unknown

        filtered = []
        for filtered_item_data in self.filtered:
            filtered_item = filtered_item_data.to_dict()
            filtered.append(filtered_item)

        model_version: None | str | Unset
        if isinstance(self.model_version, Unset):
            model_version = UNSET
        else:
            model_version = self.model_version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "cold_start": cold_start,
                "catalog_version": catalog_version,
                "items": items,
                "unknown": unknown,
                "filtered": filtered,
            }
        )
        if model_version is not UNSET:
            field_dict["model_version"] = model_version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.filtered_item import FilteredItem  # noqa: PLC0415
        from ..models.reranked_item import RerankedItem  # noqa: PLC0415

        d = dict(src_dict)
        user_id = d.pop("user_id")

        cold_start = d.pop("cold_start")

        catalog_version = d.pop("catalog_version")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = RerankedItem.from_dict(items_item_data)

            items.append(items_item)

        unknown = cast(list[str], d.pop("unknown"))

        filtered = []
        _filtered = d.pop("filtered")
        for filtered_item_data in _filtered:
            filtered_item = FilteredItem.from_dict(filtered_item_data)

            filtered.append(filtered_item)

        def _parse_model_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model_version = _parse_model_version(d.pop("model_version", UNSET))

        rerank_response = cls(
            user_id=user_id,
            cold_start=cold_start,
            catalog_version=catalog_version,
            items=items,
            unknown=unknown,
            filtered=filtered,
            model_version=model_version,
        )

        rerank_response.additional_properties = d
        return rerank_response

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
