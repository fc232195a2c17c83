"""What the complete "already heard" filter costs a listener who heard n items: its bytes and measured
false-positive rate, the profile item it shares with the document (at the document's size caps), the
DynamoDB units of the recommend path's read (eventually consistent GetItem), of the profile update's read
(consistent) and of its commit (PutItem, units of the larger of the old and new item), and the time to
test a top-k pool of candidates; then what the filter adds to a recommendation: the exact ranking of a
listener at every profile cap with a 10,000-item filter (so it is consulted), against the same listener
with the filter not consulted (`known_complete`), on a catalog of 100,000 items with a learned model
(bench.recommend_bench's synthetic catalog and model), k = 20 and 100, alternating, medians.

    .venv/bin/python -m bench.heard_filter                    # table
    .venv/bin/python -m bench.heard_filter --sizes 1000,10000 # a quicker subset
    .venv/bin/python -m bench.heard_filter --json --out reports

The filter is built with the default `HeardShape` (PROFILE settings `HEARD__*` change it) by adding the
n ids in folds of 100 (one commit's worth); non-members are 100,000 ids never added.
"""

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

_LAYER = str(Path(__file__).resolve().parent.parent / "layers" / "common")
if _LAYER not in sys.path:  # the service layer is not an installed package
    sys.path.insert(0, _LAYER)

from bench.dynamo_capacity import item_size, read_units, write_units  # noqa: E402
from bench.output import emit  # noqa: E402
from bench.recommend_bench import DIM, capped_listener  # noqa: E402
from bench.recommend_bench import catalog as synthetic_catalog  # noqa: E402
from bench.recommend_bench import model as synthetic_model  # noqa: E402
from mixtape.catalog.index import CatalogIndex  # noqa: E402
from mixtape.config import ProfileLimits  # noqa: E402
from mixtape.learning.aligned import AlignedModel  # noqa: E402
from mixtape.learning.foldin import fold_in  # noqa: E402
from mixtape.models.heard import HeardFilter, HeardShape, item_hashes  # noqa: E402
from mixtape.models.profile import Profile, RecentItem  # noqa: E402
from mixtape.ranking import RankingRequest, RankingSettings, recommend  # noqa: E402
from mixtape.storage.dynamo.profiles import profile_to_item  # noqa: E402

NAME = "heard_filter"
SIZES = (20, 300, 1_000, 10_000, 100_000)
NON_MEMBERS = 100_000
POOL = 400  # candidates tested per request: top_k_capped's first pool for k=100
REPEATS = 200
CATALOG = 100_000
RANKED_HEARD = 10_000  # items in the ranked listener's filter
RANK_REPEATS = 30
KS = (20, 100)


def full_profile(user_id: str, dim: int = 32) -> Profile:
    """A profile document at every size cap of the default limits (the largest the service stores)."""
    limits = ProfileLimits()
    rng = np.random.default_rng(0)
    return Profile(
        user_id=user_id,
        version=7,
        ref_ms=1_795_000_000_000,
        items={f"track-{i:07d}": float(rng.random() * 40) for i in range(limits.max_items)},
        artists={f"artist-{i:05d}": float(rng.random() * 40) for i in range(limits.max_artists)},
        genres={f"genre-{i}": float(rng.random() * 40) for i in range(limits.max_genres)},
        recent=[
            RecentItem(item_id=f"track-{i:07d}", ts=1_795_000_000_000 - i) for i in range(limits.max_recent)
        ],
        disliked={f"track-{i + 9_000_000}": 1_795_000_000_000 for i in range(limits.max_disliked)},
        counts={"play": 10_000, "like": 300},
        taste_sum=rng.normal(size=dim),
        taste_weight=10.0,
        user_vector=rng.normal(size=dim).astype(np.float32),
    )


def measure(n: int, shape: HeardShape) -> dict[str, Any]:
    ids = [f"track-{i:07d}" for i in range(n)]
    heard = HeardFilter()
    for start in range(0, n, 100):
        heard.add(ids[start : start + 100], shape)
    others = item_hashes([f"never-{i}" for i in range(NON_MEMBERS)])
    profile = full_profile("u-bench")
    profile.heard = heard
    size = item_size(profile_to_item(profile))
    profile.heard = None
    without = item_size(profile_to_item(profile))
    pool = others[:POOL]
    times = []
    for _ in range(REPEATS):
        start_ns = time.perf_counter_ns()
        heard.contains(pool)
        times.append(time.perf_counter_ns() - start_ns)
    return {
        "items": n,
        "filter_bytes": heard.nbytes,
        "layers": heard.layers,
        "false_negatives": int((~heard.contains(item_hashes(ids))).sum()),
        "false_positive_rate": float(heard.contains(others).mean()),
        "item_bytes": size,
        "item_bytes_without_filter": without,
        "recommend_read_units": read_units(size, consistent=False),
        "update_read_units": read_units(size, consistent=True),
        "commit_write_units": write_units(size),
        "check_pool_us": float(np.median(times)) / 1000,
    }


def ranking(n: int) -> dict[str, Any]:
    """Milliseconds (median) of `recommend` for one listener, filter consulted vs not, per k."""
    rng = np.random.default_rng(0)
    index = CatalogIndex.build(1, synthetic_catalog(n, rng), DIM, 0, 1.0)
    artifact = synthetic_model(n, rng)
    aligned = AlignedModel.build(artifact, index)
    profile = capped_listener(n, rng)
    profile.user_vector, profile.model_version = fold_in(artifact, profile.items), artifact.version
    heard = [f"i{i}" for i in rng.choice(n, min(RANKED_HEARD, n // 2), replace=False)]
    profile.heard = HeardFilter.of([*profile.known_items(), *heard], HeardShape())
    rows = []
    for k in KS:
        request = RankingRequest(limit=k, settings=RankingSettings())
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(RANK_REPEATS):
            for consulted in (True, False):
                profile.known_complete = not consulted
                start_ns = time.perf_counter_ns()
                recommend(profile, index, aligned, request)
                times[consulted].append((time.perf_counter_ns() - start_ns) / 1e6)
        rows.append(
            {
                "k": k,
                "with_filter_ms": float(np.median(times[True])),
                "without_ms": float(np.median(times[False])),
            }
        )
    return {"catalog": n, "heard": len(heard), "rows": rows}


def run(sizes: Sequence[int], catalog: int = CATALOG) -> dict[str, Any]:
    shape = HeardShape()
    return {
        "shape": shape.model_dump(),
        "pool": POOL,
        "non_members": NON_MEMBERS,
        "rows": [measure(n, shape) for n in sizes],
        "ranking": ranking(catalog) if catalog else None,
    }


def render(result: dict[str, Any]) -> str:
    shape = result["shape"]
    lines = [
        f"Heard filter (initial capacity {shape['initial_capacity']}, growth x{shape['growth']}, "
        f"false-positive bound {shape['error_rate']:.2%}, cap {shape['max_bytes']:,} bytes); profile "
        "document at its size caps; units as DynamoDB bills them (bench.dynamo_capacity)",
        "",
        "| items heard | filter bytes | layers | false negatives | false positives "
        f"({result['non_members']:,} non-members) | profile item bytes (without filter) | RRU per recommend "
        f"read | RRU per update read | WRU per commit | test of {result['pool']} candidates (µs, median) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines.extend(
        f"| {r['items']:,} | {r['filter_bytes']:,} | {r['layers']} | {r['false_negatives']} "
        f"| {r['false_positive_rate']:.3%} | {r['item_bytes']:,} ({r['item_bytes_without_filter']:,}) "
        f"| {r['recommend_read_units']:g} | {r['update_read_units']:g} | {r['commit_write_units']} "
        f"| {r['check_pool_us']:.0f} |"
        for r in result["rows"]
    )
    ranked = result["ranking"]
    if ranked:
        lines += [
            "",
            f"Exact recommendation on {ranked['catalog']:,} items with a model, a listener at every "
            f"profile cap whose filter holds {ranked['heard']:,} more items (medians, ms):",
            "",
            "| k | filter consulted | not consulted (tables complete) |",
            "|---|---|---|",
        ]
        lines.extend(
            f"| {r['k']} | {r['with_filter_ms']:.2f} | {r['without_ms']:.2f} |" for r in ranked["rows"]
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated items heard")
    parser.add_argument("--catalog", type=int, default=CATALOG, help="catalog size ranked on (0: skip)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    parser.add_argument(
        "--out", type=Path, help=f"also write {NAME}.md and {NAME}.json there (make bench: reports/)"
    )
    args = parser.parse_args(argv)
    result = run([int(size) for size in args.sizes.split(",")], args.catalog)
    emit(result, render, NAME, as_json=args.json, out=args.out)
    return result


if __name__ == "__main__":
    main()
