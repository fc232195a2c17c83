from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PreferencesResponse")


@_attrs_define
class PreferencesResponse:
    """
    Attributes:
        user_id (str): Listener id
        seed_artists (list[str] | Unset): Artists to start from while the listener has no history
        seed_genres (list[str] | Unset): Genres to start from while the listener has no history
        muted_artists (list[str] | Unset): Never recommended (recommendations, rerank, blend)
        muted_genres (list[str] | Unset): Items having any of these genres are never recommended
    """

    user_id: str
    seed_artists: list[str] | Unset = UNSET
    seed_genres: list[str] | Unset = UNSET
    muted_artists: list[str] | Unset = UNSET
    muted_genres: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        seed_artists: list[str] | Unset = UNSET
        if not isinstance(self.seed_artists, Unset):
            seed_artists = self.seed_artists

        seed_genres: list[str] | Unset = UNSET
        if not isinstance(self.seed_genres, Unset):
            seed_genres = self.seed_genres

        muted_artists: list[str] | Unset = UNSET
        if not isinstance(self.muted_artists, Unset):
            muted_artists = self.muted_artists

        muted_genres: list[str] | Unset = UNSET
        if not isinstance(self.muted_genres, Unset):
            muted_genres = self.muted_genres

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "user_id": user_id,
            }
        )
        if seed_artists is not UNSET:
            field_dict["seed_artists"] = seed_artists
        if seed_genres is not UNSET:
            field_dict["seed_genres"] = seed_genres
        if muted_artists is not UNSET:
            field_dict["muted_artists"] = muted_artists
        if muted_genres is not UNSET:
            field_dict["muted_genres"] = muted_genres

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        user_id = d.pop("user_id")

        seed_artists = cast(list[str], d.pop("seed_artists", UNSET))

        seed_genres = cast(list[str], d.pop("seed_genres", UNSET))

        muted_artists = cast(list[str], d.pop("muted_artists", UNSET))

        muted_genres = cast(list[str], d.pop("muted_genres", UNSET))

        preferences_response = cls(
            user_id=user_id,
            seed_artists=seed_artists,
            seed_genres=seed_genres,
            muted_artists=muted_artists,
            muted_genres=muted_genres,
        )

        return preferences_response
