"""Per-container model cache: the live version is probed (one small read) at most every few seconds,
and a new artifact is loaded once when the pointer moves, so a retrain reaches warm containers
without a redeploy."""

import time
from collections.abc import Callable

from mixtape.errors import StorageUnavailableError
from mixtape.models.artifact import ModelArtifact
from mixtape.runtime.background import BackgroundRefresh
from mixtape.runtime.observability import logger
from mixtape.storage.ports import ModelStore


class ModelCache:
    """The live model, probed every `check_seconds`. Until one is loaded the probe runs in the request
    (the first request of a container waits for the model, as it must); after that probes and loads run
    in the background (mixtape.runtime.background) and requests keep the loaded model until the new one is
    ready. `on_new_model` listeners get a new model before requests do."""

    def __init__(
        self,
        store: ModelStore,
        check_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        join_after_seconds: float = 30.0,
    ) -> None:
        self._store = store
        self._check_seconds = check_seconds
        self._monotonic = monotonic
        self._model: ModelArtifact | None = None
        self._checked_at: float | None = None
        self._unreadable: str | None = None  # a published version that failed to decode: not fetched again
        self._listeners: list[Callable[[ModelArtifact], None]] = []
        self._refresh = BackgroundRefresh("model-refresh", join_after_seconds, monotonic)

    @property
    def loaded(self) -> ModelArtifact | None:
        return self._model

    def on_new_model(self, listener: Callable[[ModelArtifact], None]) -> None:
        self._listeners.append(listener)

    def get(self) -> ModelArtifact | None:
        now = self._monotonic()
        if self._checked_at is not None and now - self._checked_at < self._check_seconds:
            return self._model
        self._checked_at = now
        if self._model is None:
            self._probe()
        else:
            self._refresh.start(self._probe)
        return self._model

    def wait(self) -> None:
        """Until a running background probe is done (tests, benchmarks)."""
        self._refresh.wait()

    def refresh(self) -> None:
        """Probe now, in this thread (after any background probe): for a harness that has just published a
        model and must be served by it on its next request (evaluation.served)."""
        self._refresh.wait()
        self._checked_at = self._monotonic()
        self._probe()

    def _probe(self) -> None:
        model = self._fetch_new()
        if model is not None:
            for listener in self._listeners:  # outside _fetch_new: a listener's error is not the model's
                listener(model)
            self._model = model
            logger.info("model loaded", extra=model.summary())

    def _fetch_new(self) -> ModelArtifact | None:
        """The published model if it is new and readable, else None (problems logged)."""
        version = None
        try:
            version = self._store.current_version()
            current = self._model is not None and self._model.version == version
            if version is not None and not current and version != self._unreadable:
                return self._store.load(version)
        except StorageUnavailableError as error:
            # S3 trouble must not fail requests or profile updates: keep the model we have (or none:
            # rank without it, fold without it) and look again at the next interval.
            logger.warning("model probe failed", extra={"error": str(error)})
        except ValueError as error:  # e.g. a newer format, or a damaged object: the same, but once
            self._unreadable = version
            logger.error(
                "model unreadable, keeping the one loaded", extra={"version": version, "error": str(error)}
            )
        return None
