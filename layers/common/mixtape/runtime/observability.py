"""Logger, tracer and metrics shared by every function (service name and namespace from POWERTOOLS_*).

Tracing costs as little cold start as it can:

- In Lambda (`Tracing: Active`), the X-Ray SDK records a subsegment per handler and per
  `@tracer.capture_method`, and botocore is patched so every DynamoDB and SQS call is a subsegment. Only
  botocore: Powertools' default `patch_all` also imports and patches sqlite3, httplib, requests…, init
  work for calls this service never makes (botocore's own connections are skipped by the httplib patch).
- Where Powertools disables tracing anyway (outside Lambda, SAM/Chalice local, POWERTOOLS_TRACE_DISABLED),
  the tracer gets a no-op provider. Powertools would otherwise import the X-Ray SDK regardless, and its
  recorder builds two botocore clients for centralised sampling, on every local start and test run.
- Every tracer decorator passes `capture_response=False`: traces hold timings and errors, not payloads
  (a recommendation reply is listener data, and serialising it into the trace costs every request).
"""

import os
import warnings
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

# X-Ray SDK module names (aws_xray_sdk.core.patcher.SUPPORTED_MODULES) that Tracer patches in Lambda.
PATCHED_MODULES = ("botocore",)
_TRUTHY = frozenset({"1", "true", "t", "yes", "y", "on"})


def tracing_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Powertools' own rule (`Tracer._is_tracer_disabled`): on inside Lambda, unless disabled by
    POWERTOOLS_TRACE_DISABLED or running under SAM CLI / Chalice local emulation."""
    if environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUTHY:
        return False
    emulated = environ.get("AWS_SAM_LOCAL") or environ.get("AWS_CHALICE_CLI_MODE")
    return bool(environ.get("LAMBDA_TASK_ROOT")) and not emulated


class _NoopSegment(BaseSegment):
    def close(self, end_time: int | None = None) -> None:
        return None

    def add_subsegment(self, subsegment: Any) -> None:
        return None

    def remove_subsegment(self, subsegment: Any) -> None:
        return None

    def put_annotation(self, key: str, value: Any) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def add_exception(self, exception: BaseException, stack: list[Any], remote: bool = False) -> None:
        return None


class NoopTracingProvider(BaseProvider):
    """What the decorators talk to when tracing is off: every call succeeds and records nothing."""

    _segment = _NoopSegment()

    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Iterator[BaseSegment]:
        yield self._segment

    @asynccontextmanager
    async def in_subsegment_async(self, name: str | None = None, **kwargs: Any) -> AsyncIterator[BaseSegment]:
        yield self._segment

    def put_annotation(self, key: str, value: Any) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def patch(self, modules: Sequence[str]) -> None:
        return None

    def patch_all(self) -> None:
        return None


def create_tracer(environ: Mapping[str, str] = os.environ) -> Tracer:
    if tracing_enabled(environ):
        return Tracer(patch_modules=PATCHED_MODULES)
    return Tracer(disabled=True, auto_patch=False, provider=NoopTracingProvider())


logger = Logger()
tracer = create_tracer()
metrics = Metrics()

# Read-only routes publish no application metric on most calls; Powertools warns on each such flush.
warnings.filterwarnings("ignore", message="No application metrics to publish")
