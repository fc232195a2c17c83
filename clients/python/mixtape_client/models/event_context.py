from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="EventContext")


@_attrs_define
class EventContext:
    """
    Attributes:
        source (None | str | Unset): Surface, e.g. home, search
        device (None | str | Unset):
        utc_offset_minutes (int | None | Unset): The listener's UTC offset when the event happened: its local time of
            day feeds the profile's time-of-day taste (UTC without it)
        recommendation_id (None | str | Unset): The `recommendation_id` of the list the item was picked from: attributes
            the event to the list's experiment variants
    """

    source: None | str | Unset = UNSET
    device: None | str | Unset = UNSET
    utc_offset_minutes: int | None | Unset = UNSET
    recommendation_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        device: None | str | Unset
        if isinstance(self.device, Unset):
            device = UNSET
        else:
            device = self.device

        utc_offset_minutes: int | None | Unset
        if isinstance(self.utc_offset_minutes, Unset):
            utc_offset_minutes = UNSET
        else:
            utc_offset_minutes = self.utc_offset_minutes

        recommendation_id: None | str | Unset
        if isinstance(self.recommendation_id, Unset):
            recommendation_id = UNSET
        else:
            recommendation_id = self.recommendation_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if source is not UNSET:
            field_dict["source"] = source
        if device is not UNSET:
            field_dict["device"] = device
        if utc_offset_minutes is not UNSET:
            field_dict["utc_offset_minutes"] = utc_offset_minutes
        if recommendation_id is not UNSET:
            field_dict["recommendation_id"] = recommendation_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        def _parse_device(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        device = _parse_device(d.pop("device", UNSET))

        def _parse_utc_offset_minutes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        utc_offset_minutes = _parse_utc_offset_minutes(d.pop("utc_offset_minutes", UNSET))

        def _parse_recommendation_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        recommendation_id = _parse_recommendation_id(d.pop("recommendation_id", UNSET))

        event_context = cls(
            source=source,
            device=device,
            utc_offset_minutes=utc_offset_minutes,
            recommendation_id=recommendation_id,
        )

        return event_context
