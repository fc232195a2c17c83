from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.artist_affinity import ArtistAffinity
    from ..models.genre_affinity import GenreAffinity
    from ..models.profile_response_counts import ProfileResponseCounts
    from ..models.recent_play import RecentPlay


T = TypeVar("T", bound="ProfileResponse")


@_attrs_define
class ProfileResponse:
    """
    Attributes:
        user_id (str):
        version (int):
        updated_at (int): Epoch ms of the last profile write
        last_event_at (int): Epoch ms of the newest event folded in
        top_artists (list[ArtistAffinity]): Decayed affinities as of now, strongest first
        top_genres (list[GenreAffinity]):
        counts (ProfileResponseCounts): Events by type (plays counted with their `count`)
        recent_items (list[RecentPlay]):
        disliked_items (list[str]):
        has_taste_vector (bool):
    """

    user_id: str
    version: int
    updated_at: int
    last_event_at: int
    top_artists: list[ArtistAffinity]
    top_genres: list[GenreAffinity]
    counts: ProfileResponseCounts
    recent_items: list[RecentPlay]
    disliked_items: list[str]
    has_taste_vector: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        version = self.version

        updated_at = self.updated_at

        last_event_at = self.last_event_at

        top_artists = []
        for top_artists_item_data in self.top_artists:
            top_artists_item = top_artists_item_data.to_dict()
            top_artists.append(top_artists_item)

        top_genres = []
        for top_genres_item_data in self.top_genres:
            top_genres_item = top_genres_item_data.to_dict()
            top_genres.append(top_genres_item)

        counts = self.counts.to_dict()

        recent_items = []
        for recent_items_item_data in self.recent_items:
            recent_items_item = recent_items_item_data.to_dict()
            recent_items.append(recent_items_item)

        disliked_items = self.disliked_items

        has_taste_vector = self.has_taste_vector

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "version": version,
                "updated_at": updated_at,
                "last_event_at": last_event_at,
                "top_artists": top_artists,
                "top_genres": top_genres,
                "counts": counts,
                "recent_items": recent_items,
                "disliked_items": disliked_items,
                "has_taste_vector": has_taste_vector,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.artist_affinity import ArtistAffinity  # noqa: PLC0415
        from ..models.genre_affinity import GenreAffinity  # noqa: PLC0415
        from ..models.profile_response_counts import ProfileResponseCounts  # noqa: PLC0415
        from ..models.recent_play import RecentPlay  # noqa: PLC0415

        d = dict(src_dict)
        user_id = d.pop("user_id")

        version = d.pop("version")

        updated_at = d.pop("updated_at")

        last_event_at = d.pop("last_event_at")

        top_artists = []
        _top_artists = d.pop("top_artists")
        for top_artists_item_data in _top_artists:
            top_artists_item = ArtistAffinity.from_dict(top_artists_item_data)

            top_artists.append(top_artists_item)

        top_genres = []
        _top_genres = d.pop("top_genres")
        for top_genres_item_data in _top_genres:
            top_genres_item = GenreAffinity.from_dict(top_genres_item_data)

            top_genres.append(top_genres_item)

        counts = ProfileResponseCounts.from_dict(d.pop("counts"))

        recent_items = []
        _recent_items = d.pop("recent_items")
        for recent_items_item_data in _recent_items:
            recent_items_item = RecentPlay.from_dict(recent_items_item_data)

            recent_items.append(recent_items_item)

        disliked_items = cast(list[str], d.pop("disliked_items"))

        has_taste_vector = d.pop("has_taste_vector")

        profile_response = cls(
            user_id=user_id,
            version=version,
            updated_at=updated_at,
            last_event_at=last_event_at,
            top_artists=top_artists,
            top_genres=top_genres,
            counts=counts,
            recent_items=recent_items,
            disliked_items=disliked_items,
            has_taste_vector=has_taste_vector,
        )

        profile_response.additional_properties = d
        return profile_response

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
