"""Model artifacts in S3: immutable `models/<version>/model.npz` objects plus the pointer
`models/current.json` naming the live version (see `S3Artifacts`)."""

from mixtape.models.artifact import ModelArtifact
from mixtape.storage.s3.objects import S3Artifacts

POINTER_KEY = "models/current.json"


def artifact_key(version: str) -> str:
    return f"models/{version}/model.npz"


class S3ModelStore(S3Artifacts):
    def current_version(self) -> str | None:
        pointer = self.read_pointer(POINTER_KEY)
        return None if pointer is None else str(pointer["version"])

    def load(self, version: str) -> ModelArtifact:
        return ModelArtifact.from_bytes(self.read(artifact_key(version)))

    def publish(self, artifact: ModelArtifact) -> str:
        key = artifact_key(artifact.version)
        self.write(key, artifact.to_bytes())
        self.write_pointer(POINTER_KEY, {"key": key, **artifact.summary()})
        return key
