"""mixtape.deferred_imports: a deferred module runs only when read from, once, and then is the real one."""

import importlib
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mixtape.deferred_imports import DeferredModule, defer, is_loaded

MODULE = "mixtape_deferred_probe"


@pytest.fixture
def probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A package whose import appends to a log file (so each execution of its code is counted)."""
    package = tmp_path / MODULE
    package.mkdir()
    log = tmp_path / "executions.log"
    (package / "__init__.py").write_text(
        f"import time\nwith open({str(log)!r}, 'a') as f:\n    f.write('run\\n')\n"
        "time.sleep(0.05)\nVALUE = 42\n"
    )
    (package / "part.py").write_text("PART = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield log
    for name in [m for m in sys.modules if m == MODULE or m.startswith(f"{MODULE}.")]:
        del sys.modules[name]


def executions(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_import_binds_the_placeholder_without_running_the_module(probe):
    defer(MODULE)
    module = importlib.import_module(MODULE)
    assert isinstance(module, DeferredModule)
    assert executions(probe) == 0
    assert not is_loaded(MODULE)


def test_the_first_read_runs_the_module_once_and_later_imports_get_the_real_one(probe):
    defer(MODULE)
    placeholder = importlib.import_module(MODULE)
    assert placeholder.VALUE == 42
    assert placeholder.VALUE == 42  # still answered through the placeholder, not run again
    assert executions(probe) == 1
    assert is_loaded(MODULE)
    real = importlib.import_module(MODULE)
    assert not isinstance(real, DeferredModule)
    assert real.VALUE == 42
    assert executions(probe) == 1


def test_from_import_reads_through_the_placeholder(probe):
    defer(MODULE)
    namespace: dict[str, object] = {}
    exec(f"from {MODULE} import VALUE", namespace)
    assert namespace["VALUE"] == 42
    assert executions(probe) == 1


def test_concurrent_first_reads_run_the_module_once(probe):
    defer(MODULE)
    placeholder = importlib.import_module(MODULE)
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(placeholder.VALUE)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [42] * 8
    assert executions(probe) == 1


def test_a_submodule_import_under_the_placeholder_is_refused_not_run_twice(probe):
    defer(MODULE)
    with pytest.raises(ModuleNotFoundError, match="not a package"):
        importlib.import_module(f"{MODULE}.part")
    assert executions(probe) == 0
    importlib.import_module(MODULE).VALUE  # noqa: B018 - the read loads the package
    assert importlib.import_module(f"{MODULE}.part").PART == 1


def test_a_module_already_imported_is_left_as_it_is(probe):
    real = importlib.import_module(MODULE)
    defer(MODULE)
    assert sys.modules[MODULE] is real
    assert executions(probe) == 1
