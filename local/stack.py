"""What the runner and `local.invoke` share: AWS env pointed at moto, the layer on sys.path, handlers."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

import boto3

from local.context import LambdaContext
from local.template import (
    REGION,
    Function,
    LocalResources,
    Resolver,
    Template,
    lookup_resources,
    provision,
    resolved_environment,
)

logger = logging.getLogger(__name__)

Handler = Callable[[Any, LambdaContext], Any]


def setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # botocore announces every client's endpoint and werkzeug (moto) every SDK call: noise at INFO.
    logging.getLogger("botocore").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def aws_endpoint(aws_port: int) -> str:
    return f"http://127.0.0.1:{aws_port}"


def configure_aws_env(aws_port: int) -> None:
    """Point every boto3 client in this process (service code included) at moto, never at real AWS."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": aws_endpoint(aws_port),
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon locally
        }
    )
    # moto's dummy credentials: whatever was set must never reach real AWS from here.
    os.environ.update(AWS_SECRET_ACCESS_KEY="testing")  # noqa: S106  # nosec B106


@dataclass(frozen=True)
class Stack:
    template: Template
    resources: LocalResources


def prepare(template: Template, aws_port: int, *, create: bool) -> Stack:
    """Env for moto, then tables/queues (created, or found on a running stack), then the functions' env."""
    configure_aws_env(aws_port)
    sqs = boto3.client("sqs")
    if create:
        resources = provision(boto3.client("dynamodb"), sqs, template, boto3.client("s3"))
    else:
        resources = lookup_resources(sqs, template)
    # All functions share this process, so it gets the union of their (agreeing) variables.
    os.environ.update(resolved_environment(template, Resolver(template, resources)))
    mount_layers(template)
    return Stack(template, resources)


def mount_layers(template: Template) -> None:
    # Lambda mounts each layer at /opt and puts /opt/python on sys.path; the layer's source dir stands in.
    for layer_dir in reversed(template.layer_dirs):
        if str(layer_dir) not in sys.path:
            sys.path.insert(0, str(layer_dir))


_ONE_EVENT_AT_A_TIME = threading.Lock()


class Invocable(Protocol):
    """A function as the adapter, the pollers and the seed invoke it: one event in, its result out."""

    def invoke(self, event: Any) -> Any: ...


class LocalFunction:
    """One warm execution environment of a function: handles one event at a time, JSON in and out."""

    def __init__(self, function: Function, handler: Handler) -> None:
        self.function = function
        self._handler = handler
        # Handlers keep per-invocation state in globals, which is safe in Lambda because an environment
        # never runs two events at once. Some of it is process-wide, not per function: Powertools keeps the
        # current event on the BaseRouter class, shared by every function's resolver. So one process runs
        # one event at a time, whichever function it is for (`make run WORKERS=N` runs N side by side).
        self._lock = _ONE_EVENT_AT_A_TIME

    def invoke(self, event: Any) -> Any:
        return json.loads(self.invoke_json(json.dumps(event)))

    def invoke_json(self, event: str) -> str:
        """What the Lambda runtime does per invocation: the event's JSON in, the result's JSON out."""
        payload = json.loads(event)
        with self._lock:
            context = LambdaContext.for_function(self.function)
            started = time.monotonic()
            try:
                result = self._handler(payload, context)
            finally:
                elapsed = time.monotonic() - started
                if elapsed > self.function.timeout:
                    logger.warning(
                        "%s took %.1fs, over its %ss timeout (Lambda would have killed it)",
                        self.function.logical_id,
                        elapsed,
                        self.function.timeout,
                    )
        return json.dumps(result)  # as Lambda does: a result that is not JSON is a function error there too


def _module_name(logical_id: str) -> str:
    """Every function's module is called `app`: each is imported under its own name."""
    return f"_mixtape_local_{logical_id}"


def function_module(logical_id: str) -> ModuleType:
    """The module `load_function` imported for this function (its `app`, `dependencies`, ...)."""
    return sys.modules[_module_name(logical_id)]


def load_function(function: Function) -> LocalFunction:
    """Import `<CodeUri>/app.py` under a unique module name."""
    name = _module_name(function.logical_id)
    spec = importlib.util.spec_from_file_location(name, function.module_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {function.module_path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    # Lambda runs from the code directory (/var/task), so sibling modules are importable at load time.
    code_dir = str(function.code_uri)
    sys.path.insert(0, code_dir)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(code_dir)
    handler: Handler = getattr(module, function.handler_name)
    return LocalFunction(function, handler)


def load_functions(template: Template) -> dict[str, LocalFunction]:
    return {lid: load_function(fn) for lid, fn in template.functions.items()}
