"""Every curl example in the README works as written against the local stack, with the tokens the README
itself obtains (`TOKEN=$(make -s token ...)`)."""

import re
import subprocess
from pathlib import Path

from tests.e2e.conftest import LocalStack

README = Path(__file__).resolve().parents[2] / "README.md"
DEFAULT_API = "http://127.0.0.1:3000"
DEFAULT_AWS = "http://127.0.0.1:5000"
# `NAME=$(command)`: the README's way of keeping a token for the commands after it.
ASSIGNMENT = re.compile(r"^([A-Z_]+)=\$\((.+)\)$")
PUBLIC_PATHS = ("/v1/health", "/v1/openapi.json", "/v1/docs")


def readme_commands() -> list[str]:
    """The shell commands of the README's bash blocks that talk to the running stack."""
    commands: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.DOTALL):
        current = ""
        for line in block.splitlines():
            if re.match(r"^(curl|sleep|\.venv/bin/python) ", line) or ASSIGNMENT.match(line):
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
    return [
        c
        for c in commands
        if DEFAULT_API in c or DEFAULT_AWS in c or c.startswith("sleep") or ASSIGNMENT.match(c)
    ]


def test_the_readme_has_an_example_for_every_route():
    text = "\n".join(readme_commands())
    for fragment in (
        "/v1/health",
        "-X PUT http://127.0.0.1:3000/v1/items",
        "-X POST http://127.0.0.1:3000/v1/events",
        "/recommendations",
        "/profile",
        "/similar",
        "/v1/trending",
        '"type": "impression"',
        "/v1/openapi.json",
        "-X DELETE",
        "mixtape-local-IngestQueue",
        "/export",
        "-X POST http://127.0.0.1:3000/v1/users/u-alice/rerank",
        "/v1/blend?users=",
        "/preferences",
        "make -s token",
    ):
        assert fragment in text, fragment


def test_every_readme_call_to_a_private_route_carries_a_token():
    calls = [c for c in readme_commands() if c.startswith("curl") and DEFAULT_API in c]
    for command in calls:
        public = any(f"{DEFAULT_API}{path}" in command for path in PUBLIC_PATHS)
        assert public or re.search(r'-H "Authorization: Bearer \$[A-Z_]+"', command), command


def _shell(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`command` as a reader's shell runs it, from the repository root."""
    return subprocess.run(
        command,
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=README.parent,
        env=env,
    )


def test_readme_examples_run_as_written(local_stack: LocalStack):
    env = local_stack.env()  # `make token` signs with this stack's key, not the one of a `make run`
    for command in readme_commands():
        if assignment := ASSIGNMENT.match(command):
            name, inner = assignment.groups()
            result = _shell(inner, env)
            assert result.returncode == 0, (command, result.stdout, result.stderr)
            env[name] = result.stdout.strip()
            assert env[name].count(".") == 2, (command, result.stdout)  # a JWT and nothing else
            continue
        runnable = (
            command.replace(DEFAULT_API, local_stack.base_url)
            .replace(DEFAULT_AWS, local_stack.aws_endpoint)
            .replace("curl -s ", "curl -sS --fail-with-body ")
        )
        result = _shell(runnable, env)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        if "u-alice/recommendations" in command:
            assert '"cold_start":false' in result.stdout, result.stdout
        if "u-carol/recommendations" in command:  # no history yet: her seeds lead the cold-start list
            assert '"reason":"because you picked' in result.stdout, result.stdout
