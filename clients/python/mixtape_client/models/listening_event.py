from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.event_type import EventType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.event_context import EventContext


T = TypeVar("T", bound="ListeningEvent")


@_attrs_define
class ListeningEvent:
    """One listening event as clients send it.

    Attributes:
        event_id (str): Client-supplied idempotency key of an event
        user_id (str): Listener id
        item_id (str): Catalog item (track) id
        type_ (EventType):
        timestamp (datetime.datetime | int):
        ms_played (int | None | Unset): Required for play and skip
        count (int | Unset): Aggregated plays, for importing listening history. Weighs as `count` plays in the
            listener's own profile, up to 10,000. Item popularity counts listeners, not plays: one listener adds at most one
            to an item per popularity period, whatever the count Default: 1.
        context (EventContext | None | Unset):
    """

    event_id: str
    user_id: str
    item_id: str
    type_: EventType
    timestamp: datetime.datetime | int
    ms_played: int | None | Unset = UNSET
    count: int | Unset = 1
    context: EventContext | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_context import EventContext  # noqa: PLC0415

        event_id = self.event_id

        user_id = self.user_id

        item_id = self.item_id

        type_ = self.type_.value

        timestamp: int | str
        if isinstance(self.timestamp, datetime.datetime):
            timestamp = self.timestamp.isoformat()
        else:
            timestamp = self.timestamp

        ms_played: int | None | Unset
        if isinstance(self.ms_played, Unset):
            ms_played = UNSET
        else:
            ms_played = self.ms_played

        count = self.count

        context: dict[str, Any] | None | Unset
        if isinstance(self.context, Unset):
            context = UNSET
        elif isinstance(self.context, EventContext):
            context = self.context.to_dict()
        else:
            context = self.context

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "event_id": event_id,
                "user_id": user_id,
                "item_id": item_id,
                "type": type_,
                "timestamp": timestamp,
            }
        )
        if ms_played is not UNSET:
            field_dict["ms_played"] = ms_played
        if count is not UNSET:
            field_dict["count"] = count
        if context is not UNSET:
            field_dict["context"] = context

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_context import EventContext  # noqa: PLC0415

        d = dict(src_dict)
        event_id = d.pop("event_id")

        user_id = d.pop("user_id")

        item_id = d.pop("item_id")

        type_ = EventType(d.pop("type"))

        def _parse_timestamp(data: object) -> datetime.datetime | int:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                timestamp_type_1 = datetime.datetime.fromisoformat(data)

                return timestamp_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | int, data)

        timestamp = _parse_timestamp(d.pop("timestamp"))

        def _parse_ms_played(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        ms_played = _parse_ms_played(d.pop("ms_played", UNSET))

        count = d.pop("count", UNSET)

        def _parse_context(data: object) -> EventContext | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_type_0 = EventContext.from_dict(data)

                return context_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventContext | None | Unset, data)

        context = _parse_context(d.pop("context", UNSET))

        listening_event = cls(
            event_id=event_id,
            user_id=user_id,
            item_id=item_id,
            type_=type_,
            timestamp=timestamp,
            ms_played=ms_played,
            count=count,
            context=context,
        )

        return listening_event
