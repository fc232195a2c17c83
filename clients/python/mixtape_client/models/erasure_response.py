from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ErasureResponse")


@_attrs_define
class ErasureResponse:
    """
    Attributes:
        user_id (str):
        deleted_events (int):
        profile_deleted (bool):
    """

    user_id: str
    deleted_events: int
    profile_deleted: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        deleted_events = self.deleted_events

        profile_deleted = self.profile_deleted

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "deleted_events": deleted_events,
                "profile_deleted": profile_deleted,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        user_id = d.pop("user_id")

        deleted_events = d.pop("deleted_events")

        profile_deleted = d.pop("profile_deleted")

        erasure_response = cls(
            user_id=user_id,
            deleted_events=deleted_events,
            profile_deleted=profile_deleted,
        )

        erasure_response.additional_properties = d
        return erasure_response

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
