"""Profiles in DynamoDB: one item per user (JSON document + float64 taste vector and float32 model vector
as Binary), written in a
transaction that also marks the folded events as applied, conditional on the version that was read."""

import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from botocore.exceptions import ClientError

from mixtape.errors import StorageUnavailableError
from mixtape.models.profile import Profile
from mixtape.storage import clients
from mixtape.storage.base import AlreadyAppliedError, Interaction, VersionConflictError


def profile_from_item(item: dict[str, Any]) -> Profile:
    profile = Profile.model_validate_json(item["doc"]["B"])
    profile.version = int(item["version"]["N"])
    if "taste" in item:
        profile.taste_sum = np.frombuffer(item["taste"]["B"], dtype=np.float64).copy()
    if "uvec" in item:
        profile.user_vector = np.frombuffer(item["uvec"]["B"], dtype=np.float32).copy()
    return profile


def profile_to_item(profile: Profile) -> dict[str, Any]:
    item: dict[str, Any] = {
        "user_id": {"S": profile.user_id},
        "version": {"N": str(profile.version)},
        "updated_at": {"N": str(profile.updated_at)},
        "doc": {"B": json.dumps(profile.doc(), separators=(",", ":")).encode()},
    }
    if profile.taste_sum is not None:
        item["taste"] = {"B": profile.taste_sum.astype(np.float64).tobytes()}
    if profile.user_vector is not None:
        item["uvec"] = {"B": profile.user_vector.astype(np.float32).tobytes()}
    return item


class DynamoProfileStore:
    def __init__(self, profiles_table: str, events_table: str | None = None, client: Any = None) -> None:
        self._table = profiles_table
        self._events_table = events_table
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or clients.dynamodb()

    def get(self, user_id: str, *, consistent: bool = False) -> Profile | None:
        try:
            response = self.client.get_item(
                TableName=self._table, Key={"user_id": {"S": user_id}}, ConsistentRead=consistent
            )
        except ClientError as error:
            raise StorageUnavailableError(
                f"reading profile failed: {error.response['Error']['Code']}"
            ) from error
        item = response.get("Item")
        return profile_from_item(item) if item else None

    def commit(self, profile: Profile, expected_version: int, event_ids: Sequence[str]) -> None:
        if self._events_table is None:
            raise RuntimeError("this profile store is read-only (no events table)")
        put: dict[str, Any] = {"TableName": self._table, "Item": profile_to_item(profile)}
        if expected_version == 0:
            put["ConditionExpression"] = "attribute_not_exists(user_id)"
        else:
            put["ConditionExpression"] = "version = :v"
            put["ExpressionAttributeValues"] = {":v": {"N": str(expected_version)}}
        marks = [
            {
                "Update": {
                    "TableName": self._events_table,
                    "Key": {"user_id": {"S": profile.user_id}, "event_id": {"S": event_id}},
                    # The event must still exist (not erased) and not be folded in already.
                    "ConditionExpression": "attribute_exists(event_id) AND attribute_not_exists(applied_at)",
                    "UpdateExpression": "SET applied_at = :now",
                    "ExpressionAttributeValues": {":now": {"N": str(profile.updated_at)}},
                }
            }
            for event_id in event_ids
        ]
        try:
            self.client.transact_write_items(TransactItems=[{"Put": put}, *marks])
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code != "TransactionCanceledException":
                raise StorageUnavailableError(f"profile commit failed: {code}") from error
            reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
            if not reasons:
                raise VersionConflictError("transaction cancelled without reasons") from error
            done = {
                eid
                for eid, code in zip(event_ids, reasons[1:], strict=False)
                if code == "ConditionalCheckFailed"
            }
            if done:
                raise AlreadyAppliedError(done) from error
            if reasons[0] == "ConditionalCheckFailed" or "TransactionConflict" in reasons:
                raise VersionConflictError(profile.user_id) from error
            raise StorageUnavailableError(f"profile commit cancelled: {reasons}") from error

    def scan_interactions(self, now_ms: int, half_life_ms: float, segments: int = 4) -> Iterator[Interaction]:
        """Every listener's positive item weights as of `now_ms`: the trainer's input. A parallel Scan
        (batch job, not a request path); a table export to S3 feeds the same shape to a Spark job."""
        with ThreadPoolExecutor(max_workers=segments) as pool:
            pages = pool.map(lambda segment: list(self._scan_segment(segment, segments)), range(segments))
            for items in pages:
                for item in items:
                    profile = profile_from_item(item)
                    factor = profile.decay_factor(now_ms, half_life_ms)
                    for item_id, value in profile.items.items():
                        if value > 0:
                            yield profile.user_id, item_id, value * factor

    def _scan_segment(self, segment: int, total: int) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("scan")
        pages = paginator.paginate(
            TableName=self._table,
            Segment=segment,
            TotalSegments=total,
            ProjectionExpression="user_id, version, doc",
        )
        for page in pages:
            yield from page.get("Items", [])

    def delete(self, user_id: str) -> bool:
        response = self.client.delete_item(
            TableName=self._table, Key={"user_id": {"S": user_id}}, ReturnValues="ALL_OLD"
        )
        return "Attributes" in response
