"""Refreshes that must not run on a request's time: one job at a time per cache, in a daemon thread.

A container's catalog and model caches probe their stores every few seconds (a DynamoDB GetItem, an S3
GET) and rebuild when something changed (decoding and indexing the catalog, aligning the model, an IVF
index: CPU that grows with the catalog). Done inline, one request per interval pays the probe and one per
change pays the rebuild. Here the request that finds a check due starts it in the background and is
answered from what is loaded.

Lambda freezes a container between invocations, and a frozen thread makes no progress: a container that
gets few requests would keep serving stale data while its refresh crawls forward only while an invocation
runs. So a request that finds a refresh running for longer than `join_after_seconds` waits for it to
finish (`BackgroundRefresh.start` says so): busy containers never wait, idle ones pay what an inline
refresh would cost.
"""

import threading
import time
from collections.abc import Callable

from mixtape.runtime.observability import logger


class BackgroundRefresh:
    """Runs `job`s one at a time in a daemon thread named `name`."""

    def __init__(
        self, name: str, join_after_seconds: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._name = name
        self._join_after = join_after_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._started_at = 0.0

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self, job: Callable[[], None]) -> None:
        """Start `job` unless one is running. A job running for longer than `join_after_seconds` is
        waited for instead (see the module docstring); `job` is then not started."""
        with self._lock:
            thread = self._thread
            if thread is None or not thread.is_alive():
                self._thread = threading.Thread(target=self._run, args=(job,), name=self._name, daemon=True)
                self._started_at = self._monotonic()
                self._thread.start()
                return
            overdue = self._monotonic() - self._started_at >= self._join_after
        if overdue:
            thread.join()

    def wait(self, timeout: float | None = None) -> None:
        """Until the running job (if any) is done."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self, job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:  # a refresh that failed keeps what is loaded; the next check tries again
            logger.exception("background refresh failed", extra={"refresh": self._name})
