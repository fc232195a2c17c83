"""The local stack (`python -m local.runner`, as `make run` starts it) in a subprocess, once per session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import requests
from mixtape_client import AuthenticatedClient

from local.jwt_issuer import LocalIssuer
from local.template import REGION, load_template, lookup_resources

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 60.0
WAIT_S = 15.0


@dataclass(frozen=True)
class LocalStack:
    base_url: str  # "http://127.0.0.1:<port>": the HTTP API
    aws_endpoint: str  # the moto server holding the stack's tables and queues
    aws_port: int
    table_names: dict[str, str]  # logical id -> table name, e.g. "EventsTable" -> "mixtape-local-EventsTable"
    queue_urls: dict[str, str]  # logical id -> queue URL, e.g. "IngestDeadLetterQueue" -> "http://..."
    log_path: Path  # the runner's combined stdout/stderr
    local_dir: Path  # the stack's MIXTAPE_LOCAL_DIR: its issuer's key, where `make token` finds it

    @cached_property
    def issuer(self) -> LocalIssuer:
        """The issuer this stack's HTTP adapter trusts: sign any token a test needs with it."""
        return LocalIssuer.of_running_stack(self.local_dir)

    @cached_property
    def service_token(self) -> str:
        """Every scope + listeners:any: may act for any listener, as the local tools do."""
        return self.issuer.service_token()

    @cached_property
    def api(self) -> requests.Session:
        """HTTP to the stack with the service token; tests of access control send their own headers."""
        session = requests.Session()
        session.headers["authorization"] = f"Bearer {self.service_token}"
        return session

    @cached_property
    def api_client(self) -> AuthenticatedClient:
        """The generated Python client (clients/python) with the service token: what client teams use."""
        return self.api_client_for(self.service_token)

    def api_client_for(self, token: str) -> AuthenticatedClient:
        return AuthenticatedClient(base_url=self.base_url, token=token, timeout=httpx.Timeout(30.0))

    def env(self) -> dict[str, str]:
        """The environment for commands meant for this stack (`make token`, `python -m local.token`)."""
        return {**os.environ, "MIXTAPE_LOCAL_DIR": str(self.local_dir)}

    def client(self, service: str) -> Any:
        return _aws_client(self.aws_endpoint, service)

    def sqs(self) -> Any:
        return self.client("sqs")

    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def queue_drained(self, logical_id: str) -> bool:
        """No message of the queue is waiting or being handled (delayed ones, not yet due, aside): whatever
        was sent to it has been handled for good, deleted or moved to its DLQ."""
        counts = self.sqs().get_queue_attributes(
            QueueUrl=self.queue_urls[logical_id],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return counts == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def wait_for[T](probe: Callable[[], T | None], timeout: float = WAIT_S) -> T:
    """The probe's first answer other than None (or False), polled until `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result is not None and result is not False:
            return result
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout}s")


def _aws_client(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",  # moto's dummy credentials
        aws_secret_access_key="testing",
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    def output() -> str:
        return log_path.read_text(encoding="utf-8", errors="replace")

    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"local stack exited with {process.returncode}:\n{output()}")
        try:
            with urllib.request.urlopen(f"{base_url}/v1/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass  # not listening yet (HTTPError, a URLError, covers a non-2xx health answer)
        time.sleep(0.2)
    pytest.fail(f"local stack not healthy after {STARTUP_TIMEOUT_S:.0f}s:\n{output()}")


@contextmanager
def running_stack(log_dir: Path) -> Iterator[LocalStack]:
    """`python -m local.runner` on free ports, until the block ends."""
    port, aws_port = _free_port(), _free_port()
    log_path = log_dir / "runner.log"
    local_dir = log_dir / "local"  # its own issuer key: stacks of parallel workers never share one
    command = [sys.executable, "-m", "local.runner", "--host", "127.0.0.1"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--aws-port", str(aws_port)],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            # PYTHONUNBUFFERED: handler logs reach the file as they happen.
            env={**os.environ, "PYTHONUNBUFFERED": "1", "MIXTAPE_LOCAL_DIR": str(local_dir)},
        )
    base_url, aws_endpoint = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{aws_port}"
    try:
        _wait_until_healthy(process, base_url, log_path)
        template = load_template(REPO_ROOT / "template.yaml")
        resources = lookup_resources(_aws_client(aws_endpoint, "sqs"), template)
        yield LocalStack(
            base_url=base_url,
            aws_endpoint=aws_endpoint,
            aws_port=aws_port,
            table_names=resources.table_names,
            queue_urls=resources.queue_urls,
            log_path=log_path,
            local_dir=local_dir,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("local_stack")) as stack:
        yield stack
