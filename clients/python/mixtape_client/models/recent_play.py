from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RecentPlay")


@_attrs_define
class RecentPlay:
    """
    Attributes:
        item_id (str):
        title (None | str):
        artist_name (None | str):
        timestamp (int):
    """

    item_id: str
    title: None | str
    artist_name: None | str
    timestamp: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        item_id = self.item_id

        title: None | str
        title = self.title

        artist_name: None | str
        artist_name = self.artist_name

        timestamp = self.timestamp

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "item_id": item_id,
                "title": title,
                "artist_name": artist_name,
                "timestamp": timestamp,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        item_id = d.pop("item_id")

        def _parse_title(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        title = _parse_title(d.pop("title"))

        def _parse_artist_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        artist_name = _parse_artist_name(d.pop("artist_name"))

        timestamp = d.pop("timestamp")

        recent_play = cls(
            item_id=item_id,
            title=title,
            artist_name=artist_name,
            timestamp=timestamp,
        )

        recent_play.additional_properties = d
        return recent_play

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
