from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.reason_code import ReasonCode

T = TypeVar("T", bound="ServedListener")


@_attrs_define
class ServedListener:
    """A listener whose own taste the pick serves, and that listener's reason (true of their profile).

    Attributes:
        user_id (str): Listener id
        reason_code (ReasonCode): Why an item was recommended; `reason` says it in words.
        reason (str):
    """

    user_id: str
    reason_code: ReasonCode
    reason: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        reason_code = self.reason_code.value

        reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "reason_code": reason_code,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        user_id = d.pop("user_id")

        reason_code = ReasonCode(d.pop("reason_code"))

        reason = d.pop("reason")

        served_listener = cls(
            user_id=user_id,
            reason_code=reason_code,
            reason=reason,
        )

        served_listener.additional_properties = d
        return served_listener

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
