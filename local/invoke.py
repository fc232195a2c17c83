"""`make invoke`: run one function's handler once with an event file, against the running local stack.

python -m local.invoke IngestFunction events/post_events.json --aws-port 5000
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from tqdm import tqdm

from local.queues import require_drained
from local.stack import Invocable, aws_endpoint, load_function, prepare, setup_logging
from local.template import DEFAULT_TEMPLATE, load_template


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=__doc__.splitlines()[0])
    parser.add_argument("function", help="logical id in template.yaml, e.g. RecommendFunction")
    parser.add_argument("event", type=Path, help="JSON event file, e.g. events/get_recommendations.json")
    parser.add_argument("--aws-port", type=int, default=5000, help="port of the running stack's moto server")
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument(
        "--after-drain",
        type=float,
        metavar="S",
        help="first wait up to S seconds for the stack's queues to drain, and refuse if they do not "
        "(`make train`: a model learned while profile updates are queued learns from partial profiles)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    setup_logging()
    template = load_template(args.template)
    if args.function not in template.functions:
        raise SystemExit(f"unknown function {args.function!r}; the template has {sorted(template.functions)}")
    event = json.loads(args.event.read_text(encoding="utf-8"))

    not_running = f"no local stack at {aws_endpoint(args.aws_port)}: start it with `make run` first"
    try:  # fail fast instead of waiting out botocore's connection retries
        socket.create_connection(("127.0.0.1", args.aws_port), timeout=1).close()
    except OSError as exc:
        raise SystemExit(not_running) from exc
    try:
        prepare(template, args.aws_port, create=False)
    except ClientError as exc:  # something listens there, but without this stack's queues
        raise SystemExit(f"{not_running} ({exc})") from exc

    if args.after_drain is not None:
        require_drained(args.aws_port, template, args.after_drain, args.function)
    result = invoke_showing_time(load_function(template.functions[args.function]), event, args.function)
    print(json.dumps(result, indent=2))


def invoke_showing_time(function: Invocable, event: Any, label: str) -> Any:
    """Invoke, with a bar of the seconds so far on a terminal (a training runs for minutes and its
    handler reports no progress of its own)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = function.invoke(event)
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=run, name="invoke", daemon=True)
    with tqdm(desc=label, unit="s", file=sys.stderr, disable=None, bar_format="{desc}: {elapsed}") as bar:
        worker.start()
        while worker.is_alive():
            worker.join(timeout=1.0)
            bar.update(1)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


if __name__ == "__main__":
    main()
