"""Traces carry timings and errors, never payloads: every tracer decorator of every handler module is
called with `capture_response=False`. Powertools' default stores each return value as trace metadata:
a 28 KB recommendation reply (two 32 KB X-Ray subsegments over UDP, ~95 µs per request) and listeners'
ids and histories copied into X-Ray, which the events themselves never are (no `log_event=True`)."""

import ast
from pathlib import Path

import pytest

FUNCTIONS = sorted((Path(__file__).resolve().parents[3] / "functions").glob("*/app.py"))
TRACER_DECORATORS = {"capture_method", "capture_lambda_handler"}


def tracer_decorators(module: Path) -> list[ast.expr]:
    tree = ast.parse(module.read_text())
    return [
        decorator
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for decorator in node.decorator_list
        if (target := decorator.func if isinstance(decorator, ast.Call) else decorator)
        and isinstance(target, ast.Attribute)
        and target.attr in TRACER_DECORATORS
    ]


@pytest.mark.parametrize("module", FUNCTIONS, ids=lambda p: p.parent.name)
def test_no_tracer_decorator_captures_the_response(module: Path):
    decorators = tracer_decorators(module)
    assert decorators, "every handler is traced"
    for decorator in decorators:
        assert isinstance(decorator, ast.Call), ast.unparse(decorator)
        keywords = {k.arg: k.value for k in decorator.keywords}
        value = keywords.get("capture_response")
        assert isinstance(value, ast.Constant), ast.unparse(decorator)
        assert value.value is False, ast.unparse(decorator)
