from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TrendingItem")


@_attrs_define
class TrendingItem:
    """
    Attributes:
        item_id (str):
        title (str):
        artist_id (str):
        artist_name (str):
        genres (list[str]):
        explicit (bool):
        listeners (float): Distinct listeners in the window, counted per hour (1h, 24h) or per day (7d); the window's
            oldest bucket counts for its share inside the window
        previous_listeners (float): The same count for the window before
        velocity (float): (listeners - previous) / (previous + smoothing): how fast it rises
        rising (bool): velocity at or above the deployment's rising threshold
        score (float): listeners x (1 + max(velocity, 0)): the order of the list
        release_date (None | str | Unset):
        duration_ms (int | None | Unset):
    """

    item_id: str
    title: str
    artist_id: str
    artist_name: str
    genres: list[str]
    explicit: bool
    listeners: float
    previous_listeners: float
    velocity: float
    rising: bool
    score: float
    release_date: None | str | Unset = UNSET
    duration_ms: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        item_id = self.item_id

        title = self.title

        artist_id = self.artist_id

        artist_name = self.artist_name

        genres = self.genres

        explicit = self.explicit

        listeners = self.listeners

        previous_listeners = self.previous_listeners

        velocity = self.velocity

        rising = self.rising

        score = self.score

        release_date: None | str | Unset
        if isinstance(self.release_date, Unset):
            release_date = UNSET
        else:
            release_date = self.release_date

        duration_ms: int | None | Unset
        if isinstance(self.duration_ms, Unset):
            duration_ms = UNSET
        else:
            duration_ms = self.duration_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "item_id": item_id,
                "title": title,
                "artist_id": artist_id,
                "artist_name": artist_name,
                "genres": genres,
                "explicit": explicit,
                "listeners": listeners,
                "previous_listeners": previous_listeners,
                "velocity": velocity,
                "rising": rising,
                "score": score,
            }
        )
        if release_date is not UNSET:
            field_dict["release_date"] = release_date
        if duration_ms is not UNSET:
            field_dict["duration_ms"] = duration_ms

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        item_id = d.pop("item_id")

        title = d.pop("title")

        artist_id = d.pop("artist_id")

        artist_name = d.pop("artist_name")

        genres = cast(list[str], d.pop("genres"))

        explicit = d.pop("explicit")

        listeners = d.pop("listeners")

        previous_listeners = d.pop("previous_listeners")

        velocity = d.pop("velocity")

        rising = d.pop("rising")

        score = d.pop("score")

        def _parse_release_date(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        release_date = _parse_release_date(d.pop("release_date", UNSET))

        def _parse_duration_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms", UNSET))

        trending_item = cls(
            item_id=item_id,
            title=title,
            artist_id=artist_id,
            artist_name=artist_name,
            genres=genres,
            explicit=explicit,
            listeners=listeners,
            previous_listeners=previous_listeners,
            velocity=velocity,
            rising=rising,
            score=score,
            release_date=release_date,
            duration_ms=duration_ms,
        )

        trending_item.additional_properties = d
        return trending_item

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
