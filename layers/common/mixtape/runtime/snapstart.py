"""Lambda SnapStart: what runs before a function version's snapshot, and after each restore from it.

With SnapStart (the template's `SnapStart` parameter) Lambda runs init once per published version, runs
the before-snapshot hooks, takes a snapshot of the process, and starts every later environment of that
version from it, running the after-restore hooks first. Whatever is in memory at the snapshot is shared
by every restored environment:

- `run_before_snapshot` runs the callbacks registered with `before_snapshot`: work that every restored
  environment would otherwise repeat, and that holds nothing specific to one environment (the storage
  clients' botocore data: no client, no credentials, no connection).
- `run_after_restore` reseeds the process-wide random generators from the OS (the state of `random`,
  seeded once at import, is what botocore's retry jitter draws from) and then runs the callbacks
  registered with `after_restore` (the storage clients drop any client made before the snapshot).

`register()` hands both to the runtime's hook API, `snapshot_restore_py`, which Lambda's Python runtimes
(3.12 and later) provide themselves. It is deliberately not a layer requirement: the runtime's bootstrap
reads the hooks from that module, and a pinned copy in the layer (layers come first on `sys.path`) could
drift from what the runtime expects. Outside Lambda no snapshot is ever taken: without the module
`register()` does nothing (the development requirements pin it for the tests), and the cold-start bench
calls `run_before_snapshot()` and `run_after_restore()` itself.
"""

import random
import sys
from collections.abc import Callable

_before_snapshot: list[Callable[[], None]] = []
_after_restore: list[Callable[[], None]] = []
_registered = False


def _add[F: Callable[[], None]](callbacks: list[Callable[[], None]], callback: F) -> F:
    if callback not in callbacks:
        callbacks.append(callback)
    return callback


def before_snapshot[F: Callable[[], None]](callback: F) -> F:
    """Run `callback` before the snapshot is taken (in registration order). A decorator."""
    return _add(_before_snapshot, callback)


def after_restore[F: Callable[[], None]](callback: F) -> F:
    """Run `callback` after each restore (after the reseeding, in registration order). A decorator."""
    return _add(_after_restore, callback)


def reseed() -> None:
    """New seeds from the OS for the process-wide generators. The layer's own randomness uses seeded
    numpy Generators on purpose (reproducible training and index builds): those are left alone."""
    random.seed()
    # Only if something imported it: until then numpy's global generator holds no state to share.
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()


def run_before_snapshot() -> None:
    for callback in _before_snapshot:
        callback()


def run_after_restore() -> None:
    reseed()
    for callback in _after_restore:
        callback()


def register() -> bool:
    """Register `run_before_snapshot` and `run_after_restore` with Lambda's runtime hooks, once per
    process; False where the runtime has none (outside Lambda)."""
    global _registered  # noqa: PLW0603 - one registration per process
    if _registered:
        return True
    try:
        import snapshot_restore_py  # noqa: PLC0415 - only Lambda's runtime has it
    except ImportError:
        return False
    snapshot_restore_py.register_before_snapshot(run_before_snapshot)
    snapshot_restore_py.register_after_restore(run_after_restore)
    _registered = True
    return True
