from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.daypart import Daypart

T = TypeVar("T", bound="ServedContext")


@_attrs_define
class ServedContext:
    """The context the list was ranked in.

    Attributes:
        surface (None | str):
        device (None | str):
        daypart (Daypart | None): From `local_time`: whose genres were boosted
        explore (float): The share of the list given to exploration (after presets)
        activity (None | str): The listener's activity level (RANKING_ACTIVITY: by how many distinct items they heard),
            whose weights the list was ranked with; null when none applied (no profile yet, or no level holds their count)
    """

    surface: None | str
    device: None | str
    daypart: Daypart | None
    explore: float
    activity: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        surface: None | str
        surface = self.surface

        device: None | str
        device = self.device

        daypart: None | str
        if isinstance(self.daypart, Daypart):
            daypart = self.daypart.value
        else:
            daypart = self.daypart

        explore = self.explore

        activity: None | str
        activity = self.activity

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "surface": surface,
                "device": device,
                "daypart": daypart,
                "explore": explore,
                "activity": activity,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_surface(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        surface = _parse_surface(d.pop("surface"))

        def _parse_device(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        device = _parse_device(d.pop("device"))

        def _parse_daypart(data: object) -> Daypart | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                daypart_type_0 = Daypart(data)

                return daypart_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Daypart | None, data)

        daypart = _parse_daypart(d.pop("daypart"))

        explore = d.pop("explore")

        def _parse_activity(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        activity = _parse_activity(d.pop("activity"))

        served_context = cls(
            surface=surface,
            device=device,
            daypart=daypart,
            explore=explore,
            activity=activity,
        )

        served_context.additional_properties = d
        return served_context

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
