"""Dense scoring + top-k: the plain argpartition path, `mixtape.search.topk` exact and IVF, against the
memory-bandwidth limit measured in the same run.

    .venv/bin/python -m bench.topk_bench                        # table (~1 min); layers/common is
    .venv/bin/python -m bench.topk_bench --json                 # put on sys.path by this module
    .venv/bin/python -m bench.topk_bench --sizes 10000,100000   # a quicker subset
    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m bench.topk_bench # single-threaded BLAS (see below)

Catalog: n items, d=64, float32, unit rows drawn from a Gaussian mixture of 1000 components (centre +
isotropic noise of the centre's norm, renormalised), plus a popularity-like bias in [0, 0.05). Random
isotropic vectors would make IVF meaningless (no structure: every list is as good as any other), real
embeddings are clustered. Queries: a catalog item plus noise, renormalised (a taste vector near
something played). Each query excludes 1000 random items. The 10k and 100k catalogs are prefixes of
the 1M one.

Paths, timed per query, round-robin so machine noise hits all alike (medians; p99 over the repeats):
- plain:  scores = E @ q + b into a buffer, -inf on excluded, np.argpartition(-scores, k), sort the k.
- exact:  ExactIndex.search (same scoring, sampled-threshold selection).
- ivf:    IvfIndex.search (√n lists, n_probe from IndexConfig), recall@10 against exact.
- select: the selection alone on precomputed scores (argpartition vs TopK).
Bandwidth limit: catalog bytes / the fastest of several streaming reads (sum, fmax.reduce, dot) of a
512 MB float32 array. OpenBLAS threads gemv over all cores; on a shared, busy machine a thread that
waits for a core can stretch a 1 ms call to several ms, hence the OPENBLAS_NUM_THREADS note above.
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

from bench.output import emit  # noqa: E402
from mixtape.search.ivf import ExactIndex, IndexConfig, IvfIndex  # noqa: E402 - after the sys.path entry
from mixtape.search.select import FloatArray, TopK, score_into  # noqa: E402

NAME = "topk"
DIM = 64
COMPONENTS = 1000
EXCLUDED = 1000
QUERIES = 64
SIZES = (10_000, 100_000, 1_000_000)
KS = (20, 50, 100)
PROBES = (8, 16, 32, 64)
BANDWIDTH_BYTES = 512 << 20
TARGETS = {"p50_100k_ms": 1.5, "exact_vs_limit_1m": 1.4, "ivf_p50_ms": 1.0, "ivf_recall10": 0.97}


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


def plain_path(
    embeddings: FloatArray, bias: FloatArray, buffer: FloatArray
) -> Callable[[FloatArray, int, npt.NDArray[np.int64]], npt.NDArray[np.intp]]:
    def search(query: FloatArray, k: int, excluded: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
        scores = score_into(embeddings, query, buffer, bias)
        scores[excluded] = -np.inf
        top = np.argpartition(-scores, k)[:k]
        return top[np.argsort(-scores[top], kind="stable")]

    return search


def bench_size(
    n: int, catalog: FloatArray, bias_all: FloatArray, bandwidth: float, rng: np.random.Generator
) -> list[dict[str, Any]]:
    embeddings, bias = catalog[:n], bias_all[:n]
    queries = queries_near(embeddings, rng)
    exclusions = [np.sort(rng.choice(n, EXCLUDED, replace=False)).astype(np.int64) for _ in queries]
    exact = ExactIndex(embeddings, bias)
    config = IndexConfig(kind="ivf")
    start = time.perf_counter()
    ivf = IvfIndex(embeddings, bias, n_lists=config.n_lists, n_probe=config.n_probe, seed=config.seed)
    build_s = time.perf_counter() - start
    recall = recall_at_10(exact, ivf, queries, exclusions)
    plain = plain_path(embeddings, bias, np.empty(n, dtype=np.float32))
    precomputed = [_scores(embeddings, bias, q, x) for q, x in zip(queries, exclusions, strict=True)]
    selector = TopK(n)
    limit_ms = (embeddings.nbytes + bias.nbytes) / (bandwidth * 1e9) * 1e3

    def paths(k: int) -> dict[str, Callable[[int], object]]:
        return {
            "plain": lambda i: plain(queries[i], k, exclusions[i]),
            "exact": lambda i: exact.search(queries[i], k, exclusions[i]),
            "ivf": lambda i: ivf.search(queries[i], k, exclusions[i]),
            "select_plain": lambda i: np.argpartition(-precomputed[i], k)[:k],
            "select_topk": lambda i: selector(precomputed[i], k),
        }

    rows = []
    for k in KS:
        samples = timed(paths(k), repeats_for(n))
        row: dict[str, Any] = {"n": n, "k": k, "repeats": repeats_for(n)}
        row |= {name: stats(values) for name, values in samples.items()}
        row |= {"ivf_recall10": round(recall, 4), "ivf_lists": ivf.n_lists, "ivf_probe": ivf.n_probe}
        row |= {"ivf_build_s": round(build_s, 2), "limit_ms": round(limit_ms, 4)}
        row["exact_vs_limit"] = round(row["exact"]["p50"] / limit_ms, 2)
        rows.append(row)
    rows[-1]["probe_sweep"] = probe_sweep(ivf, exact, queries, exclusions)
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


def recall_at_10(
    exact: ExactIndex,
    ivf: IvfIndex,
    queries: Sequence[FloatArray],
    exclusions: Sequence[npt.NDArray[np.int64]],
) -> float:
    found = [
        len(set(exact.search(q, 10, x)[0].tolist()) & set(ivf.search(q, 10, x)[0].tolist())) / 10
        for q, x in zip(queries, exclusions, strict=True)
    ]
    return float(np.mean(found))


def probe_sweep(
    ivf: IvfIndex,
    exact: ExactIndex,
    queries: Sequence[FloatArray],
    exclusions: Sequence[npt.NDArray[np.int64]],
) -> list[dict[str, Any]]:
    """recall@10 and p50 (k=100) for other n_probe values: the knob IndexConfig exposes."""
    configured, sweep = ivf.n_probe, []
    try:
        for n_probe in PROBES:
            ivf.n_probe = min(n_probe, ivf.n_lists)
            samples = timed({"ivf": lambda i: ivf.search(queries[i], 100, exclusions[i])}, 50)
            recall = recall_at_10(exact, ivf, queries, exclusions)
            sweep.append({"n_probe": ivf.n_probe, "recall10": round(recall, 4), **stats(samples["ivf"])})
    finally:
        ivf.n_probe = configured
    return sweep


def _scores(
    embeddings: FloatArray, bias: FloatArray, query: FloatArray, excluded: npt.NDArray[np.int64]
) -> FloatArray:
    scores = score_into(embeddings, query, np.empty(len(embeddings), dtype=np.float32), bias)
    scores[excluded] = -np.inf
    return scores


def run(sizes: Sequence[int] = SIZES, seed: int = 0) -> dict[str, Any]:
    """Every measurement as one JSON-serialisable dict (for `make bench` reports)."""
    rng = np.random.default_rng(seed)
    bandwidth = measure_bandwidth()
    catalog = clustered_catalog(max(sizes), rng)
    bias = (0.05 * rng.random(len(catalog))).astype(np.float32)
    rows = [row for n in sorted(sizes) for row in bench_size(n, catalog, bias, bandwidth["best"], rng)]
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
        "targets": _targets(rows),
    }


def _targets(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by_n: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_n.setdefault(row["n"], []).append(row)
    targets: dict[str, dict[str, Any]] = {}
    if 100_000 in by_n:
        worst = max(r["exact"]["p50"] for r in by_n[100_000])
        targets["100k exact p50 <= 1.5 ms"] = {"value": worst, "met": worst <= TARGETS["p50_100k_ms"]}
    if 1_000_000 in by_n:
        ratio = max(r["exact_vs_limit"] for r in by_n[1_000_000])
        targets["1M exact p50 <= 1.4x limit"] = {"value": ratio, "met": ratio <= TARGETS["exact_vs_limit_1m"]}
        ivf = max(r["ivf"]["p50"] for r in by_n[1_000_000])
        recall = by_n[1_000_000][0]["ivf_recall10"]
        met = ivf <= TARGETS["ivf_p50_ms"] and recall >= TARGETS["ivf_recall10"]
        targets["1M IVF p50 <= 1 ms at recall@10 >= 0.97"] = {"value": [ivf, recall], "met": met}
    return targets


def render(result: dict[str, Any]) -> str:
    bw = result["bandwidth_gbps"]
    lines = [
        f"config: {result['config']}",
        "read bandwidth GB/s: " + ", ".join(f"{name} {value}" for name, value in bw.items()),
        "",
        "| n | k | plain p50/p99 ms | exact p50/p99 ms | ivf p50/p99 ms | recall@10 | select argpartition"
        " / TopK p50 ms | limit ms | exact/limit |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {r['n']:,} | {r['k']} | {r['plain']['p50']:.3f} / {r['plain']['p99']:.3f}"
        f" | {r['exact']['p50']:.3f} / {r['exact']['p99']:.3f}"
        f" | {r['ivf']['p50']:.3f} / {r['ivf']['p99']:.3f}"
        f" | {r['ivf_recall10']:.3f} | {r['select_plain']['p50']:.3f} / {r['select_topk']['p50']:.3f}"
        f" | {r['limit_ms']:.3f} | {r['exact_vs_limit']:.2f} |"
        for r in result["rows"]
    )
    builds = {r["n"]: (r["ivf_build_s"], r["ivf_lists"], r["ivf_probe"]) for r in result["rows"]}
    lines.append("")
    lines.append("IVF build s (lists, probe): " + ", ".join(f"{n:,}: {b}" for n, b in builds.items()))
    for r in result["rows"]:
        if "probe_sweep" in r:
            sweep = ", ".join(
                f"{p['n_probe']}: {p['recall10']:.3f} @ {p['p50']:.3f} ms" for p in r["probe_sweep"]
            )
            lines.append(f"IVF n_probe sweep at {r['n']:,} (recall@10 @ p50, k=100): {sweep}")
    lines.extend(
        f"target {name}: {t['value']} -> {'met' if t['met'] else 'NOT met'}"
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
