from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.blend_item import BlendItem


T = TypeVar("T", bound="BlendResponse")


@_attrs_define
class BlendResponse:
    """
    Attributes:
        user_ids (list[str]):
        catalog_version (int):
        items (list[BlendItem]): Best first: ranked by the group's least-happy listener (least misery over each
            listener's standardised scores)
        model_version (None | str | Unset):
    """

    user_ids: list[str]
    catalog_version: int
    items: list[BlendItem]
    model_version: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_ids = self.user_ids

        catalog_version = self.catalog_version

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        model_version: None | str | Unset
        if isinstance(self.model_version, Unset):
            model_version = UNSET
        else:
            model_version = self.model_version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_ids": user_ids,
                "catalog_version": catalog_version,
                "items": items,
            }
        )
        if model_version is not UNSET:
            field_dict["model_version"] = model_version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.blend_item import BlendItem  # noqa: PLC0415

        d = dict(src_dict)
        user_ids = cast(list[str], d.pop("user_ids"))

        catalog_version = d.pop("catalog_version")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = BlendItem.from_dict(items_item_data)

            items.append(items_item)

        def _parse_model_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model_version = _parse_model_version(d.pop("model_version", UNSET))

        blend_response = cls(
            user_ids=user_ids,
            catalog_version=catalog_version,
            items=items,
            model_version=model_version,
        )

        blend_response.additional_properties = d
        return blend_response

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
