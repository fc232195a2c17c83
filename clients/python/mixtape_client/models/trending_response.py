from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.trending_response_window import TrendingResponseWindow
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.trending_item import TrendingItem


T = TypeVar("T", bound="TrendingResponse")


@_attrs_define
class TrendingResponse:
    """
    Attributes:
        window (TrendingResponseWindow):
        as_of (int): Epoch ms the windows end at (this container's last catalog load)
        catalog_version (int):
        items (list[TrendingItem]):
        genre (None | str | Unset):
    """

    window: TrendingResponseWindow
    as_of: int
    catalog_version: int
    items: list[TrendingItem]
    genre: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        window = self.window.value

        as_of = self.as_of

        catalog_version = self.catalog_version

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        genre: None | str | Unset
        if isinstance(self.genre, Unset):
            genre = UNSET
        else:
            genre = self.genre

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "window": window,
                "as_of": as_of,
                "catalog_version": catalog_version,
                "items": items,
            }
        )
        if genre is not UNSET:
            field_dict["genre"] = genre

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.trending_item import TrendingItem  # noqa: PLC0415

        d = dict(src_dict)
        window = TrendingResponseWindow(d.pop("window"))

        as_of = d.pop("as_of")

        catalog_version = d.pop("catalog_version")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = TrendingItem.from_dict(items_item_data)

            items.append(items_item)

        def _parse_genre(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        genre = _parse_genre(d.pop("genre", UNSET))

        trending_response = cls(
            window=window,
            as_of=as_of,
            catalog_version=catalog_version,
            items=items,
            genre=genre,
        )

        trending_response.additional_properties = d
        return trending_response

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
