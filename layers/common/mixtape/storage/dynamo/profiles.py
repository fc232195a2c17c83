"""Profiles in DynamoDB: one item per user (zlib-compressed JSON document + float64 taste vector and
float32 model vector as Binary), written with one PutItem conditional on the version that was read.
An erasure leaves a tombstone (a newer version with only `erased_at`) that expires by TTL.

The heard filter (mixtape.models.heard) is the item's `heard` attribute (Binary), written by the same
conditional PutItem as the document, so the recommend path still reads one item. It bounds itself
(`HeardShape.max_bytes`) well under DynamoDB's 400 KB item limit with the document beside it.

The listener's preferences are the item's `prefs` attribute (JSON). A profile commit replaces the whole
item, so it writes back the preferences it read; a preferences write is an UpdateItem that also moves the
version, so a commit that read the older preferences conflicts and refolds instead of erasing them."""

import json
import zlib
from typing import Any

import numpy as np
from botocore.exceptions import ClientError

from mixtape.errors import StorageUnavailableError
from mixtape.models.heard import HeardFilter
from mixtape.models.preferences import Preferences
from mixtape.models.profile import Profile
from mixtape.storage import clients
from mixtape.storage.ports import VersionConflictError

# DynamoDB bills writes per started KB and reads per started 4 KB. Affinities are stored with float32
# precision (7 significant digits: a float64's further digits are noise that does not compress) and the
# JSON is deflated, so a profile at its size caps stays within one read unit on the recommend path.
DOC_COMPRESSION_LEVEL = 6
SIGNIFICANT_DIGITS = 7
AFFINITY_TABLES = ("items", "artists", "genres", "impressions")
JSON_START = b"{"


def _decode_doc(doc: bytes) -> bytes:
    return doc if doc.startswith(JSON_START) else zlib.decompress(doc)  # profiles written before compression


def profile_from_item(item: dict[str, Any]) -> Profile:
    if "doc" in item:
        profile = Profile.model_validate_json(_decode_doc(item["doc"]["B"]))
    else:  # only preferences were written so far
        profile = Profile(user_id=item["user_id"]["S"])
    profile.version = int(item["version"]["N"])
    if "prefs" in item:
        profile.preferences = Preferences.model_validate_json(item["prefs"]["S"])
    if "taste" in item:
        profile.taste_sum = np.frombuffer(item["taste"]["B"], dtype=np.float64).copy()
    if "uvec" in item:
        profile.user_vector = np.frombuffer(item["uvec"]["B"], dtype=np.float32).copy()
    if "heard" in item:
        profile.heard = HeardFilter.from_bytes(item["heard"]["B"])
    return profile


def _encode_doc(profile: Profile) -> bytes:
    doc = profile.doc()
    for table in AFFINITY_TABLES:
        doc[table] = {k: float(f"{v:.{SIGNIFICANT_DIGITS}g}") for k, v in doc[table].items()}
    return zlib.compress(json.dumps(doc, separators=(",", ":")).encode(), DOC_COMPRESSION_LEVEL)


def profile_to_item(profile: Profile) -> dict[str, Any]:
    item: dict[str, Any] = {
        "user_id": {"S": profile.user_id},
        "version": {"N": str(profile.version)},
        "updated_at": {"N": str(profile.updated_at)},
        "doc": {"B": _encode_doc(profile)},
    }
    if profile.taste_sum is not None:
        item["taste"] = {"B": profile.taste_sum.astype(np.float64).tobytes()}
    if profile.user_vector is not None:
        item["uvec"] = {"B": profile.user_vector.astype(np.float32).tobytes()}
    if profile.heard is not None:
        item["heard"] = {"B": profile.heard.to_bytes()}
    if profile.preferences is not None:
        item["prefs"] = {"S": profile.preferences.model_dump_json()}
    return item


class DynamoProfileStore:
    def __init__(self, profiles_table: str, client: Any = None) -> None:
        self._table = profiles_table
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

    def commit(self, profile: Profile, expected_version: int) -> None:
        put: dict[str, Any] = {"TableName": self._table, "Item": profile_to_item(profile)}
        if expected_version == 0:
            put["ConditionExpression"] = "attribute_not_exists(user_id)"
        else:
            put["ConditionExpression"] = "version = :v"
            put["ExpressionAttributeValues"] = {":v": {"N": str(expected_version)}}
        try:
            self.client.put_item(**put)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "ConditionalCheckFailedException":
                raise VersionConflictError(profile.user_id) from error
            raise StorageUnavailableError(f"profile commit failed: {code}") from error

    def set_preferences(self, user_id: str, preferences: Preferences, now_ms: int) -> None:
        """One UpdateItem, no read: the preferences, a new version (see the module docstring), and no TTL:
        a tombstone given preferences is a listener's data again, kept like a profile."""
        try:
            self.client.update_item(
                TableName=self._table,
                Key={"user_id": {"S": user_id}},
                UpdateExpression="SET prefs = :prefs, version = if_not_exists(version, :zero) + :one, "
                "updated_at = :now REMOVE expires_at",
                ExpressionAttributeValues={
                    ":prefs": {"S": preferences.model_dump_json()},
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                    ":now": {"N": str(now_ms)},
                },
            )
        except ClientError as error:
            raise StorageUnavailableError(
                f"writing preferences failed: {error.response['Error']['Code']}"
            ) from error

    def erase(self, user_id: str, erased_at: int, expires_at_s: int) -> bool:
        tombstone = Profile(user_id=user_id, erased_at=erased_at)
        try:
            response = self.client.update_item(
                TableName=self._table,
                Key={"user_id": {"S": user_id}},
                # A new version, so an update that read the erased profile cannot commit over it.
                UpdateExpression="SET version = if_not_exists(version, :zero) + :one, doc = :doc, "
                "updated_at = :now, expires_at = :ttl REMOVE taste, uvec, heard, prefs",
                ExpressionAttributeValues={
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                    ":doc": {"B": _encode_doc(tombstone)},
                    ":now": {"N": str(erased_at)},
                    ":ttl": {"N": str(expires_at_s)},
                },
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            raise StorageUnavailableError(
                f"erasing profile failed: {error.response['Error']['Code']}"
            ) from error
        old = response.get("Attributes")
        return old is not None and profile_from_item(old).holds_data()
