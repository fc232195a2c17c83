"""Every curl example in the README works as written against the local stack."""

import re
import subprocess
from pathlib import Path

from tests.e2e.conftest import LocalStack

README = Path(__file__).resolve().parents[2] / "README.md"
DEFAULT_API = "http://127.0.0.1:3000"
DEFAULT_AWS = "http://127.0.0.1:5000"


def readme_commands() -> list[str]:
    """The shell commands of the README's bash blocks that talk to the running stack."""
    commands: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.DOTALL):
        current = ""
        for line in block.splitlines():
            if re.match(r"^(curl|sleep|\.venv/bin/python) ", line):
                if current:
                    commands.append(current)
                current = line
            elif current and line.startswith(" "):
                current += "\n" + line
            elif current:
                commands.append(current)
                current = ""
        if current:
            commands.append(current)
    return [c for c in commands if DEFAULT_API in c or DEFAULT_AWS in c or c.startswith("sleep")]


def test_the_readme_has_an_example_for_every_route():
    text = "\n".join(readme_commands())
    for fragment in (
        "/v1/health",
        "-X PUT http://127.0.0.1:3000/v1/items",
        "-X POST http://127.0.0.1:3000/v1/events",
        "/recommendations",
        "/profile",
        "/similar",
        "/v1/openapi.json",
        "-X DELETE",
        "mixtape-local-IngestQueue",
    ):
        assert fragment in text, fragment


def test_readme_examples_run_as_written(local_stack: LocalStack):
    for command in readme_commands():
        runnable = (
            command.replace(DEFAULT_API, local_stack.base_url)
            .replace(DEFAULT_AWS, local_stack.aws_endpoint)
            .replace("curl -s ", "curl -sS --fail-with-body ")
        )
        result = subprocess.run(
            runnable, shell=True, capture_output=True, text=True, timeout=60, check=False, cwd=README.parent
        )
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        if "/recommendations" in command:
            assert '"cold_start":false' in result.stdout, result.stdout
