from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CatalogItem")


@_attrs_define
class CatalogItem:
    """
    Attributes:
        item_id (str): Catalog item (track) id
        title (str):
        artist_id (str): Artist id
        artist_name (str):
        genres (list[str] | Unset):
        explicit (bool | Unset):  Default: False.
        release_date (datetime.date | None | Unset):
        duration_ms (int | None | Unset):
        embedding (list[float] | None | Unset): Item embedding; its length must equal the configured EMBEDDING_DIM
    """

    item_id: str
    title: str
    artist_id: str
    artist_name: str
    genres: list[str] | Unset = UNSET
    explicit: bool | Unset = False
    release_date: datetime.date | None | Unset = UNSET
    duration_ms: int | None | Unset = UNSET
    embedding: list[float] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        item_id = self.item_id

        title = self.title

        artist_id = self.artist_id

        artist_name = self.artist_name

        genres: list[str] | Unset = UNSET
        if not isinstance(self.genres, Unset):
            genres = self.genres

        explicit = self.explicit

        release_date: None | str | Unset
        if isinstance(self.release_date, Unset):
            release_date = UNSET
        elif isinstance(self.release_date, datetime.date):
            release_date = self.release_date.isoformat()
        else:
            release_date = self.release_date

        duration_ms: int | None | Unset
        if isinstance(self.duration_ms, Unset):
            duration_ms = UNSET
        else:
            duration_ms = self.duration_ms

        embedding: list[float] | None | Unset
        if isinstance(self.embedding, Unset):
            embedding = UNSET
        elif isinstance(self.embedding, list):
            embedding = self.embedding

        else:
            embedding = self.embedding

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "item_id": item_id,
                "title": title,
                "artist_id": artist_id,
                "artist_name": artist_name,
            }
        )
        if genres is not UNSET:
            field_dict["genres"] = genres
        if explicit is not UNSET:
            field_dict["explicit"] = explicit
        if release_date is not UNSET:
            field_dict["release_date"] = release_date
        if duration_ms is not UNSET:
            field_dict["duration_ms"] = duration_ms
        if embedding is not UNSET:
            field_dict["embedding"] = embedding

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        item_id = d.pop("item_id")

        title = d.pop("title")

        artist_id = d.pop("artist_id")

        artist_name = d.pop("artist_name")

        genres = cast(list[str], d.pop("genres", UNSET))

        explicit = d.pop("explicit", UNSET)

        def _parse_release_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                release_date_type_0 = datetime.date.fromisoformat(data)

                return release_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        release_date = _parse_release_date(d.pop("release_date", UNSET))

        def _parse_duration_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms", UNSET))

        def _parse_embedding(data: object) -> list[float] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                embedding_type_0 = cast(list[float], data)

                return embedding_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[float] | None | Unset, data)

        embedding = _parse_embedding(d.pop("embedding", UNSET))

        catalog_item = cls(
            item_id=item_id,
            title=title,
            artist_id=artist_id,
            artist_name=artist_name,
            genres=genres,
            explicit=explicit,
            release_date=release_date,
            duration_ms=duration_ms,
            embedding=embedding,
        )

        return catalog_item
