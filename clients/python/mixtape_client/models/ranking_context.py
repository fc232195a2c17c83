from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RankingContext")


@_attrs_define
class RankingContext:
    """Where and when a list is shown; every field optional. The query parameters of
    GET /v1/users/{user_id}/recommendations.

        Attributes:
            surface (None | str | Unset): Where the list is shown; a surface with a preset in RANKING_SURFACES ranks with it
            device (None | str | Unset): Client device class; presets in RANKING_DEVICES
            local_time (None | str | Unset): The listener's local wall-clock time, HH:MM (24 h): boosts the genres they play
                at that time of day. Without it there is no time-of-day term
            explore (float | None | Unset): Share of the list given to long-tail and unfamiliar-genre items, 0..1 (default:
                the deployment's, a surface's or an experiment's); the same picks all day for one listener
    """

    surface: None | str | Unset = UNSET
    device: None | str | Unset = UNSET
    local_time: None | str | Unset = UNSET
    explore: float | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        surface: None | str | Unset
        if isinstance(self.surface, Unset):
            surface = UNSET
        else:
            surface = self.surface

        device: None | str | Unset
        if isinstance(self.device, Unset):
            device = UNSET
        else:
            device = self.device

        local_time: None | str | Unset
        if isinstance(self.local_time, Unset):
            local_time = UNSET
        else:
            local_time = self.local_time

        explore: float | None | Unset
        if isinstance(self.explore, Unset):
            explore = UNSET
        else:
            explore = self.explore

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if surface is not UNSET:
            field_dict["surface"] = surface
        if device is not UNSET:
            field_dict["device"] = device
        if local_time is not UNSET:
            field_dict["local_time"] = local_time
        if explore is not UNSET:
            field_dict["explore"] = explore

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_surface(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        surface = _parse_surface(d.pop("surface", UNSET))

        def _parse_device(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        device = _parse_device(d.pop("device", UNSET))

        def _parse_local_time(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        local_time = _parse_local_time(d.pop("local_time", UNSET))

        def _parse_explore(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        explore = _parse_explore(d.pop("explore", UNSET))

        ranking_context = cls(
            surface=surface,
            device=device,
            local_time=local_time,
            explore=explore,
        )

        return ranking_context
