"""Cold start of each handler: fresh interpreters, several repetitions, medians per phase.

    .venv/bin/python -m bench.cold_start                 # both modes, 7 repetitions, Markdown tables
    .venv/bin/python -m bench.cold_start --json          # the same as one JSON document (for reports/)
    .venv/bin/python -m bench.cold_start --root /tmp/a --root /tmp/b   # compare trees, interleaved
    .venv/bin/python -m bench.cold_start --env-variant PYDANTIC_DISABLE_PLUGINS=__all__  # with and without

Each repetition spawns one interpreter per (tree, mode, function), interleaved so that machine noise hits
every variant alike; `bench/_cold_start_child.py` measures the phases inside it, the tree's own copy when it
has one (the child fills the tree's in-memory stores, whose constructors change with the tree).
Environment: the function's own variables from template.yaml (Globals merged, Refs resolved to dummy
names), dummy credentials, and an endpoint nobody listens on (clients are built, never used: no network).

Modes:
- `lambda`: what a deployed function sees (`LAMBDA_TASK_ROOT` and an `_X_AMZN_TRACE_ID` header are set):
  Powertools enables tracing, the X-Ray SDK patches botocore and records subsegments (emitted over UDP to
  127.0.0.1:2000, where nothing listens).
- `local`: the tests and `make run` (no Lambda variables): Powertools disables tracing.

Not measured: loading the learned model (MODELS_BUCKET is blanked: it is an S3 read). Measured but not
counted: `catalog_scan`, the catalog's read from DynamoDB minus the network, and `catalog_snapshot`, the
same read from the catalog's S3 snapshot (see the child).

`cold_start` = imports + clients + catalog_load + first_request, summed per run, then the median. The
interpreter's own start (`startup`) is reported but not counted: Lambda's runtime start differs.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ("ingest", "profile_update", "recommend")
MODES = ("lambda", "local")
PHASES = ("startup", "imports", "clients", "catalog_load", "first_request", "second_request")
COLD_PHASES = ("imports", "clients", "catalog_load", "first_request")
# Reported apart from the cold start (0 where the function has none, or the tree's child predates it).
APART = ("catalog_scan", "cpu_catalog_scan", "catalog_snapshot", "cpu_catalog_snapshot")
FIELDS = (*PHASES, *(f"cpu_{p}" for p in PHASES), "bytecode_compile", *APART)
RESULT_PREFIX = "COLD_START_RESULT "  # the child's result line (see bench/_cold_start_child.py)
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
NO_ENDPOINT = "http://127.0.0.1:9"  # discard port: a client that did call out would fail, not hang
DEFAULT_CATALOG_ITEMS = 10_000
SQS_ENDPOINT = "https://sqs.us-east-1.amazonaws.com"


def template_environment(root: Path, function: str) -> dict[str, str]:
    """The function's environment as template.yaml declares it, Refs resolved to bench names."""
    from local.template import LocalResources, Resolver, load_template  # noqa: PLC0415 - only the parent

    template = load_template(root / "template.yaml")
    matches = [f for f in template.functions.values() if f.code_uri.name == function]
    if len(matches) != 1:
        raise ValueError(f"no single function with CodeUri functions/{function}/ in the template")
    queues = {lid: f"mixtape-bench-{lid}" for lid in template.queues}
    resources = LocalResources(
        table_names={lid: f"mixtape-bench-{lid}" for lid in template.tables},
        queue_urls={lid: f"{SQS_ENDPOINT}/123456789012/{n}" for lid, n in queues.items()},
        queue_arns={lid: f"arn:aws:sqs:us-east-1:123456789012:{n}" for lid, n in queues.items()},
    )
    return Resolver(template, resources).environment(matches[0])


def child_root(root: Path) -> Path:
    """Where the measuring child comes from: the measured tree, or this checkout if the tree has none."""
    return root if (root / "bench" / "_cold_start_child.py").is_file() else ROOT


def child_environment(root: Path, function: str, mode: str) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(template_environment(root, function))
    env.update(
        PYTHONPATH=os.pathsep.join([str(root / "layers" / "common"), str(child_root(root))]),
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - a dummy for client construction
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL=NO_ENDPOINT,
        AWS_EC2_METADATA_DISABLED="true",
        # No learned model: loading one is an S3 read (network). The bench measures the service without
        # it (the ranker falls back to the content-based score).
        MODELS_BUCKET="",
    )
    if mode == "lambda":
        env.update(
            LAMBDA_TASK_ROOT=str(root / "functions" / function),
            AWS_LAMBDA_FUNCTION_NAME=f"mixtape-bench-{function}",
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1024",
            AWS_EXECUTION_ENV="AWS_Lambda_python3.13",
            _X_AMZN_TRACE_ID=TRACE_HEADER,
            AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:2000",
            AWS_XRAY_CONTEXT_MISSING="LOG_ERROR",
        )
    elif mode != "local":
        raise ValueError(f"unknown mode {mode!r}")
    return env


def parse_result(stdout: str) -> dict[str, float]:
    """The phases of one run: the last `COLD_START_RESULT {json}` line of the child's output."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            raw = json.loads(line.removeprefix(RESULT_PREFIX))
            missing = [f for f in FIELDS if f not in raw and f not in APART]
            if missing:
                raise ValueError(f"cold-start result lacks {missing}")
            return {f: float(raw.get(f, 0.0)) for f in FIELDS}
    raise ValueError("no cold-start result line in the child's output")


@dataclass(frozen=True)
class Tree:
    """A source tree to measure, optionally with extra environment variables (e.g. a runtime setting)."""

    root: Path
    env: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in self.env)
        return f"{self.root} [{extra}]" if extra else str(self.root)


def parse_env(text: str) -> tuple[tuple[str, str], ...]:
    """`"A=1,B=x"` → `(("A", "1"), ("B", "x"))`."""
    pairs = [item.split("=", 1) for item in text.split(",") if item]
    if any(len(pair) != 2 or not pair[0] for pair in pairs):
        raise ValueError(f"expected KEY=VALUE[,KEY=VALUE...], got {text!r}")
    return tuple((k, v) for k, v in pairs)


def run_once(tree: Tree | Path, mode: str, function: str, catalog_items: int) -> dict[str, float]:
    tree = tree if isinstance(tree, Tree) else Tree(tree)
    root = tree.root
    env = child_environment(root, function, mode)
    env.update(tree.env)
    child = [sys.executable, "-m", "bench._cold_start_child", str(root), function, str(catalog_items)]
    env["BENCH_SPAWN_NS"] = str(time.time_ns())
    # `-m` puts the working directory first on sys.path: run where the child should come from.
    done = subprocess.run(  # noqa: S603
        child, env=env, cwd=child_root(root), capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{function} ({mode}) failed:\n{done.stderr[-4000:]}")
    return parse_result(done.stdout)


def summarize(samples: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Median of each field, and the median of the per-run cold start (not the sum of medians)."""
    summary = {f: statistics.median(s[f] for s in samples) for f in FIELDS}
    summary["cold_start"] = statistics.median(sum(s[p] for p in COLD_PHASES) for s in samples)
    summary["cpu_cold_start"] = statistics.median(sum(s[f"cpu_{p}"] for p in COLD_PHASES) for s in samples)
    return summary


def measure(
    trees: Sequence[Tree | Path],
    modes: Iterable[str],
    functions: Iterable[str],
    repeat: int,
    catalog_items: int,
    progress: bool = False,
) -> dict[str, Any]:
    known = [t if isinstance(t, Tree) else Tree(t) for t in trees]
    variants = [(tree, mode, f) for tree in known for mode in modes for f in functions]
    samples: dict[tuple[Tree, str, str], list[dict[str, float]]] = {v: [] for v in variants}
    for variant in variants:  # discarded: writes bytecode caches, warms the page cache
        run_once(*variant, catalog_items)
    for rep in range(repeat):
        for variant in variants:
            samples[variant].append(run_once(*variant, catalog_items))
        if progress:
            print(f"  repetition {rep + 1}/{repeat} done", file=sys.stderr)
    results: dict[str, Any] = {}
    for (tree, mode, function), runs in samples.items():
        results.setdefault(tree.label, {}).setdefault(mode, {})[function] = summarize(runs)
    return {
        "benchmark": "cold_start",
        "unit": "ms (median)",
        "repeat": repeat,
        "catalog_items": catalog_items,
        "python": sys.version.split()[0],
        "machine": os.uname().machine,
        "cpus": os.cpu_count(),
        "load_average_1m_at_end": os.getloadavg()[0],  # other work on the machine inflates wall times
        "cold_start_phases": list(COLD_PHASES),
        "results": results,
    }


TABLE_COLUMNS = (
    *PHASES,
    "cold_start",
    "cpu_cold_start",
    "catalog_scan",
    "catalog_snapshot",
    "bytecode_compile",
)


def markdown(report: Mapping[str, Any]) -> str:
    lines = []
    for label, modes in report["results"].items():
        for mode, functions in modes.items():
            lines += [
                f"\n**{mode}** mode, tree `{label}` (median of {report['repeat']} runs, ms)\n",
                "| function | " + " | ".join(TABLE_COLUMNS) + " |",
                "|---|" + "---:|" * len(TABLE_COLUMNS),
            ]
            for function, s in functions.items():
                cells = " | ".join(f"{s[c]:.1f}" for c in TABLE_COLUMNS)
                lines.append(f"| {function} | {cells} |")
    lines += [
        f"\ncold_start = {' + '.join(COLD_PHASES)} (wall, per run, then the median);",
        "cpu_cold_start: the same in CPU time. catalog_scan: reading the catalog from DynamoDB without the",
        "network (requests answered in-process), which catalog_load (in-memory store) leaves out and a real",
        "first request pays on top; catalog_snapshot: the same read from the catalog's S3 snapshot while it",
        "is current (requests answered in-process). bytecode_compile: CPU to compile the loaded non-stdlib",
        "modules from source, paid on top of cold_start by a deployment without valid .pyc files",
        "(see bench/_cold_start_child.py).",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both")
    parser.add_argument("--function", choices=FUNCTIONS, action="append", dest="functions")
    parser.add_argument(
        "--root", type=Path, action="append", dest="roots", help="measure these trees (default: this one)"
    )
    parser.add_argument(
        "--env-variant",
        type=parse_env,
        action="append",
        default=[],
        help="also measure each tree with these variables: KEY=VALUE[,KEY=VALUE]",
    )
    parser.add_argument("--catalog-items", type=int, default=DEFAULT_CATALOG_ITEMS)
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    args = parser.parse_args(argv)
    roots = [r.resolve() for r in args.roots] if args.roots else [ROOT]
    trees = [Tree(root, env) for root in roots for env in ((), *args.env_variant)]
    modes = MODES if args.mode == "both" else (args.mode,)
    report = measure(
        trees, modes, args.functions or FUNCTIONS, args.repeat, args.catalog_items, progress=not args.json
    )
    print(json.dumps(report, indent=2) if args.json else markdown(report))
    return report


if __name__ == "__main__":
    main()
