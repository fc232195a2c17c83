"""Every handler module leaves the collector on, init's heap frozen and the first generation collected
less often (mixtape.gc_tuning). Collector state is per process: each handler loads in a fresh one."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mixtape.gc_tuning import GEN0_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
state = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}
print(json.dumps(state))
"""


@pytest.mark.parametrize("function", ["ingest", "profile_update"])
def test_a_handler_module_ends_init_with_a_frozen_heap_and_a_larger_first_generation(function: str):
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "functions" / function / "app.py")],
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
    state = json.loads(done.stdout.strip().splitlines()[-1])
    assert state["enabled"]
    assert state["frozen"] > 10_000
    assert state["threshold"][0] == GEN0_THRESHOLD
