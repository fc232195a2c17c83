"""What a function's init leaves behind, for its requests and for a SnapStart snapshot of it.

Init's effects are process state (the collector, loaded modules, cached clients, registered hooks), so the
handler is imported in a fresh interpreter.
"""

from typing import Any

import pytest

from mixtape.runtime import gc_tuning
from tests.helpers import fresh_python, import_handler


def _import_handler(function: str) -> dict[str, Any]:
    code = f"""
import gc, importlib.util, json, sys
{import_handler(function)}from snapshot_restore_py import get_after_restore, get_before_snapshot
hooks = [f"{{f.__module__}}.{{f.__qualname__}}" for f, _, _ in [*get_before_snapshot(), *get_after_restore()]]
print(json.dumps({{"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(),
                   "threshold": gc.get_threshold()[0], "handler": callable(module.lambda_handler),
                   "hooks": hooks}}))
"""
    state: dict[str, Any] = fresh_python(code)
    return state


@pytest.mark.parametrize("function", ["recommend", "ingest", "profile_update"])
def test_init_leaves_the_collector_on_with_the_init_heap_frozen(function):
    state = _import_handler(function)
    assert state["handler"]
    assert state["enabled"]
    assert state["frozen"] > 10_000  # modules, classes and functions built at init: never scanned again
    assert state["threshold"] == gc_tuning.GEN0_THRESHOLD  # every handler sets the collector the same way


@pytest.mark.parametrize("function", ["recommend", "ingest", "profile_update"])
def test_init_registers_the_snapstart_hooks_with_the_runtime(function):
    # Lambda's runtime runs what snapshot_restore_py holds: before the snapshot, and in every environment
    # restored from it.
    assert _import_handler(function)["hooks"] == [
        "mixtape.runtime.snapstart.run_before_snapshot",
        "mixtape.runtime.snapstart.run_after_restore",
    ]


def _models_built_at_import(function: str) -> list[str]:
    code = f"""
import importlib.util, json, sys
from pydantic import BaseModel
{import_handler(function)}seen, todo = set(), list(BaseModel.__subclasses__())
while todo:
    cls = todo.pop()
    if cls not in seen:
        seen.add(cls)
        todo.extend(cls.__subclasses__())
print(json.dumps(sorted(f"{{c.__module__}}.{{c.__qualname__}}" for c in seen
                        if c.__module__.startswith("mixtape.") and c.__pydantic_complete__)))
"""
    built: list[str] = fresh_python(code)
    return built


# Models whose validator exists right after import: a settings default is an instance (built when the
# class is created), and mixtape.models.profile does not defer.
BUILT_AT_IMPORT = {
    "mixtape.config.events.EventWeights",
    "mixtape.config.events.ProfileLimits",
    "mixtape.config.ranking.RankingWeights",
    "mixtape.config.ranking.RankingIndex",
    "mixtape.config.ranking.TrendingSettings",
    "mixtape.models.training_params.TrainingParams",
    "mixtape.models.heard.HeardShape",
    "mixtape.models.profile.Profile",
    "mixtape.models.profile.RecentItem",
}


@pytest.mark.parametrize("function", ["recommend", "ingest", "profile_update"])
def test_init_builds_no_api_event_or_settings_model(function):
    # defer_build (mixtape.models): each model is built at its first use, so init pays for none of them.
    assert set(_models_built_at_import(function)) <= BUILT_AT_IMPORT


def test_recommend_init_imports_neither_the_event_models_nor_the_training_code():
    # It never validates an event or trains: settings and popularity need only EventType and
    # TrainingParams, which live apart (mixtape.models.event_type, mixtape.models.training_params).
    code = f"""
import importlib.util, json, sys
{import_handler("recommend")}loaded = ("mixtape.models.events", "mixtape.learning.training")
print(json.dumps(sorted(m for m in loaded if m in sys.modules)))
"""
    assert fresh_python(code) == []


@pytest.mark.parametrize("function", ["recommend", "ingest", "profile_update", "catalog_snapshot", "train"])
def test_init_creates_no_aws_client_and_opens_no_connection(function):
    # What SnapStart snapshots is the state after init: a client, a connection, credentials or a loaded
    # catalog in it would be shared by every restored environment. Everything of the kind is made on
    # first use (and the after-restore hooks drop any client that was not).
    code = f"""
import importlib.util, json, socket
opened = []
real_connect = socket.socket.connect
socket.socket.connect = lambda self, address: opened.append(str(address)) or real_connect(self, address)
{import_handler(function)}from mixtape.storage import clients
cached = ("_session", "dynamodb", "sqs", "s3")  # a session would hold resolved credentials
made = [name for name in cached if getattr(clients, name).cache_info().currsize]
print(json.dumps({{"connections": opened, "clients": made, "handler": callable(module.lambda_handler)}}))
"""
    assert fresh_python(code) == {"connections": [], "clients": [], "handler": True}


def test_recommend_init_and_its_per_catalog_structures_load_neither_numpy_random_nor_numpy_ma():
    # Both are import cost on every cold start (numpy.ma is what np.unique imports on its first call):
    # top-k samples with spread_positions, the id lookup checks its hashes with a sort. The IVF builder's
    # k-means still uses numpy.random, imported when an index is built.
    code = f"""
import importlib.util, json, sys
import numpy as np
{import_handler("recommend")}from mixtape.catalog.index import IdLookup
from mixtape.search.select import TopK
picked = TopK(100_000)(np.arange(100_000, dtype=np.float32), 3).tolist()
found = IdLookup({{f"i{{i}}": i for i in range(10_000)}}).find(["i7", "nope"]).tolist()
print(json.dumps({{"picked": picked, "found": found,
                  "loaded": [m for m in ("numpy.random", "numpy.ma") if m in sys.modules]}}))
"""
    assert fresh_python(code) == {"picked": [99_999, 99_998, 99_997], "found": [7, -1], "loaded": []}


def test_reading_settings_does_not_import_pydantic_settings():
    code = (
        "import json, sys\n"
        "from mixtape.config import RecommendSettings\n"
        "RecommendSettings.from_environ({'PROFILES_TABLE': 'p', 'CATALOG_TABLE': 'c'})\n"
        "print(json.dumps('pydantic_settings' in sys.modules))\n"
    )
    assert fresh_python(code) is False
