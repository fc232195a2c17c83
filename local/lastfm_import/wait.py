"""After the last batch is accepted: wait until every event has reached its profile, or say why not."""

from __future__ import annotations

import sys
import time

from local.queues import stack_probe, wait_reporting
from local.template import DEFAULT_TEMPLATE, load_template


def wait_for_profiles(aws_port: int, timeout: float, started: float) -> bool:
    """Wait for the local stack's queues to drain; say whether every accepted event reached its profile
    (the work queues empty, and nothing in their dead-letter queues)."""
    template = load_template(DEFAULT_TEMPLATE)
    sending_done = time.monotonic()
    left, _ = wait_reporting(stack_probe(aws_port, template), timeout, sys.stderr, label="profiles")
    if left.total:
        print(f"profiles: NOT all applied after {timeout:.0f} s ({left.describe()} left)", file=sys.stderr)
        return False
    dead = stack_probe(aws_port, template, dead_letters=True)()
    if dead.total:
        print(f"profiles: NOT all applied: dead-letter queues hold {dead.describe()}", file=sys.stderr)
        return False
    now = time.monotonic()
    print(
        f"  profiles every accepted event applied, {now - started:.1f} s after the start "
        f"({now - sending_done:.1f} s after the last batch was accepted)"
    )
    return True
