"""Cold start of each handler, without and with SnapStart: fresh interpreters, repetitions, medians.

    .venv/bin/python -m bench.cold_start                 # both modes, 7 repetitions, Markdown tables
    .venv/bin/python -m bench.cold_start --json          # the same as one JSON document (for reports/)
    .venv/bin/python -m bench.cold_start --mode lambda --function recommend --repeat 15

Each repetition spawns one interpreter per variant (mode, function, SnapStart off or on), in turn, so
that machine noise hits every variant alike; `bench/_cold_start_child.py` measures the phases inside it.
Environment: the function's own variables from template.yaml (Globals merged, Refs resolved to dummy
names), dummy credentials, and an endpoint nobody listens on (clients are built, never used: no network).

Modes:
- `lambda`: what a deployed function sees (`LAMBDA_TASK_ROOT` and an `_X_AMZN_TRACE_ID` header are set):
  Powertools enables tracing, the X-Ray SDK patches botocore and records subsegments (emitted over UDP to
  127.0.0.1:2000, where nothing listens).
- `local`: the tests and `make run` (no Lambda variables): Powertools disables tracing.

Two cold starts per function:
- `cold_start` (SnapStart off): init (`imports`) + clients + dependencies + catalog_load + first_request.
- `snapstart_cold_start` (SnapStart on, `lambda` mode only: its own runs): init and the before-snapshot
  hooks (`snapshot`) ran when the version was published and are in the snapshot; a restored environment
  runs the after-restore hooks (`restore`), then the same first-request phases. Lambda's own restore of
  the snapshot (loading its memory) is not measurable here and not included.
Each is summed per run, then the median is taken. The interpreter's own start (`startup`) is reported but
not counted: Lambda's runtime start differs.

Not measured: loading the learned model (MODELS_BUCKET is blanked: it is an S3 read). Measured apart, not
counted: `catalog_scan`, the catalog's read from DynamoDB minus the network, and `catalog_snapshot`, the
same read from the catalog's S3 snapshot (see the child).
"""

import argparse
import json
import os
import statistics
import subprocess  # nosec B404
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench import output

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ("ingest", "profile_update", "recommend")
MODES = ("lambda", "local")
PHASES = (
    "startup",
    "imports",
    "snapshot",
    "restore",
    "clients",
    "dependencies",
    "catalog_load",
    "first_request",
    "second_request",
)
FIRST_REQUEST_PHASES = ("clients", "dependencies", "catalog_load", "first_request")
COLD_PHASES = ("imports", *FIRST_REQUEST_PHASES)  # SnapStart off: init, then the first request
SNAPSTART_PHASES = ("restore", *FIRST_REQUEST_PHASES)  # SnapStart on: the hooks, then the first request
APART = ("catalog_scan", "cpu_catalog_scan", "catalog_snapshot", "cpu_catalog_snapshot")
FIELDS = (*PHASES, *(f"cpu_{p}" for p in PHASES), "bytecode_compile", *APART)
RESULT_PREFIX = "COLD_START_RESULT "  # the child's result line (see bench/_cold_start_child.py)
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
NO_ENDPOINT = "http://127.0.0.1:9"  # discard port: a client that did call out would fail, not hang
DEFAULT_CATALOG_ITEMS = 10_000
SQS_ENDPOINT = "https://sqs.us-east-1.amazonaws.com"


def template_environment(function: str) -> dict[str, str]:
    """The function's environment as template.yaml declares it, Refs resolved to bench names."""
    from local.template import LocalResources, Resolver, load_template  # noqa: PLC0415 - only the parent

    template = load_template(ROOT / "template.yaml")
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


def child_environment(function: str, mode: str) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(template_environment(function))
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT / "layers" / "common"), str(ROOT)]),
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - a dummy for client construction  # nosec B106
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
            LAMBDA_TASK_ROOT=str(ROOT / "functions" / function),
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
            missing = [f for f in FIELDS if f not in raw]
            if missing:
                raise ValueError(f"cold-start result lacks {missing}")
            return {f: float(raw[f]) for f in FIELDS}
    raise ValueError("no cold-start result line in the child's output")


def run_once(mode: str, function: str, snapstart: bool, catalog_items: int) -> dict[str, float]:
    env = child_environment(function, mode)
    child = [sys.executable, "-m", "bench._cold_start_child", str(ROOT), function, str(catalog_items)]
    if snapstart:
        child.append("snapstart")
    env["BENCH_SPAWN_NS"] = str(time.time_ns())
    done = subprocess.run(  # noqa: S603  # nosec B603
        child, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{function} ({mode}, SnapStart {snapstart}) failed:\n{done.stderr[-4000:]}")
    return parse_result(done.stdout)


def summarize(samples: Sequence[Mapping[str, float]], counted: Sequence[str]) -> dict[str, float]:
    """Median of each field, and of the per-run cold start: the sum of the `counted` phases in each run
    (not the sum of their medians)."""
    summary = {f: statistics.median(s[f] for s in samples) for f in FIELDS}
    summary["cold_start"] = statistics.median(sum(s[p] for p in counted) for s in samples)
    summary["cpu_cold_start"] = statistics.median(sum(s[f"cpu_{p}"] for p in counted) for s in samples)
    return summary


def function_summary(
    without: Sequence[Mapping[str, float]], with_snapstart: Sequence[Mapping[str, float]]
) -> dict[str, Any]:
    """A function's phases without SnapStart and its two cold starts; the SnapStart runs' own phases
    under `snapstart` (where there are any)."""
    summary: dict[str, Any] = summarize(without, COLD_PHASES)
    if with_snapstart:
        restored = summarize(with_snapstart, SNAPSTART_PHASES)
        summary |= {
            "snapstart_cold_start": restored["cold_start"],
            "cpu_snapstart_cold_start": restored["cpu_cold_start"],
            "snapstart": restored,
        }
    return summary


def measure(
    modes: Iterable[str], functions: Iterable[str], repeat: int, catalog_items: int, progress: bool = False
) -> dict[str, Any]:
    # SnapStart exists in Lambda only: the `local` mode has no SnapStart variant.
    variants = [
        (mode, f, snapstart)
        for mode in modes
        for f in functions
        for snapstart in ((False, True) if mode == "lambda" else (False,))
    ]
    samples: dict[tuple[str, str, bool], list[dict[str, float]]] = {v: [] for v in variants}
    for variant in variants:  # discarded: writes bytecode caches, warms the page cache
        run_once(*variant, catalog_items)
    for rep in output.progress(range(repeat), "cold starts"):
        for variant in variants:
            samples[variant].append(run_once(*variant, catalog_items))
        if progress:
            print(f"  repetition {rep + 1}/{repeat} done", file=sys.stderr)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for mode, function, snapstart in variants:
        if not snapstart:
            restored = samples.get((mode, function, True), [])
            results.setdefault(mode, {})[function] = function_summary(
                samples[(mode, function, False)], restored
            )
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
        "snapstart_cold_start_phases": list(SNAPSTART_PHASES),
        "results": {str(ROOT): results},  # the measured checkout -> mode -> function -> summary
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
    for root, modes in report["results"].items():
        for mode, functions in modes.items():
            lines += [
                f"\n**{mode}** mode, `{root}` (median of {report['repeat']} runs, ms)\n",
                "| function | SnapStart | " + " | ".join(TABLE_COLUMNS) + " |",
                "|---|---|" + "---:|" * len(TABLE_COLUMNS),
            ]
            for function, summary in functions.items():
                rows = [("off", summary), *([("on", summary["snapstart"])] if "snapstart" in summary else [])]
                for snapstart, s in rows:
                    cells = " | ".join(f"{s[c]:.1f}" for c in TABLE_COLUMNS)
                    lines.append(f"| {function} | {snapstart} | {cells} |")
    lines += [
        f"\ncold_start, SnapStart off: {' + '.join(COLD_PHASES)};",
        f"SnapStart on (imports and snapshot are in the snapshot): {' + '.join(SNAPSTART_PHASES)}.",
        "Wall time summed per run, then the median; cpu_cold_start: the same in CPU time.",
        "catalog_scan: reading the catalog from DynamoDB without the network (requests answered",
        "in-process), which catalog_load (in-memory store) leaves out and a real first request pays on top;",
        "catalog_snapshot: the same read from the catalog's S3 snapshot while it is current.",
        "bytecode_compile: CPU to compile the loaded non-stdlib modules from source, paid on top by a",
        "deployment without valid .pyc files (see the child). The SnapStart runs skip these three (0 there):",
        "they do not depend on it.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both")
    parser.add_argument("--function", choices=FUNCTIONS, action="append", dest="functions")
    parser.add_argument("--catalog-items", type=int, default=DEFAULT_CATALOG_ITEMS)
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    args = parser.parse_args(argv)
    modes = MODES if args.mode == "both" else (args.mode,)
    report = measure(modes, args.functions or FUNCTIONS, args.repeat, args.catalog_items, not args.json)
    print(json.dumps(report, indent=2) if args.json else markdown(report))
    return report


if __name__ == "__main__":
    main()
