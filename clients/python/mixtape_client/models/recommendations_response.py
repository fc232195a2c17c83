from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.assignment import Assignment
    from ..models.scored_item import ScoredItem
    from ..models.served_context import ServedContext


T = TypeVar("T", bound="RecommendationsResponse")


@_attrs_define
class RecommendationsResponse:
    """
    Attributes:
        user_id (str):
        recommendation_id (str): This list's id; send it back in events' `context.recommendation_id` to attribute them
            to its experiment variants
        cold_start (bool): True when the listener has no usable history: popular items
        catalog_version (int):
        context (ServedContext): The context the list was ranked in.
        experiments (list[Assignment]): The listener's variant of each running experiment (also in X-Mixtape-Variant)
        items (list[ScoredItem]):
        model_version (None | str | Unset): Learned model that ranked the list, if any
    """

    user_id: str
    recommendation_id: str
    cold_start: bool
    catalog_version: int
    context: ServedContext
    experiments: list[Assignment]
    items: list[ScoredItem]
    model_version: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        recommendation_id = self.recommendation_id

        cold_start = self.cold_start

        catalog_version = self.catalog_version

        context = self.context.to_dict()

        experiments = []
        for experiments_item_data in self.experiments:
            experiments_item = experiments_item_data.to_dict()
            experiments.append(experiments_item)

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        model_version: None | str | Unset
        if isinstance(self.model_version, Unset):
            model_version = UNSET
        else:
            model_version = self.model_version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "recommendation_id": recommendation_id,
                "cold_start": cold_start,
                "catalog_version": catalog_version,
                "context": context,
                "experiments": experiments,
                "items": items,
            }
        )
        if model_version is not UNSET:
            field_dict["model_version"] = model_version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.assignment import Assignment  # noqa: PLC0415
        from ..models.scored_item import ScoredItem  # noqa: PLC0415
        from ..models.served_context import ServedContext  # noqa: PLC0415

        d = dict(src_dict)
        user_id = d.pop("user_id")

        recommendation_id = d.pop("recommendation_id")

        cold_start = d.pop("cold_start")

        catalog_version = d.pop("catalog_version")

        context = ServedContext.from_dict(d.pop("context"))

        experiments = []
        _experiments = d.pop("experiments")
        for experiments_item_data in _experiments:
            experiments_item = Assignment.from_dict(experiments_item_data)

            experiments.append(experiments_item)

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = ScoredItem.from_dict(items_item_data)

            items.append(items_item)

        def _parse_model_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model_version = _parse_model_version(d.pop("model_version", UNSET))

        recommendations_response = cls(
            user_id=user_id,
            recommendation_id=recommendation_id,
            cold_start=cold_start,
            catalog_version=catalog_version,
            context=context,
            experiments=experiments,
            items=items,
            model_version=model_version,
        )

        recommendations_response.additional_properties = d
        return recommendations_response

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
