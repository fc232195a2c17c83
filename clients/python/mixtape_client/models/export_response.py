from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.erasure_state import ErasureState
    from ..models.exported_event import ExportedEvent
    from ..models.exported_profile import ExportedProfile


T = TypeVar("T", bound="ExportResponse")


@_attrs_define
class ExportResponse:
    """Every datum held about the listener: the right of access, next to erasure (DELETE).

    Attributes:
        user_id (str):
        exported_at (int): Epoch ms
        profile (ExportedProfile | None): null when nothing was folded in since an erasure
        events (list[ExportedEvent]): The applied-events log still within retention, in event-id order: one page
        next_after (None | str): More events may follow: ask again with `after` set to this; null on the last page
        erasure (ErasureState | None): Set when the listener was erased
    """

    user_id: str
    exported_at: int
    profile: ExportedProfile | None
    events: list[ExportedEvent]
    next_after: None | str
    erasure: ErasureState | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.erasure_state import ErasureState  # noqa: PLC0415
        from ..models.exported_profile import ExportedProfile  # noqa: PLC0415

        user_id = self.user_id

        exported_at = self.exported_at

        profile: dict[str, Any] | None
        if isinstance(self.profile, ExportedProfile):
            profile = self.profile.to_dict()
        else:
            profile = self.profile

        events = []
        for events_item_data in self.events:
            events_item = events_item_data.to_dict()
            events.append(events_item)

        next_after: None | str
        next_after = self.next_after

        erasure: dict[str, Any] | None
        if isinstance(self.erasure, ErasureState):
            erasure = self.erasure.to_dict()
        else:
            erasure = self.erasure

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "exported_at": exported_at,
                "profile": profile,
                "events": events,
                "next_after": next_after,
                "erasure": erasure,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.erasure_state import ErasureState  # noqa: PLC0415
        from ..models.exported_event import ExportedEvent  # noqa: PLC0415
        from ..models.exported_profile import ExportedProfile  # noqa: PLC0415

        d = dict(src_dict)
        user_id = d.pop("user_id")

        exported_at = d.pop("exported_at")

        def _parse_profile(data: object) -> ExportedProfile | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                profile_type_0 = ExportedProfile.from_dict(data)

                return profile_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExportedProfile | None, data)

        profile = _parse_profile(d.pop("profile"))

        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = ExportedEvent.from_dict(events_item_data)

            events.append(events_item)

        def _parse_next_after(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_after = _parse_next_after(d.pop("next_after"))

        def _parse_erasure(data: object) -> ErasureState | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                erasure_type_0 = ErasureState.from_dict(data)

                return erasure_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErasureState | None, data)

        erasure = _parse_erasure(d.pop("erasure"))

        export_response = cls(
            user_id=user_id,
            exported_at=exported_at,
            profile=profile,
            events=events,
            next_after=next_after,
            erasure=erasure,
        )

        export_response.additional_properties = d
        return export_response

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
