"""What a function's init leaves behind for its requests (cold-start measures in functions/*/app.py).

The garbage collector is process state, so the handler is imported in a fresh interpreter.
"""

from pathlib import Path
from typing import Any

import pytest

from mixtape import gc_tuning
from tests.helpers import fresh_python

ROOT = Path(__file__).resolve().parents[2]


def _import_handler(function: str) -> dict[str, Any]:
    code = f"""
import gc, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", {str(ROOT / "functions" / function / "app.py")!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({{"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(),
                   "threshold": gc.get_threshold()[0], "handler": callable(module.lambda_handler)}}))
"""
    state: dict[str, Any] = fresh_python(code)
    return state


@pytest.mark.parametrize("function", ["recommend", "ingest", "profile_update"])
def test_init_leaves_the_collector_on_with_the_init_heap_frozen(function):
    state = _import_handler(function)
    assert state["handler"]
    assert state["enabled"]  # switched off only while the module loads
    assert state["frozen"] > 10_000  # modules, classes and functions built at init: never scanned again
    assert state["threshold"] == gc_tuning.GEN0_THRESHOLD  # every handler sets the collector the same way
