"""moto (DynamoDB, SQS, S3) in a process of its own, so its request handling never competes with the
functions for one interpreter lock; the runner starts it and it ends with the runner.

python -m local.moto_process --port 5000
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from local.moto_atomic import atomic_dynamodb_requests

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 60.0
_REPO_ROOT = Path(__file__).resolve().parent.parent


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


def start(port: int) -> subprocess.Popen[bytes]:
    """Start moto on 127.0.0.1:`port` in a child process; returns once it accepts connections."""
    ensure_free(port, "AWS_PORT")
    process = subprocess.Popen(  # nosec B603: this interpreter, a module of this repository
        [sys.executable, "-m", "local.moto_process", "--port", str(port)], cwd=_REPO_ROOT
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while not listening(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"moto did not start on port {port} (exit status {process.poll()})")
        time.sleep(0.05)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _exit_with_parent(parent: int) -> None:
    """If the runner dies without stopping us (SIGKILL), do not linger holding the port."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    from moto.server import ThreadedMotoServer  # heavy: only in this process

    parser = argparse.ArgumentParser(prog="python -m local.moto_process", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per SDK call is noise
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    atomic_dynamodb_requests()  # the server handles requests on threads: conditional writes must not race
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
