from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ArtistAffinity")


@_attrs_define
class ArtistAffinity:
    """
    Attributes:
        artist_id (str):
        artist_name (None | str):
        affinity (float):
    """

    artist_id: str
    artist_name: None | str
    affinity: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        artist_id = self.artist_id

        artist_name: None | str
        artist_name = self.artist_name

        affinity = self.affinity

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "artist_id": artist_id,
                "artist_name": artist_name,
                "affinity": affinity,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        artist_id = d.pop("artist_id")

        def _parse_artist_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        artist_name = _parse_artist_name(d.pop("artist_name"))

        affinity = d.pop("affinity")

        artist_affinity = cls(
            artist_id=artist_id,
            artist_name=artist_name,
            affinity=affinity,
        )

        artist_affinity.additional_properties = d
        return artist_affinity

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
