from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_type import EventType

if TYPE_CHECKING:
    from ..models.exported_event_context_type_0 import ExportedEventContextType0


T = TypeVar("T", bound="ExportedEvent")


@_attrs_define
class ExportedEvent:
    """One applied event of the log, as stored.

    Attributes:
        event_id (str):
        item_id (str):
        type_ (EventType):
        timestamp (int): Epoch ms of the listening
        ms_played (int | None):
        count (int):
        context (ExportedEventContextType0 | None):
        ingested_at (int): Epoch ms the event was accepted
        expires_at (int): Epoch s its log entry expires (retention)
    """

    event_id: str
    item_id: str
    type_: EventType
    timestamp: int
    ms_played: int | None
    count: int
    context: ExportedEventContextType0 | None
    ingested_at: int
    expires_at: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.exported_event_context_type_0 import ExportedEventContextType0  # noqa: PLC0415

        event_id = self.event_id

        item_id = self.item_id

        type_ = self.type_.value

        timestamp = self.timestamp

        ms_played: int | None
        ms_played = self.ms_played

        count = self.count

        context: dict[str, Any] | None
        if isinstance(self.context, ExportedEventContextType0):
            context = self.context.to_dict()
        else:
            context = self.context

        ingested_at = self.ingested_at

        expires_at = self.expires_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "event_id": event_id,
                "item_id": item_id,
                "type": type_,
                "timestamp": timestamp,
                "ms_played": ms_played,
                "count": count,
                "context": context,
                "ingested_at": ingested_at,
                "expires_at": expires_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.exported_event_context_type_0 import ExportedEventContextType0  # noqa: PLC0415

        d = dict(src_dict)
        event_id = d.pop("event_id")

        item_id = d.pop("item_id")

        type_ = EventType(d.pop("type"))

        timestamp = d.pop("timestamp")

        def _parse_ms_played(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        ms_played = _parse_ms_played(d.pop("ms_played"))

        count = d.pop("count")

        def _parse_context(data: object) -> ExportedEventContextType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_type_0 = ExportedEventContextType0.from_dict(data)

                return context_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExportedEventContextType0 | None, data)

        context = _parse_context(d.pop("context"))

        ingested_at = d.pop("ingested_at")

        expires_at = d.pop("expires_at")

        exported_event = cls(
            event_id=event_id,
            item_id=item_id,
            type_=type_,
            timestamp=timestamp,
            ms_played=ms_played,
            count=count,
            context=context,
            ingested_at=ingested_at,
            expires_at=expires_at,
        )

        exported_event.additional_properties = d
        return exported_event

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
