"""What a function's init leaves behind for its requests (cold-start measures in functions/*/app.py).

The garbage collector is process state, so the handler is imported in a fresh interpreter.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _import_handler(function: str) -> dict[str, Any]:
    code = f"""
import gc, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", {str(ROOT / "functions" / function / "app.py")!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({{"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(),
                   "handler": callable(module.lambda_handler)}}))
"""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **keep,
            "PYTHONPATH": f"{ROOT / 'layers' / 'common'}{os.pathsep}{ROOT}",
            "POWERTOOLS_SERVICE_NAME": "mixtape",
            "AWS_DEFAULT_REGION": "us-east-1",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_recommend_init_leaves_the_collector_on_with_the_init_heap_frozen():
    state = _import_handler("recommend")
    assert state["handler"]
    assert state["enabled"]  # switched off only while the module loads
    assert state["frozen"] > 10_000  # modules, classes and functions built at init: never scanned again
