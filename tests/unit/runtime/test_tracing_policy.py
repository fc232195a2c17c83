"""The tracing policy (mixtape.runtime.observability).

Traces carry timings and errors, never payloads: every tracer decorator of every handler module is
called with `capture_response=False`. Powertools' default stores each return value as trace metadata: a
recommendation reply (X-Ray subsegments over UDP on every request) and listeners' ids and histories
copied into X-Ray, which the events themselves never are (no `log_event=True`).

Tracing is on where Powertools turns it on, and elsewhere the tracer's provider is a no-op (what that
costs and saves at import is checked in fresh interpreters: tests/process/test_tracing.py)."""

import ast
from pathlib import Path

import pytest

from mixtape.runtime.observability import NoopTracingProvider, tracing_enabled

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


@pytest.mark.parametrize(
    ("environ", "enabled"),
    [
        ({}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "0"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
    ],
)
def test_tracing_follows_powertools_rule(environ, enabled):
    assert tracing_enabled(environ) is enabled


def test_the_noop_provider_accepts_what_the_decorators_send():
    provider = NoopTracingProvider()
    ran = []
    with provider.in_subsegment(name="## handler") as segment:
        segment.put_annotation(key="ColdStart", value=True)
        segment.put_metadata(key="response", value={"a": 1}, namespace="mixtape")
        ran.append(segment)
    provider.patch_all()
    assert ran == [segment]  # the body ran inside the no-op subsegment, and nothing raised
