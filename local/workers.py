"""Execution environments in worker processes, so invocations run side by side as they do on Lambda.

Each worker process is one warm environment for every function of the template: it imports each
`app.py` once (module state lives as long as the process, as in a warm container) and handles one event
at a time. The pool hands an invocation to an idle worker, or waits for one (as a function at its
concurrency limit would throttle, without the error). Processes, not threads: a handler keeps
per-invocation state on module globals, and the interpreter lock would serialise them anyway.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from local.stack import load_functions, mount_layers, setup_logging
from local.template import load_template

logger = logging.getLogger(__name__)

_OK, _FAILED = "ok", "failed"


class FunctionError(RuntimeError):
    """The handler raised: Lambda reports a function error (the adapter answers 502, a poller retries)."""


def _serve(conn: Connection, template_path: Path) -> None:
    """A worker's life: import the heavy libraries while the runner starts moto and creates the tables,
    take the functions' environment (known only then), load every function, say so, then one invocation
    at a time until the pipe closes."""
    import boto3  # noqa: F401  # warm-up only, see the docstring
    import numpy  # noqa: F401
    import pydantic  # noqa: F401

    setup_logging()
    try:
        environment = conn.recv()
    except (EOFError, KeyboardInterrupt):
        return
    os.environ.update(environment)
    template = load_template(template_path)
    mount_layers(template)
    functions = load_functions(template)
    conn.send(_OK)
    while True:
        try:
            function_id, event = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return  # the runner is gone or stopping
        try:
            reply = (_OK, functions[function_id].invoke_json(event))
        except Exception:
            logging.getLogger(function_id).exception("%s raised", function_id)
            reply = (_FAILED, traceback.format_exc(limit=3))
        conn.send(reply)


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection


class WorkerPool:
    """`size` worker processes; `function(logical_id)` gives what the adapter and pollers invoke."""

    def __init__(self, template_path: Path, size: int) -> None:
        """Spawn the workers; they are ready for `load` (which waits for them) a few seconds later."""
        context = multiprocessing.get_context("spawn")  # a clean interpreter: no threads or clients forked
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: list[_Worker] = []
        for index in range(size):
            parent, child = context.Pipe()
            process = context.Process(
                target=_serve, args=(child, template_path), name=f"lambda-env-{index}", daemon=True
            )
            process.start()
            child.close()
            self._workers.append(_Worker(process, parent))

    def load(self, environment: dict[str, str]) -> None:
        """Hand every worker the functions' environment, then wait until all have loaded the functions."""
        for worker in self._workers:
            worker.conn.send(environment)
        for worker in self._workers:  # loaded in parallel; wait for all
            if worker.conn.recv() != _OK:
                raise RuntimeError(f"{worker.process.name} failed to load the functions")
            self._idle.put(worker)

    @property
    def size(self) -> int:
        return len(self._workers)

    def invoke_json(self, function_id: str, event: str) -> str:
        worker = self._idle.get()
        try:
            worker.conn.send((function_id, event))
            status, payload = worker.conn.recv()
        except (EOFError, OSError) as exc:  # the process died: the pool goes on without it
            logger.exception("%s is gone (exit status %s)", worker.process.name, worker.process.exitcode)
            raise FunctionError(f"{function_id}: its execution environment died") from exc
        self._idle.put(worker)
        if status != _OK:
            raise FunctionError(f"{function_id} failed:\n{payload}")
        return str(payload)

    def function(self, function_id: str) -> PooledFunction:
        return PooledFunction(self, function_id)

    def close(self) -> None:
        for worker in self._workers:
            worker.conn.close()
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.terminate()


@dataclass(frozen=True)
class PooledFunction:
    """One function, invoked in whichever worker is free: the same interface as `LocalFunction`."""

    pool: WorkerPool
    function_id: str

    def invoke_json(self, event: str) -> str:
        return self.pool.invoke_json(self.function_id, event)

    def invoke(self, event: Any) -> Any:
        return json.loads(self.invoke_json(json.dumps(event)))
