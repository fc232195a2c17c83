"""`make fuzz`: schemathesis against the local stack, with the OpenAPI document it serves as the contract.

python -m local.fuzz [--examples 25] [--seed 0]

Starts `python -m local.runner` on free ports (with its own issuer directory), mints a service token
(every scope + listeners:any) and runs schemathesis over every operation of GET /v1/openapi.json: every
check, positive and negative data, all phases (examples, coverage, fuzzing, stateful over the document's
links), a fixed seed and a bounded number of examples. Exits with schemathesis' status: 0 only without a
failure. New routes are fuzzed as soon as the document lists them.

What is configured, and why (README, "Development"):
- `unsupported_method` is off: an HTTP API answers a method no route takes with 404 `{"message": "Not
  Found"}`, as `local.http_adapter` does; it never answers 405.
- `local.fuzz_hooks` keeps two rules JSON Schema cannot state true in positive cases (a timestamp at most
  5 minutes ahead of the clock; distinct item ids in one batch).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess  # nosec B404
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from local.jwt_issuer import LocalIssuer

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
STARTUP_TIMEOUT_S = 90.0
# HTTP APIs have no 405 (see the module docstring).
EXCLUDED_CHECKS = ("unsupported_method",)
# An HTTP API gives up on an integration after 30 s (and answers 503): the response time check's limit.
MAX_RESPONSE_S = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/v1/health", timeout=2) as response:  # noqa: S310  # nosec B310
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError):
        return False


@contextmanager
def local_stack(directory: Path) -> Iterator[str]:
    """The local stack on free ports until the block ends; yields its base URL."""
    port, aws_port = _free_port(), _free_port()
    log_path = directory / "runner.log"
    command = [sys.executable, "-m", "local.runner", "--port", str(port), "--aws-port", str(aws_port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MIXTAPE_LOCAL_DIR": str(directory / "local")}
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # nosec B603
            command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                sys.stderr.write(log_path.read_text(encoding="utf-8", errors="replace"))
                raise RuntimeError("the local stack did not become healthy")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def schemathesis_command(base_url: str, token: str, examples: int, seed: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{base_url}/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--exclude-checks",
        ",".join(EXCLUDED_CHECKS),
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        "--generation-database",
        "none",
        "--continue-on-failure",
        "--workers",
        "1",
        "--max-response-time",
        str(MAX_RESPONSE_S),
        "--request-timeout",
        str(MAX_RESPONSE_S + 5),
        "--no-color",
        "--output-truncate",
        "false",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="test cases per operation and phase")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mixtape-fuzz-") as scratch:
        with local_stack(Path(scratch)) as url:
            token = LocalIssuer.of_running_stack(Path(scratch) / "local").service_token()
            env = {**os.environ, "SCHEMATHESIS_HOOKS": "local.fuzz_hooks"}
            command = schemathesis_command(url, token, args.examples, args.seed)
            status = subprocess.run(command, cwd=REPO_ROOT, env=env, check=False).returncode  # nosec B603
        if status != 0:  # the stack's log (tracebacks of 500s) outlives the run
            kept = Path(tempfile.mkstemp(prefix="mixtape-fuzz-stack-", suffix=".log")[1])
            shutil.copyfile(Path(scratch) / "runner.log", kept)
            print(f"local stack log: {kept}", file=sys.stderr)
        return status


if __name__ == "__main__":
    sys.exit(main())
