"""Modules that a function's libraries import at load time but that its own path never uses, loaded only
when something actually reads from them.

Powertools' `event_handler` package imports its AppSync resolvers and its batch utility its async
processor, and both import `asyncio` at the top of the module: ~7 ms of every cold start of the HTTP and
SQS functions (its import after the other libraries'), none of which runs a coroutine.

`defer()` puts a placeholder module in `sys.modules`. `import asyncio` binds it without running asyncio's
code; the first attribute read through it (`asyncio.run`, `from asyncio import ...`, `import *`) imports the
real module and answers from it, and every later import gets the real one. Two differences remain:
attributes *set* on the placeholder do not reach the real module, and importing a submodule
(`import asyncio.events`) while the placeholder stands fails (ModuleNotFoundError) rather than loading the
submodule twice (none of the pinned dependencies does, and `tests/unit/test_cold_start_init.py` checks
that the handlers' init and requests never load asyncio at all). Call `defer()` before the libraries are
imported: the first lines of a handler module.
"""

import importlib
import sys
import threading
import types
from typing import Any

_SWAP = threading.RLock()  # one thread swaps the placeholder for the real module; the others wait


class DeferredModule(types.ModuleType):
    """Stands in for a module in `sys.modules` until one of its attributes is read."""

    def __getattr__(self, attr: str) -> Any:  # only called for names the placeholder does not have
        name = self.__name__
        if attr == "__path__":
            # Not a package while deferred: `from asyncio import run` then reads `run` through here, and
            # `import asyncio.events` fails instead of running asyncio.events a second time beside the
            # copy that the real package's own import would load.
            raise AttributeError(f"{name} is deferred (mixtape.deferred_imports)")
        with _SWAP:
            if sys.modules.get(name) is self:
                del sys.modules[name]
            real = importlib.import_module(name)
        return getattr(real, attr)


def defer(*names: str) -> None:
    """Defer each module in `names` that nobody has imported yet (one already imported stays as it is)."""
    for name in names:
        if name not in sys.modules:
            sys.modules[name] = DeferredModule(name)


def is_loaded(name: str) -> bool:
    """Whether the real module `name` has been imported (not just its placeholder)."""
    module = sys.modules.get(name)
    return module is not None and not isinstance(module, DeferredModule)
