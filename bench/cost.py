"""What 1M ingested events and 1M recommendation requests cost on Mixtape, itemised, and what Amazon
Personalize would bill for the same recommendation traffic.

    .venv/bin/python -m bench.cost                                  # measures what it needs, smaller
    .venv/bin/python -m bench.cost --ingest-json reports/ingest.json --cold-start-json reports/cold_start.json
    .venv/bin/python -m bench.cost --json

Inputs:
- prices: `bench/prices.toml` (list prices with their date and region; assumptions, not quotes);
- measured: DynamoDB/SQS requests and units per event, compute rates, botocore CPU per request, profile
  and catalog item sizes (`bench.ingest_bench --json`), and the recommend function's warm request and
  cold start (`bench.cold_start --json`). Without the JSON files the script measures them itself,
  smaller and faster;
- memory size: template.yaml (Globals, 1024 MB);
- `Assumptions` below: network latencies, traffic shape, batch sizes. They are printed with the result.

Compute measured on this machine is scaled to Lambda by the CPU share that the memory size buys
(1,769 MB = one vCPU), assuming one core here ≈ one Graviton core. Latencies are added, CPU and I/O of
the concurrent writers overlap (the larger counts), and Lambda bills whole milliseconds.
"""

import argparse
import json
import math
import sys
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.output import progress

ROOT = Path(__file__).resolve().parent.parent
PRICES = Path(__file__).resolve().parent / "prices.toml"
MILLION = 1_000_000
SECONDS_PER_DAY = 86_400
DAYS_PER_MONTH = 730 / 24  # AWS bills a month as 730 hours


@dataclass(frozen=True)
class Prices:
    as_of: str
    region: str
    lambda_gb_second: float
    lambda_requests_per_million: float
    mb_per_vcpu: int
    wru_per_million: float
    rru_per_million: float
    sqs_requests_per_million: float
    s3_get_per_million: float
    s3_put_per_million: float
    http_api_requests_per_million: float
    xray_traces_per_million: float
    logs_per_gb: float
    personalize_training_hour: float
    personalize_ingestion_per_gb: float
    personalize_tps_hour_tiers: tuple[tuple[float, float], ...]
    personalize_min_tps: float

    @classmethod
    def load(cls, path: Path = PRICES) -> "Prices":
        t = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(
            as_of=t["meta"]["as_of"],
            region=t["meta"]["region"],
            lambda_gb_second=t["lambda"]["arm64_gb_second"],
            lambda_requests_per_million=t["lambda"]["requests_per_million"],
            mb_per_vcpu=t["lambda"]["mb_per_vcpu"],
            wru_per_million=t["dynamodb"]["write_request_units_per_million"],
            rru_per_million=t["dynamodb"]["read_request_units_per_million"],
            sqs_requests_per_million=t["sqs"]["requests_per_million"],
            s3_get_per_million=t["s3"]["get_requests_per_million"],
            s3_put_per_million=t["s3"]["put_requests_per_million"],
            http_api_requests_per_million=t["http_api"]["requests_per_million"],
            xray_traces_per_million=t["xray"]["traces_recorded_per_million"],
            logs_per_gb=t["cloudwatch_logs"]["ingestion_per_gb"],
            personalize_training_hour=t["personalize"]["training_hour"],
            personalize_ingestion_per_gb=t["personalize"]["data_ingestion_per_gb"],
            personalize_tps_hour_tiers=tuple(
                (float(bound), float(price)) for bound, price in t["personalize"]["real_time_tps_hour_tiers"]
            ),
            personalize_min_tps=t["personalize"]["min_provisioned_tps"],
        )


@dataclass(frozen=True)
class Assumptions:
    events_per_day: float = 1_000_000
    recommendations_per_day: float = 1_000_000
    http_batch_events: int = 100  # events per POST /v1/events (clients may send 1..500)
    write_concurrency: int = 16  # WRITE_CONCURRENCY
    dynamo_write_ms: float = 5.0  # one PutItem/UpdateItem round trip in-region
    dynamo_read_ms: float = 4.0  # one GetItem
    dynamo_batch_get_ms: float = 8.0  # one BatchGetItem (up to 100 keys)
    dynamo_batch_write_ms: float = 10.0  # one BatchWriteItem (up to 25 items)
    sqs_send_ms: float = 10.0  # one SendMessageBatch
    queue_batch_window_s: float = 1.0  # ProfileUpdateQueue MaximumBatchingWindowInSeconds
    queue_batch_size: int = 100  # ProfileUpdateQueue BatchSize
    recommend_containers: int = 2  # warm containers, each probing and reloading the catalog
    catalog_items: int = 10_000
    catalog_check_seconds: float = 2.0  # CATALOG_CHECK_SECONDS
    catalog_max_age_seconds: float = 300.0  # CATALOG_MAX_AGE_SECONDS
    snapshot_checks_per_day: float = 1_440  # CatalogSnapshotFunction's schedule: every minute
    snapshot_refresh_seconds: float = 240.0  # CATALOG_SNAPSHOT_REFRESH_SECONDS: a publish (scan) each
    snapshot_check_ms: float = 20.0  # a quiet run: one GetItem, one S3 GET
    # A publish at 10k items: the Scan (its CPU is bench.cold_start's catalog_scan, plus 10 pages of
    # round trips), encoding, two PUTs.
    snapshot_publish_ms: float = 600.0
    cold_start_share: float = 0.002  # share of recommendation requests that start a container
    log_bytes_per_invocation: int = 700  # START/END/REPORT lines + one EMF metrics document
    xray_reservoir_per_s: float = 1.0  # X-Ray default sampling rule: 1 request/s, then 5%
    xray_rate: float = 0.05
    personalize_training_hours_per_month: float = 30.0  # e.g. one hour of training per day
    personalize_event_bytes: int = 300


@dataclass(frozen=True)
class Measured:
    """What the benchmarks measured (per event, per request) and where it came from."""

    memory_mb: int
    ingest_events_per_s: float  # parse + ingest logic, batch of 100, in-memory stores
    profile_events_per_s: dict[str, float]  # scenario -> parse + fold + commit, batch of 100
    dynamo: dict[str, dict[str, Any]]  # scenario -> bench.ingest_bench dynamo_usage() result
    botocore_us_per_request: float
    recommend_warm_ms: float
    recommend_cold_start_ms: float
    source: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    item: str
    quantity: float
    unit: str
    unit_price: float  # USD per unit
    note: str = ""

    @property
    def cost(self) -> float:
        return self.quantity * self.unit_price


def total(lines: Sequence[Line]) -> float:
    return sum(line.cost for line in lines)


# ---------- pricing arithmetic ----------


def tiered(units: float, tiers: Sequence[tuple[float, float]]) -> float:
    """Cost of `units` under cumulative tiers [(upper bound, price per unit)]; bound 0 = unbounded."""
    cost, floor = 0.0, 0.0
    for bound, price in tiers:
        top = units if bound <= 0 else min(units, bound)
        if top > floor:
            cost += (top - floor) * price
        if bound <= 0 or units <= bound:
            break
        floor = bound
    return cost


def billed_ms(duration_ms: float) -> int:
    return max(1, math.ceil(duration_ms))


def gb_seconds(invocations: float, duration_ms: float, memory_mb: int) -> float:
    return invocations * billed_ms(duration_ms) / 1000 * memory_mb / 1024


def cpu_slowdown(memory_mb: int, mb_per_vcpu: int) -> float:
    """Lambda gives a function memory/1769 of a vCPU: CPU-bound work takes this many times longer."""
    return max(1.0, mb_per_vcpu / memory_mb)


def xray_traces(requests_per_s: float, a: Assumptions) -> float:
    """Traces recorded per second under the default sampling rule."""
    reservoir = min(requests_per_s, a.xray_reservoir_per_s)
    return reservoir + a.xray_rate * max(0.0, requests_per_s - reservoir)


def sampled_share(requests_per_s: float, a: Assumptions) -> float:
    return xray_traces(requests_per_s, a) / requests_per_s if requests_per_s > 0 else 0.0


def per_million(price: float) -> float:
    return price / MILLION


# ---------- Mixtape ----------


def _requests(dynamo: Mapping[str, Any], part: str) -> dict[str, float]:
    events = dynamo["events"]
    return {op: n / events for op, n in dynamo[part]["requests"].items()}


def ingestion_lines(m: Measured, scenario: str, a: Assumptions, p: Prices) -> list[Line]:
    """Cost of 1M events: POST /v1/events, IngestFunction, EventsTable, the profile-update queue,
    ProfileUpdateFunction, profile and popularity writes."""
    d = m.dynamo[scenario]
    slow = cpu_slowdown(m.memory_mb, p.mb_per_vcpu)
    botocore_ms = m.botocore_us_per_request / 1000 * slow

    # IngestFunction: one invocation per HTTP batch.
    batch = a.http_batch_events
    ingest_invocations = MILLION / batch
    messages_per_batch = d["sqs"]["messages_per_event"] * batch
    ingest_requests = d["ingest"]["requests_per_event"] * batch
    ingest_ops = {op: n * batch for op, n in _requests(d, "ingest").items()}
    ingest_io_ms = ingest_ops.get("BatchGetItem", 0) * a.dynamo_batch_get_ms  # the applied-events lookup
    ingest_io_ms += math.ceil(messages_per_batch / 10) * a.sqs_send_ms
    ingest_ms = batch / m.ingest_events_per_s * 1000 * slow + max(ingest_io_ms, ingest_requests * botocore_ms)

    # ProfileUpdateFunction: batches fill up to the window or the batch size, whichever comes first.
    messages = d["sqs"]["messages_per_event"] * MILLION
    message_rate = d["sqs"]["messages_per_event"] * a.events_per_day / SECONDS_PER_DAY
    per_invocation = min(float(a.queue_batch_size), max(1.0, message_rate * a.queue_batch_window_s))
    profile_invocations = messages / per_invocation
    events_per_invocation = MILLION / profile_invocations
    ops = {op: n * events_per_invocation for op, n in _requests(d, "profile_update").items()}
    profile_io_ms = (
        ops.get("GetItem", 0) * a.dynamo_read_ms
        + ops.get("PutItem", 0) * a.dynamo_write_ms
        + ops.get("BatchGetItem", 0) * a.dynamo_batch_get_ms
        + ops.get("BatchWriteItem", 0) * a.dynamo_batch_write_ms
        + math.ceil(ops.get("UpdateItem", 0) / a.write_concurrency) * a.dynamo_write_ms
    )
    profile_cpu_ms = events_per_invocation / m.profile_events_per_s[scenario] * 1000 * slow
    profile_ms = profile_cpu_ms + sum(ops.values()) * botocore_ms + profile_io_ms

    # SQS: sends measured; the event source mapping receives and deletes in batches of up to 10.
    receives = max(messages / 10, profile_invocations)
    invocations = ingest_invocations + profile_invocations
    ingest_rate = a.events_per_day / batch / SECONDS_PER_DAY  # invocations per second
    traces = ingest_invocations * sampled_share(ingest_rate, a)
    traces += profile_invocations * sampled_share(message_rate / per_invocation, a)
    wru = (d["ingest"]["wru_per_event"] + d["profile_update"]["wru_per_event"]) * MILLION
    rru = (d["ingest"]["rru_per_event"] + d["profile_update"]["rru_per_event"]) * MILLION
    return [
        Line(
            "HTTP API requests",
            ingest_invocations,
            "requests",
            per_million(p.http_api_requests_per_million),
            f"{batch} events per POST",
        ),
        Line(
            "Lambda requests",
            invocations,
            "invocations",
            per_million(p.lambda_requests_per_million),
            f"ingest {ingest_invocations:,.0f} + profile {profile_invocations:,.0f} "
            f"({per_invocation:.1f} messages each)",
        ),
        Line(
            "Lambda duration, ingest",
            gb_seconds(ingest_invocations, ingest_ms, m.memory_mb),
            "GB-s",
            p.lambda_gb_second,
            f"{ingest_ms:.1f} ms per invocation",
        ),
        Line(
            "Lambda duration, profile update",
            gb_seconds(profile_invocations, profile_ms, m.memory_mb),
            "GB-s",
            p.lambda_gb_second,
            f"{profile_ms:.1f} ms per invocation",
        ),
        Line(
            "DynamoDB writes",
            wru,
            "WRU",
            per_million(p.wru_per_million),
            f"{wru / MILLION:.2f} per event (ingest {d['ingest']['wru_per_event']:.2f}, "
            f"profile {d['profile_update']['wru_per_event']:.2f})",
        ),
        Line("DynamoDB reads", rru, "RRU", per_million(p.rru_per_million), f"{rru / MILLION:.2f} per event"),
        Line(
            "SQS requests",
            d["sqs"]["billed_send_requests_per_event"] * MILLION + 2 * receives,
            "requests",
            per_million(p.sqs_requests_per_million),
            "batched sends + receive/delete by the event source",
        ),
        Line(
            "X-Ray traces",
            traces,
            "traces",
            per_million(p.xray_traces_per_million),
            f"default sampling at {a.events_per_day:,.0f} events/day",
        ),
        Line(
            "CloudWatch Logs",
            invocations * a.log_bytes_per_invocation / 1e9,
            "GB",
            p.logs_per_gb,
            f"{a.log_bytes_per_invocation} B per invocation",
        ),
    ]


def recommendation_lines(m: Measured, scenario: str, a: Assumptions, p: Prices) -> list[Line]:
    """Cost of 1M GET /v1/users/{id}/recommendations."""
    d = m.dynamo[scenario]
    slow = cpu_slowdown(m.memory_mb, p.mb_per_vcpu)
    warm_ms = (m.recommend_warm_ms + m.botocore_us_per_request / 1000) * slow + a.dynamo_read_ms
    cold_ms = m.recommend_cold_start_ms * slow
    profile_rru = math.ceil(d["profile_item_bytes"] / 4096) * 0.5  # one eventually consistent GetItem
    # Per warm container and day: a version probe every check interval, a reload every max age (two S3
    # GETs while the catalog snapshot is current). Per day, whatever the fleet: the snapshot function's
    # check every minute and its publish (a full scan) every refresh interval.
    days = MILLION / a.recommendations_per_day
    probes = a.recommend_containers * SECONDS_PER_DAY / a.catalog_check_seconds * 0.5 * days
    snapshot_gets = a.recommend_containers * SECONDS_PER_DAY / a.catalog_max_age_seconds * 2 * days
    scan_rru = math.ceil(a.catalog_items * d["catalog_item_bytes"] / 4096) * 0.5
    publishes = SECONDS_PER_DAY / a.snapshot_refresh_seconds * days
    checks = a.snapshot_checks_per_day * days
    snapshot_gb_s = gb_seconds(checks, a.snapshot_check_ms, m.memory_mb) + gb_seconds(
        publishes, a.snapshot_publish_ms, m.memory_mb
    )
    rate = a.recommendations_per_day / SECONDS_PER_DAY
    traces = xray_traces(rate, a) * SECONDS_PER_DAY * days
    return [
        Line("HTTP API requests", MILLION, "requests", per_million(p.http_api_requests_per_million)),
        Line("Lambda requests", MILLION, "invocations", per_million(p.lambda_requests_per_million)),
        Line(
            "Lambda duration, warm",
            gb_seconds(MILLION, warm_ms, m.memory_mb),
            "GB-s",
            p.lambda_gb_second,
            f"{warm_ms:.1f} ms per request",
        ),
        Line(
            "Lambda duration, cold starts",
            gb_seconds(MILLION * a.cold_start_share, cold_ms, m.memory_mb),
            "GB-s",
            p.lambda_gb_second,
            f"{a.cold_start_share:.1%} of requests, {cold_ms:.0f} ms each, catalog read included",
        ),
        Line(
            "DynamoDB profile reads",
            MILLION * profile_rru,
            "RRU",
            per_million(p.rru_per_million),
            f"{profile_rru} per request ({d['profile_item_bytes']:,.0f} B profile)",
        ),
        Line(
            "DynamoDB catalog probes",
            probes,
            "RRU",
            per_million(p.rru_per_million),
            f"{a.recommend_containers} containers, every {a.catalog_check_seconds:g} s",
        ),
        Line(
            "S3 catalog snapshot reads",
            snapshot_gets,
            "requests",
            per_million(p.s3_get_per_million),
            f"pointer + snapshot, every {a.catalog_max_age_seconds:g} s per container",
        ),
        Line(
            "Catalog snapshot function: invocations",
            checks,
            "invocations",
            per_million(p.lambda_requests_per_million),
        ),
        Line(
            "Catalog snapshot function: duration",
            snapshot_gb_s,
            "GB-s",
            p.lambda_gb_second,
            f"{a.snapshot_check_ms:g} ms per check (every minute), {a.snapshot_publish_ms:g} ms per publish",
        ),
        Line(
            "Catalog snapshot function: DynamoDB reads",
            checks * 0.5 + publishes * scan_rru,
            "RRU",
            per_million(p.rru_per_million),
            f"a GetItem per check; {a.catalog_items:,} items scanned every {a.snapshot_refresh_seconds:g} s",
        ),
        Line("Catalog snapshot function: S3 GETs", checks, "requests", per_million(p.s3_get_per_million)),
        Line(
            "Catalog snapshot function: S3 PUTs",
            publishes * 2,
            "requests",
            per_million(p.s3_put_per_million),
            "snapshot + pointer per publish",
        ),
        Line(
            "X-Ray traces",
            traces,
            "traces",
            per_million(p.xray_traces_per_million),
            f"default sampling at {rate:.1f} requests/s",
        ),
        Line("CloudWatch Logs", MILLION * a.log_bytes_per_invocation / 1e9, "GB", p.logs_per_gb),
    ]


# ---------- Amazon Personalize ----------


def personalize_month_lines(
    recs_per_day: float, events_per_day: float, a: Assumptions, p: Prices
) -> list[Line]:
    """One month of a custom solution + real-time campaign serving `recs_per_day`, spread evenly: each
    hour is billed at max(minProvisionedTPS, that hour's average TPS)."""
    hours = DAYS_PER_MONTH * 24
    tps = max(p.personalize_min_tps, recs_per_day / SECONDS_PER_DAY)
    tps_hours = tps * hours
    campaign = tiered(tps_hours, p.personalize_tps_hour_tiers)
    gb = events_per_day * DAYS_PER_MONTH * a.personalize_event_bytes / 1e9
    return [
        Line(
            "real-time campaign",
            tps_hours,
            "TPS-hours",
            campaign / tps_hours if tps_hours else 0.0,
            f"{tps:.2f} TPS billed (minimum {p.personalize_min_tps:g})",
        ),
        Line(
            "training", a.personalize_training_hours_per_month, "training hours", p.personalize_training_hour
        ),
        Line(
            "event ingestion",
            gb,
            "GB",
            p.personalize_ingestion_per_gb,
            f"{a.personalize_event_bytes} B per event",
        ),
    ]


# ---------- inputs ----------


SERVING_FUNCTIONS = ("ingest", "profile_update", "recommend")  # functions/<name>/ in the template


def memory_from_template(root: Path = ROOT) -> int:
    """MemorySize of the functions this model prices (one value; template.yaml Globals today)."""
    from local.template import load_template  # noqa: PLC0415 - the YAML loader only when needed

    functions = load_template(root / "template.yaml").functions.values()
    sizes = {f.memory_size for f in functions if f.code_uri.name in SERVING_FUNCTIONS}
    if len(sizes) != 1:
        raise ValueError(f"the serving functions differ in memory size: {sorted(sizes)}")
    return sizes.pop()


def from_reports(ingest: Mapping[str, Any], cold_start: Mapping[str, Any], memory_mb: int) -> Measured:
    compute = ingest["compute_events_per_s"]
    size = "100" if "100" in compute["ingest"] else next(iter(compute["ingest"]))
    (modes,) = cold_start["results"].values()  # bench.cold_start: the checkout -> mode -> function
    recommend = modes["lambda"]["recommend"]
    return Measured(
        memory_mb=memory_mb,
        ingest_events_per_s=compute["ingest"][size]["total_eps"],
        profile_events_per_s={
            "new": compute["profile_new"][size]["total_eps"],
            "mature": compute["profile_mature"][size]["total_eps"],
        },
        dynamo=dict(ingest["dynamodb"]),
        botocore_us_per_request=ingest["botocore_put_item_cpu"]["shipped_config_us"],
        recommend_warm_ms=recommend["second_request"],
        # A real cold start also reads the catalog: from its S3 snapshot while that is current.
        recommend_cold_start_ms=recommend["cold_start"] + recommend["catalog_snapshot"],
        source={"compute batch": size},
    )


def measure_quickly(memory_mb: int) -> Measured:
    """Smaller runs of the same benchmarks, for when no report is at hand."""
    from bench import cold_start, ingest_bench  # noqa: PLC0415

    print("measuring (no --ingest-json / --cold-start-json given)…", file=sys.stderr)
    steps: dict[str, Callable[[], Any]] = {
        "ingest compute": lambda: ingest_bench.compute(repeat=3, sizes=[100]),
        "DynamoDB, new listeners": lambda: ingest_bench.dynamo_usage(500, mature=False, now_ms=_now()),
        "DynamoDB, mature listeners": lambda: ingest_bench.dynamo_usage(500, mature=True, now_ms=_now()),
        "botocore CPU": ingest_bench.botocore_put_item_cpu,
        "cold starts": lambda: cold_start.measure(
            ["lambda"], ["recommend"], 3, cold_start.DEFAULT_CATALOG_ITEMS
        ),
    }
    done = {name: step() for name, step in progress(steps.items(), "cost inputs", total=len(steps))}
    ingest = {
        "compute_events_per_s": done["ingest compute"],
        "dynamodb": {"new": done["DynamoDB, new listeners"], "mature": done["DynamoDB, mature listeners"]},
        "botocore_put_item_cpu": done["botocore CPU"],
    }
    cold = done["cold starts"]
    measured = from_reports(ingest, cold, memory_mb)
    return Measured(**{**asdict(measured), "source": {"measured": "in-process, small runs"}})


def _now() -> int:
    from mixtape import clock  # noqa: PLC0415

    return clock.now_ms()


# ---------- report ----------


def _table(title: str, lines: Sequence[Line]) -> list[str]:
    out = [f"\n#### {title}\n", "| item | quantity | unit | USD | note |", "|---|---:|---|---:|---|"]
    out += [
        f"| {line.item} | {line.quantity:,.1f} | {line.unit} | {line.cost:,.4f} | {line.note} |"
        for line in lines
    ]
    out.append(f"| **total** | | | **{total(lines):,.4f}** | |")
    return out


def report(m: Measured, a: Assumptions, p: Prices) -> tuple[str, dict[str, Any]]:
    out = [
        f"### Cost model (prices {p.region}, as of {p.as_of}, list prices from bench/prices.toml)",
        f"\nLambda arm64 {m.memory_mb} MB; compute measured here times "
        f"{cpu_slowdown(m.memory_mb, p.mb_per_vcpu):.2f} "
        f"(CPU share of {m.memory_mb} MB). Traffic: {a.events_per_day:,.0f} events/day, "
        f"{a.recommendations_per_day:,.0f} recommendations/day.",
    ]
    data: dict[str, Any] = {
        "prices": asdict(p),
        "assumptions": asdict(a),
        "measured": asdict(m),
        "results": {},
    }
    for scenario in ("new", "mature"):
        lines = ingestion_lines(m, scenario, a, p)
        out += _table(f"1M ingested events, {m.dynamo[scenario]['scenario']}", lines)
        data["results"][f"ingest_{scenario}"] = {"total": total(lines), "lines": [asdict(x) for x in lines]}
    lines = recommendation_lines(m, "mature", a, p)
    out += _table("1M recommendation requests (returning listeners)", lines)
    data["results"]["recommend"] = {"total": total(lines), "lines": [asdict(x) for x in lines]}

    mixtape_recs = total(lines) * a.recommendations_per_day * DAYS_PER_MONTH / MILLION
    mixtape_events = total(ingestion_lines(m, "mature", a, p)) * a.events_per_day * DAYS_PER_MONTH / MILLION
    personalize = personalize_month_lines(a.recommendations_per_day, a.events_per_day, a, p)
    floor = personalize_month_lines(0, 0, a, p)
    out += _table(
        f"Amazon Personalize, one month at {a.recommendations_per_day:,.0f} recommendations/day", personalize
    )
    out += [
        "\n#### Per month, same traffic\n",
        "| | USD / month |",
        "|---|---:|",
        f"| Mixtape: recommendations | {mixtape_recs:,.2f} |",
        f"| Mixtape: event ingestion and profiles (mature listeners) | {mixtape_events:,.2f} |",
        f"| Personalize: campaign + training + ingestion | {total(personalize):,.2f} |",
        f"| Personalize: idle floor (min {p.personalize_min_tps:g} TPS, training) | {total(floor):,.2f} |",
        "\nAssumptions: " + ", ".join(f"{k}={v}" for k, v in asdict(a).items()),
    ]
    data["results"]["month"] = {
        "mixtape_recommendations": mixtape_recs,
        "mixtape_ingestion": mixtape_events,
        "personalize": total(personalize),
        "personalize_floor": total(floor),
    }
    return "\n".join(out), data


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--ingest-json", type=Path, help="output of bench.ingest_bench --json")
    parser.add_argument("--cold-start-json", type=Path, help="output of bench.cold_start --json")
    parser.add_argument("--prices", type=Path, default=PRICES)
    parser.add_argument("--events-per-day", type=float, default=Assumptions.events_per_day)
    parser.add_argument("--recommendations-per-day", type=float, default=Assumptions.recommendations_per_day)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    prices = Prices.load(args.prices)
    memory = memory_from_template()
    if args.ingest_json and args.cold_start_json:
        measured = from_reports(
            json.loads(args.ingest_json.read_text()), json.loads(args.cold_start_json.read_text()), memory
        )
    else:
        measured = measure_quickly(memory)
    assumptions = Assumptions(
        events_per_day=args.events_per_day, recommendations_per_day=args.recommendations_per_day
    )
    text, data = report(measured, assumptions, prices)
    print(json.dumps(data, indent=2) if args.json else text)
    return data


if __name__ == "__main__":
    main()
