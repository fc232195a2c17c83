"""botocore's method docstrings rendered when read, without importing its documentation generator at load.

`botocore.client` and `botocore.waiter` import `ClientMethodDocstring`, `PaginatorDocstring` and
`WaiterDocstring` from `botocore.docs.docstring`, whose imports (and those of the `botocore.docs` package)
load botocore's whole documentation generator: ~15 ms of every cold start (import of the recommend handler,
Lambda mode: 213 -> 197 ms, fresh interpreters, alternating). A client only stores those objects as its
methods' `__doc__`; `help()` and IDEs render them, a Lambda function never does.

`install()` registers two stand-ins before botocore is imported:
- `botocore.docs`: the package without its `__init__` (which imports the generator); its submodules still
  load from botocore's own directory (`botocore.handlers` needs `botocore.docs.utils`, a light module);
- `botocore.docs.docstring`: the three classes as `str` subclasses that keep their arguments and, when read
  (`str()`, or `expandtabs()`, which is what `inspect.getdoc` and `help()` call), render through botocore's
  real class, exactly as botocore's own lazy docstrings do.
Reading any other name of either stand-in swaps in the real module (as `mixtape.deferred_imports` does):
code that needs botocore's documentation gets it, a few ms later.
"""

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any, ClassVar, SupportsIndex

PACKAGE = "botocore.docs"
DOCSTRING = "botocore.docs.docstring"
_SWAP = threading.RLock()


def _real(name: str) -> types.ModuleType:
    """The real module `name`: the stand-ins leave `sys.modules` first (the package's submodules loaded
    meanwhile stay, and become attributes of the real package)."""
    with _SWAP:
        for stand_in in (DOCSTRING, PACKAGE):
            if isinstance(sys.modules.get(stand_in), _StandIn):
                del sys.modules[stand_in]
        module = importlib.import_module(name)
        package = importlib.import_module(PACKAGE)
        for loaded, submodule in list(sys.modules.items()):
            if loaded.startswith(f"{PACKAGE}.") and "." not in loaded[len(PACKAGE) + 1 :]:
                setattr(package, loaded.rsplit(".", 1)[1], submodule)
        return module


class _StandIn(types.ModuleType):
    def __getattr__(self, attr: str) -> Any:  # names the stand-in does not have
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(_real(self.__name__), attr)


class _Docstring(str):
    """A botocore lazy docstring: empty until read, then what botocore's class of the same name renders."""

    real_name: ClassVar[str]

    def __new__(cls, *args: Any, **kwargs: Any) -> "_Docstring":
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._args, self._kwargs = args, kwargs

    def _render(self) -> str:
        real = getattr(_real(DOCSTRING), self.real_name)
        return str(real(*self._args, **self._kwargs))

    def __str__(self) -> str:
        return self._render()

    def expandtabs(self, tabsize: SupportsIndex = 8) -> str:
        return self._render().expandtabs(tabsize)


class ClientMethodDocstring(_Docstring):
    real_name = "ClientMethodDocstring"


class PaginatorDocstring(_Docstring):
    real_name = "PaginatorDocstring"


class WaiterDocstring(_Docstring):
    real_name = "WaiterDocstring"


def install() -> None:
    """Register the stand-ins, unless botocore's documentation is already imported (then nothing changes).
    Call it before botocore is imported: the first lines of a handler module."""
    if PACKAGE in sys.modules or DOCSTRING in sys.modules:
        return
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return
    package = _StandIn(PACKAGE)
    package.__path__ = [f"{location}/docs" for location in spec.submodule_search_locations]
    package.__package__ = PACKAGE
    docstring = _StandIn(DOCSTRING)
    docstring.__package__ = PACKAGE
    for cls in (ClientMethodDocstring, PaginatorDocstring, WaiterDocstring):
        setattr(docstring, cls.__name__, cls)
    sys.modules[PACKAGE], sys.modules[DOCSTRING] = package, docstring
