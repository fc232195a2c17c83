"""moto (DynamoDB, SQS, S3) in a process of its own, so its request handling never competes with the
functions for one interpreter lock; the runner starts it and it ends with the runner."""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
import time
from multiprocessing.process import BaseProcess

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 60.0


class PortInUseError(SystemExit):
    """A port the stack needs is taken: one line naming the make variable that moves it."""

    def __init__(self, port: int, variable: str) -> None:
        super().__init__(f"port {port} is in use: pick another with `make run {variable}=<port>`")


def ensure_free(port: int, variable: str, host: str = "127.0.0.1") -> None:
    """Fail at once, before anything starts, when `port` is taken (`variable` names the setting)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind: TIME_WAIT is fine
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortInUseError(port, variable) from exc


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def start(port: int) -> BaseProcess:
    """Start moto on 127.0.0.1:`port` in a child process; returns once it accepts connections."""
    ensure_free(port, "AWS_PORT")
    context = multiprocessing.get_context("spawn")  # a clean interpreter: nothing of this one's state
    process = context.Process(target=_serve, args=(port,), name="moto", daemon=True)
    process.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not listening(port):
        if not process.is_alive() or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"moto did not start on port {port} (exit status {process.exitcode})")
        time.sleep(0.05)
    return process


def stop(process: BaseProcess) -> None:
    process.terminate()
    process.join(timeout=10)
    if process.is_alive():
        process.kill()


def _exit_with_parent(parent: int) -> None:
    """If the runner dies without stopping us (SIGKILL), do not linger holding the port."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _serve(port: int) -> None:
    from local.moto_wsgi import moto_server  # heavy (moto): only in this process

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per SDK call is noise
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    server = moto_server("127.0.0.1", port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()
