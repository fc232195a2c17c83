from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ExportedHeard")


@_attrs_define
class ExportedHeard:
    """The listener's already-heard filter as stored: a scalable Bloom filter of item ids (it holds no id
    itself; each item was hashed into bits), never recommended back.

        Attributes:
            items (int): Items added (one it seemed to hold already, a false positive, is not)
            layers (int):
            filter_ (str): The stored bytes, base64 (mixtape.models.heard's versioned format)
    """

    items: int
    layers: int
    filter_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        items = self.items

        layers = self.layers

        filter_ = self.filter_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "items": items,
                "layers": layers,
                "filter": filter_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        items = d.pop("items")

        layers = d.pop("layers")

        filter_ = d.pop("filter")

        exported_heard = cls(
            items=items,
            layers=layers,
            filter_=filter_,
        )

        exported_heard.additional_properties = d
        return exported_heard

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
