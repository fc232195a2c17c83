"""Artifacts in S3 as the model and the catalog snapshot keep them: immutable objects, and a small JSON
pointer naming the live one. Writers put the object first, then the pointer, so a reader never sees a
pointer to a missing object; rolling back is rewriting the pointer."""

import json
from typing import Any

from botocore.exceptions import ClientError

from mixtape.errors import StorageUnavailableError
from mixtape.storage import clients


class S3Artifacts:
    def __init__(self, bucket: str, client: Any = None) -> None:
        self._bucket = bucket
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or clients.s3()

    def read(self, key: str) -> bytes:
        try:
            body: bytes = self.client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as error:
            raise StorageUnavailableError(f"reading s3://{self._bucket}/{key} failed: {error}") from error
        return body

    def read_pointer(self, key: str) -> dict[str, Any] | None:
        """The pointer's JSON, None while there is none."""
        try:
            body = self.client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response["Error"]["Code"] in {"NoSuchKey", "404"}:
                return None
            raise StorageUnavailableError(f"reading s3://{self._bucket}/{key} failed: {error}") from error
        found: dict[str, Any] = json.loads(body)
        return found

    def write(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=self._bucket, Key=key, Body=body)

    def write_pointer(self, key: str, pointer: dict[str, Any]) -> None:
        self.client.put_object(
            Bucket=self._bucket, Key=key, Body=json.dumps(pointer).encode(), ContentType="application/json"
        )
