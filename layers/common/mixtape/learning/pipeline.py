"""The training job: read the applied-events log, learn, publish. Shared by the scheduled trainer
function, `make train` and the evaluation harness, so all three produce the artifact the same way."""

from dataclasses import dataclass

from mixtape.config import EventFoldSettings
from mixtape.learning.history import interactions
from mixtape.learning.training import Interactions, train
from mixtape.models.artifact import ModelArtifact
from mixtape.models.training_params import TrainingParams
from mixtape.runtime.observability import logger
from mixtape.storage.ports import InteractionSource, ModelStore


@dataclass(frozen=True, slots=True)
class TrainingOutcome:
    artifact: ModelArtifact | None
    reason: str


def train_and_publish(
    source: InteractionSource,
    store: ModelStore,
    params: TrainingParams,
    now_ms: int,
    fold: EventFoldSettings,
    min_interactions: int,
) -> TrainingOutcome:
    """Train on every logged event within retention (mixtape.learning.history: each listener's complete
    history, not the profile's strongest items) and make it the live model; skip when there is too little."""
    data = Interactions.from_triples(interactions(source.logged_events(), fold, now_ms))
    if len(data.weight) < min_interactions:
        return TrainingOutcome(None, f"{len(data.weight)} interactions, fewer than {min_interactions}")
    artifact = train(data, params, version=f"v{now_ms}", trained_at_ms=now_ms)
    store.publish(artifact)
    logger.info("model published", extra=artifact.summary())
    return TrainingOutcome(artifact, "published")
