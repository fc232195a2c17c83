"""Model artifacts in S3: immutable `models/<version>/model.npz` objects plus a small pointer object
`models/current.json` naming the live version. Publishing writes the artifact first, then the pointer,
so a reader never sees a pointer to a missing artifact; rolling back is rewriting the pointer."""

import json
from typing import Any

from botocore.exceptions import ClientError

from mixtape.errors import StorageUnavailableError
from mixtape.model.artifact import ModelArtifact
from mixtape.storage import clients

POINTER_KEY = "models/current.json"


def artifact_key(version: str) -> str:
    return f"models/{version}/model.npz"


class S3ModelStore:
    def __init__(self, bucket: str, client: Any = None) -> None:
        self._bucket = bucket
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or clients.s3()

    def current_version(self) -> str | None:
        try:
            body = self.client.get_object(Bucket=self._bucket, Key=POINTER_KEY)["Body"].read()
        except ClientError as error:
            if error.response["Error"]["Code"] in {"NoSuchKey", "404"}:
                return None
            raise StorageUnavailableError(f"reading the model pointer failed: {error}") from error
        return str(json.loads(body)["version"])

    def load(self, version: str) -> ModelArtifact:
        try:
            body = self.client.get_object(Bucket=self._bucket, Key=artifact_key(version))["Body"].read()
        except ClientError as error:
            raise StorageUnavailableError(f"reading model {version} failed: {error}") from error
        return ModelArtifact.from_bytes(body)

    def publish(self, artifact: ModelArtifact) -> str:
        key = artifact_key(artifact.version)
        self.client.put_object(Bucket=self._bucket, Key=key, Body=artifact.to_bytes())
        pointer = {"key": key, **artifact.summary()}
        self.client.put_object(
            Bucket=self._bucket,
            Key=POINTER_KEY,
            Body=json.dumps(pointer).encode(),
            ContentType="application/json",
        )
        return key
