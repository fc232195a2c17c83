"""Checks that need a fresh interpreter (import-time state: the collector, loaded modules, clients made at
init). `make test` runs them; `make unit` skips them (`-m "not process"`)."""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/process/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.process)
