from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.exported_heard import ExportedHeard
    from ..models.exported_profile_artists import ExportedProfileArtists
    from ..models.exported_profile_counts import ExportedProfileCounts
    from ..models.exported_profile_dayparts import ExportedProfileDayparts
    from ..models.exported_profile_disliked import ExportedProfileDisliked
    from ..models.exported_profile_genres import ExportedProfileGenres
    from ..models.exported_profile_impressions import ExportedProfileImpressions
    from ..models.exported_profile_items import ExportedProfileItems
    from ..models.exported_recent_play import ExportedRecentPlay


T = TypeVar("T", bound="ExportedProfile")


@_attrs_define
class ExportedProfile:
    """The taste profile exactly as stored (affinities are decayed sums relative to `ref_ms`).

    Attributes:
        version (int):
        ref_ms (int): Epoch ms the stored affinities are relative to
        updated_at (int):
        last_event_at (int):
        items (ExportedProfileItems): Item affinities (stored values)
        artists (ExportedProfileArtists):
        genres (ExportedProfileGenres):
        dayparts (ExportedProfileDayparts): Genre affinities per daypart (stored values)
        counts (ExportedProfileCounts):
        recent (list[ExportedRecentPlay]):
        disliked (ExportedProfileDisliked): Item id → epoch ms of the latest dislike
        taste_sum (list[float] | None): Decayed weighted sum of played items' embeddings
        taste_weight (float):
        model_version (None | str): Learned model the listener vector belongs to
        user_vector (list[float] | None): The listener folded into that model
        pending (list[str]): Applied events whose log entry is not confirmed yet
        impressions (ExportedProfileImpressions | Unset): Items shown: decayed count of showings (stored values)
        impressions_ref_ms (int | Unset): Epoch ms the stored showing counts are relative to Default: 0.
        heard (ExportedHeard | None | Unset): Everything heard, past the caps above
    """

    version: int
    ref_ms: int
    updated_at: int
    last_event_at: int
    items: ExportedProfileItems
    artists: ExportedProfileArtists
    genres: ExportedProfileGenres
    dayparts: ExportedProfileDayparts
    counts: ExportedProfileCounts
    recent: list[ExportedRecentPlay]
    disliked: ExportedProfileDisliked
    taste_sum: list[float] | None
    taste_weight: float
    model_version: None | str
    user_vector: list[float] | None
    pending: list[str]
    impressions: ExportedProfileImpressions | Unset = UNSET
    impressions_ref_ms: int | Unset = 0
    heard: ExportedHeard | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.exported_heard import ExportedHeard  # noqa: PLC0415

        version = self.version

        ref_ms = self.ref_ms

        updated_at = self.updated_at

        last_event_at = self.last_event_at

        items = self.items.to_dict()

        artists = self.artists.to_dict()

        genres = self.genres.to_dict()

        dayparts = self.dayparts.to_dict()

        counts = self.counts.to_dict()

        recent = []
        for recent_item_data in self.recent:
            recent_item = recent_item_data.to_dict()
            recent.append(recent_item)

        disliked = self.disliked.to_dict()

        taste_sum: list[float] | None
        if isinstance(self.taste_sum, list):
            taste_sum = self.taste_sum

        else:
            taste_sum = self.taste_sum

        taste_weight = self.taste_weight

        model_version: None | str
        model_version = self.model_version

        user_vector: list[float] | None
        if isinstance(self.user_vector, list):
            user_vector = self.user_vector

        else:
            user_vector = self.user_vector

        pending = self.pending

        impressions: dict[str, Any] | Unset = UNSET
        if not isinstance(self.impressions, Unset):
            impressions = self.impressions.to_dict()

        impressions_ref_ms = self.impressions_ref_ms

        heard: dict[str, Any] | None | Unset
        if isinstance(self.heard, Unset):
            heard = UNSET
        elif isinstance(self.heard, ExportedHeard):
            heard = self.heard.to_dict()
        else:
            heard = self.heard

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "version": version,
                "ref_ms": ref_ms,
                "updated_at": updated_at,
                "last_event_at": last_event_at,
                "items": items,
                "artists": artists,
                "genres": genres,
                "dayparts": dayparts,
                "counts": counts,
                "recent": recent,
                "disliked": disliked,
                "taste_sum": taste_sum,
                "taste_weight": taste_weight,
                "model_version": model_version,
                "user_vector": user_vector,
                "pending": pending,
            }
        )
        if impressions is not UNSET:
            field_dict["impressions"] = impressions
        if impressions_ref_ms is not UNSET:
            field_dict["impressions_ref_ms"] = impressions_ref_ms
        if heard is not UNSET:
            field_dict["heard"] = heard

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.exported_heard import ExportedHeard  # noqa: PLC0415
        from ..models.exported_profile_artists import ExportedProfileArtists  # noqa: PLC0415
        from ..models.exported_profile_counts import ExportedProfileCounts  # noqa: PLC0415
        from ..models.exported_profile_dayparts import ExportedProfileDayparts  # noqa: PLC0415
        from ..models.exported_profile_disliked import ExportedProfileDisliked  # noqa: PLC0415
        from ..models.exported_profile_genres import ExportedProfileGenres  # noqa: PLC0415
        from ..models.exported_profile_impressions import ExportedProfileImpressions  # noqa: PLC0415
        from ..models.exported_profile_items import ExportedProfileItems  # noqa: PLC0415
        from ..models.exported_recent_play import ExportedRecentPlay  # noqa: PLC0415

        d = dict(src_dict)
        version = d.pop("version")

        ref_ms = d.pop("ref_ms")

        updated_at = d.pop("updated_at")

        last_event_at = d.pop("last_event_at")

        items = ExportedProfileItems.from_dict(d.pop("items"))

        artists = ExportedProfileArtists.from_dict(d.pop("artists"))

        genres = ExportedProfileGenres.from_dict(d.pop("genres"))

        dayparts = ExportedProfileDayparts.from_dict(d.pop("dayparts"))

        counts = ExportedProfileCounts.from_dict(d.pop("counts"))

        recent = []
        _recent = d.pop("recent")
        for recent_item_data in _recent:
            recent_item = ExportedRecentPlay.from_dict(recent_item_data)

            recent.append(recent_item)

        disliked = ExportedProfileDisliked.from_dict(d.pop("disliked"))

        def _parse_taste_sum(data: object) -> list[float] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                taste_sum_type_0 = cast(list[float], data)

                return taste_sum_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | None, data)

        taste_sum = _parse_taste_sum(d.pop("taste_sum"))

        taste_weight = d.pop("taste_weight")

        def _parse_model_version(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model_version = _parse_model_version(d.pop("model_version"))

        def _parse_user_vector(data: object) -> list[float] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                user_vector_type_0 = cast(list[float], data)

                return user_vector_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | None, data)

        user_vector = _parse_user_vector(d.pop("user_vector"))

        pending = cast(list[str], d.pop("pending"))

        _impressions = d.pop("impressions", UNSET)
        impressions: ExportedProfileImpressions | Unset
        if isinstance(_impressions, Unset):
            impressions = UNSET
        else:
            impressions = ExportedProfileImpressions.from_dict(_impressions)

        impressions_ref_ms = d.pop("impressions_ref_ms", UNSET)

        def _parse_heard(data: object) -> ExportedHeard | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                heard_type_0 = ExportedHeard.from_dict(data)

                return heard_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExportedHeard | None | Unset, data)

        heard = _parse_heard(d.pop("heard", UNSET))

        exported_profile = cls(
            version=version,
            ref_ms=ref_ms,
            updated_at=updated_at,
            last_event_at=last_event_at,
            items=items,
            artists=artists,
            genres=genres,
            dayparts=dayparts,
            counts=counts,
            recent=recent,
            disliked=disliked,
            taste_sum=taste_sum,
            taste_weight=taste_weight,
            model_version=model_version,
            user_vector=user_vector,
            pending=pending,
            impressions=impressions,
            impressions_ref_ms=impressions_ref_ms,
            heard=heard,
        )

        exported_profile.additional_properties = d
        return exported_profile

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
