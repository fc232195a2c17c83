"""Dense scoring + top-k as the exact ranker runs it, against the plain np.argpartition path and the
memory-bandwidth limit measured in the same run.

    .venv/bin/python -m bench.topk_bench                        # table; layers/common is put on
    .venv/bin/python -m bench.topk_bench --json                 # sys.path by this module
    .venv/bin/python -m bench.topk_bench --sizes 10000,100000   # a quicker subset
    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m bench.topk_bench # single-threaded BLAS (see below)

Catalog: n items, d=64, float32, unit rows drawn from a Gaussian mixture of 1000 components (centre +
isotropic noise of the centre's norm, renormalised), stored column-major as `AlignedModel.factors` holds
them. Queries: a catalog item plus noise, renormalised (a taste vector near something played). Each query
excludes 1000 random items (-inf, as the ranker excludes known items). Smaller catalogs are prefixes of
the largest.

Paths, timed per query, round-robin so machine noise hits all alike (medians; p99 over the repeats):
- plain:   scores = F @ q into a buffer, -inf on excluded, np.argpartition(-scores, k), sort the k.
- service: the same scoring, then `mixtape.search.select.TopK` (the exact ranker's selection).
- select:  the selection alone on precomputed scores: argpartition, `TopK`, and the stateless `top_k`.
The IVF path is measured end to end, with its targets, by `bench.recommend_bench`.
Bandwidth limit: catalog bytes / the fastest of several streaming reads (sum, fmax.reduce, dot) of a
512 MB float32 array. OpenBLAS threads gemv over all cores; on a shared, busy machine a thread that
waits for a core can stretch a call several-fold, hence the OPENBLAS_NUM_THREADS note above.
"""

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

_LAYER = str(Path(__file__).resolve().parent.parent / "layers" / "common")
if _LAYER not in sys.path:  # the service layer is not an installed package
    sys.path.insert(0, _LAYER)

from bench.output import emit, progress  # noqa: E402
from mixtape.search.select import FloatArray, TopK, top_k  # noqa: E402 - after the sys.path entry above

NAME = "topk"
DIM = 64
COMPONENTS = 1000
EXCLUDED = 1000
QUERIES = 64
SIZES = (10_000, 100_000, 1_000_000)
KS = (20, 50, 100)
BANDWIDTH_BYTES = 512 << 20
TARGETS = {"service_p50_100k_ms": 1.5, "service_vs_limit_1m": 1.4}
Scorer = Callable[[FloatArray, npt.NDArray[np.int64]], FloatArray]


def repeats_for(n: int) -> int:
    return 400 if n <= 10_000 else 200 if n <= 100_000 else 100


def clustered_catalog(n: int, rng: np.random.Generator) -> FloatArray:
    centres = rng.standard_normal((COMPONENTS, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    embeddings = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 1 << 16):  # in chunks: no float64 temporaries of catalog size
        part = embeddings[start : start + (1 << 16)]
        part[:] = centres[rng.integers(0, COMPONENTS, len(part))]
        part += rng.standard_normal(part.shape, dtype=np.float32) / np.sqrt(DIM)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    return embeddings


def queries_near(embeddings: FloatArray, rng: np.random.Generator) -> list[FloatArray]:
    picks = embeddings[rng.integers(0, len(embeddings), QUERIES)]
    noisy = picks + 0.5 * rng.standard_normal(picks.shape, dtype=np.float32) / np.sqrt(DIM)
    return list((noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32))


def stats(samples: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(samples) * 1e3
    return {"p50": round(float(np.median(ms)), 4), "p99": round(float(np.percentile(ms, 99)), 4)}


def streaming_read(buffer: FloatArray) -> float:
    """Seconds to read `buffer` once, as fast as this machine reads memory (BLAS dot of it with itself: the
    fastest read `measure_bandwidth` finds)."""
    start = time.perf_counter()
    np.dot(buffer, buffer)
    return time.perf_counter() - start


def measure_bandwidth() -> dict[str, float]:
    """GB/s of pure streaming reads; the fastest is the machine's read bandwidth (the others are partly
    compute-bound: numpy's pairwise float32 sum is)."""
    big = np.full(BANDWIDTH_BYTES // 4, 1.0, dtype=np.float32)
    reads: dict[str, Callable[[], object]] = {
        "sum": big.sum,
        "fmax.reduce": lambda: np.fmax.reduce(big),
        "dot": lambda: np.dot(big, big),
    }
    result = {}
    for name, read in reads.items():
        read()
        times = []
        for _ in range(7):
            start = time.perf_counter()
            read()
            times.append(time.perf_counter() - start)
        result[name] = round(big.nbytes / float(np.median(times)) / 1e9, 2)
    result["best"] = max(result.values())
    return result


def scorer(factors: FloatArray) -> Scorer:
    """The exact ranker's dense scoring: factors @ q into one reused buffer, excluded items at -inf."""
    buffer = np.empty(len(factors), dtype=np.float32)

    def score(query: FloatArray, excluded: npt.NDArray[np.int64]) -> FloatArray:
        np.matmul(factors, query, out=buffer)
        buffer[excluded] = -np.inf
        return buffer

    return score


def argpartition_top(scores: FloatArray, k: int) -> npt.NDArray[np.intp]:
    top = np.argpartition(-scores, k)[:k]
    ordered: npt.NDArray[np.intp] = top[np.argsort(-scores[top], kind="stable")]
    return ordered


def bench_size(
    n: int, catalog: FloatArray, bandwidth: float, rng: np.random.Generator
) -> list[dict[str, Any]]:
    factors = np.asfortranarray(catalog[:n])  # column-major, as the service's aligned model holds them
    queries = queries_near(factors, rng)
    exclusions = [np.sort(rng.choice(n, EXCLUDED, replace=False)).astype(np.int64) for _ in queries]
    score = scorer(factors)
    precomputed = [score(q, x).copy() for q, x in zip(queries, exclusions, strict=True)]
    selector = TopK(n)
    limit_ms = factors.nbytes / (bandwidth * 1e9) * 1e3

    def paths(k: int) -> dict[str, Callable[[int], object]]:
        return {
            "plain": lambda i: argpartition_top(score(queries[i], exclusions[i]), k),
            "service": lambda i: selector(score(queries[i], exclusions[i]), k),
            "select_argpartition": lambda i: argpartition_top(precomputed[i], k),
            "select_TopK": lambda i: selector(precomputed[i], k),
            "select_top_k": lambda i: top_k(precomputed[i], k),
        }

    rows = []
    for k in KS:
        samples = timed(paths(k), repeats_for(n))
        row: dict[str, Any] = {"n": n, "k": k, "repeats": repeats_for(n), "limit_ms": round(limit_ms, 4)}
        row |= {name: stats(values) for name, values in samples.items()}
        row["service_vs_limit"] = round(row["service"]["p50"] / limit_ms, 2)
        rows.append(row)
    return rows


def timed(paths: dict[str, Callable[[int], object]], repeats: int, warmup: int = 3) -> dict[str, list[float]]:
    """Seconds per call of each path, round-robin over the queries so noise hits every path alike."""
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for rep in range(repeats + warmup):
        for name, path in paths.items():
            start = time.perf_counter()
            path(rep % QUERIES)
            if rep >= warmup:
                samples[name].append(time.perf_counter() - start)
    return samples


def run(sizes: Sequence[int] = SIZES, seed: int = 0) -> dict[str, Any]:
    """Every measurement as one JSON-serialisable dict (for `make bench` reports)."""
    rng = np.random.default_rng(seed)
    bandwidth = measure_bandwidth()
    catalog = clustered_catalog(max(sizes), rng)
    rows = [
        row
        for n in progress(sorted(sizes), "top-k catalogs")
        for row in bench_size(n, catalog, bandwidth["best"], rng)
    ]
    return {
        "config": {
            "dim": DIM,
            "components": COMPONENTS,
            "excluded": EXCLUDED,
            "numpy": np.__version__,
            "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS", "unset (all cores)"),
            "cpus": os.cpu_count(),
        },
        "bandwidth_gbps": bandwidth,
        "rows": rows,
        "targets": targets(rows),
    }


def targets(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The worst k of the 100k and 1M catalogs against TARGETS (lower is better for both); a size not
    measured has no entry."""
    out: dict[str, dict[str, Any]] = {}
    at_100k = [r["service"]["p50"] for r in rows if r["n"] == 100_000]
    at_1m = [r["service_vs_limit"] for r in rows if r["n"] == 1_000_000]
    if at_100k:
        out["service_p50_100k_ms"] = {"value": max(at_100k)}
    if at_1m:
        out["service_vs_limit_1m"] = {"value": max(at_1m)}
    for name, entry in out.items():
        entry["target"] = TARGETS[name]
        entry["met"] = entry["value"] <= entry["target"]
    return out


def render(result: dict[str, Any]) -> str:
    bw = result["bandwidth_gbps"]
    lines = [
        f"config: {result['config']}",
        "read bandwidth GB/s: " + ", ".join(f"{name} {value}" for name, value in bw.items()),
        "",
        "| n | k | plain p50/p99 ms | service p50/p99 ms | select argpartition / TopK / top_k p50 ms"
        " | limit ms | service/limit |",
        "|---|---|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {r['n']:,} | {r['k']} | {r['plain']['p50']:.3f} / {r['plain']['p99']:.3f}"
        f" | {r['service']['p50']:.3f} / {r['service']['p99']:.3f}"
        f" | {r['select_argpartition']['p50']:.3f} / {r['select_TopK']['p50']:.3f}"
        f" / {r['select_top_k']['p50']:.3f} | {r['limit_ms']:.3f} | {r['service_vs_limit']:.2f} |"
        for r in result["rows"]
    )
    lines.append("")
    lines.extend(
        f"target {name}: {t['value']} (≤ {t['target']}) -> {'met' if t['met'] else 'NOT met'}"
        for name, t in result["targets"].items()
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated catalog sizes")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    parser.add_argument(
        "--out", type=Path, help=f"also write {NAME}.md and {NAME}.json there (make bench: reports/)"
    )
    args = parser.parse_args(argv)
    result = run([int(size) for size in args.sizes.split(",")])
    emit(result, render, NAME, as_json=args.json, out=args.out)
    return result


if __name__ == "__main__":
    main()
