"""Print the local stack's moto time per AWS operation (the stack started with MIXTAPE_MOTO_STATS=1).

python -m local.moto_stats --aws-port 5000
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence

import httpx

from local.moto_wsgi import STATS_PATH


def render(table: Mapping[str, Mapping[str, float]]) -> str:
    total_cpu = sum(row["cpu_s"] for row in table.values()) or 1.0
    lines = [
        f"| {'operation':<28} | {'calls':>8} | {'wall s':>8} | {'CPU s':>8} | {'CPU ms/call':>11} "
        "| CPU share |",
        f"|{'-' * 30}|{'-' * 10}:|{'-' * 10}:|{'-' * 10}:|{'-' * 13}:|----------:|",
    ]
    for name, row in table.items():
        per_call = 1000 * row["cpu_s"] / row["calls"] if row["calls"] else 0.0
        lines.append(
            f"| {name:<28} | {row['calls']:>8,} | {row['wall_s']:>8.1f} | {row['cpu_s']:>8.1f} "
            f"| {per_call:>11.2f} | {100 * row['cpu_s'] / total_cpu:>8.1f} % |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.moto_stats", description=__doc__.splitlines()[0])
    parser.add_argument("--aws-port", type=int, default=5000)
    args = parser.parse_args(argv)
    url = f"http://127.0.0.1:{args.aws_port}{STATS_PATH}"
    try:
        reply = httpx.get(url, timeout=10)
        reply.raise_for_status()
        table = json.loads(reply.content)
    except (httpx.HTTPError, ValueError) as error:
        print(f"no moto stats at {url} ({error}): start the stack with MIXTAPE_MOTO_STATS=1", file=sys.stderr)
        return 2
    print(render(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
