"""template.yaml: the properties that keep Mixtape safe to deploy and operate, checked on the template itself.

Every rule is a small function that returns the list of its violations. Each is asserted empty on the real
template, and `test_each_check_catches_its_regression` breaks a copy of the parsed template once per rule to
show the rule can fail.
"""

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local.template import load_yaml

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"
RAW = TEMPLATE_PATH.read_text()

Template = dict[str, Any]
Check = Callable[[Template], list[str]]


def load_template(text: str) -> Template:
    loaded = load_yaml(text)  # the local stack's CloudFormation-tag-aware loader
    assert isinstance(loaded, dict)
    return loaded


PARSED = load_template(RAW)


@pytest.fixture
def template() -> Template:
    """A private copy of the parsed template: tests may break it freely."""
    return copy.deepcopy(PARSED)


# ---------- template navigation ----------


def resources(t: Template, cfn_type: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in t["Resources"].items() if r["Type"] == cfn_type}


def functions(t: Template) -> dict[str, dict[str, Any]]:
    return resources(t, "AWS::Serverless::Function")


def global_function(t: Template) -> dict[str, Any]:
    return dict(t.get("Globals", {}).get("Function", {}))


def effective(t: Template, function_id: str, prop: str, default: Any = None) -> Any:
    """A function property as SAM resolves it: the function's own value, else Globals, else SAM's default."""
    props = t["Resources"][function_id]["Properties"]
    return props.get(prop, global_function(t).get(prop, default))


def target_id(value: Any) -> str | None:
    """The logical id behind `!Ref X` or `!GetAtt X.Attr`; None for literals and other intrinsics."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def function_events(t: Template, event_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for fid, fn in functions(t).items():
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] == event_type:
                yield fid, event.get("Properties", {})


def http_routes(t: Template) -> dict[tuple[str, str], str]:
    """(METHOD, path) -> function. An HttpApi event without Path/Method is the `$default` catch-all route."""
    routes: dict[tuple[str, str], str] = {}
    for event_type in ("HttpApi", "Api"):
        for fid, props in function_events(t, event_type):
            routes[(str(props.get("Method", "ANY")).upper(), str(props.get("Path", "$default")))] = fid
    return routes


def sqs_sources(t: Template) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(function, queue logical id, event properties) for every SQS trigger."""
    return [(fid, target_id(props.get("Queue")), props) for fid, props in function_events(t, "SQS")]


# ---------- the rules ----------

EXPECTED_ROUTES = {
    ("POST", "/v1/events"): "IngestFunction",
    ("PUT", "/v1/items"): "IngestFunction",
    ("DELETE", "/v1/users/{user_id}"): "ProfileUpdateFunction",
    ("GET", "/v1/users/{user_id}/export"): "ProfileUpdateFunction",
    ("PUT", "/v1/users/{user_id}/preferences"): "ProfileUpdateFunction",
    ("POST", "/v1/users/{user_id}/rerank"): "RecommendFunction",
    ("GET", "/v1/blend"): "RecommendFunction",
    ("GET", "/v1/users/{user_id}/recommendations"): "RecommendFunction",
    ("GET", "/v1/users/{user_id}/profile"): "RecommendFunction",
    ("GET", "/v1/items/{item_id}/similar"): "RecommendFunction",
    ("GET", "/v1/trending"): "RecommendFunction",
    ("GET", "/v1/health"): "RecommendFunction",
    ("GET", "/v1/openapi.json"): "RecommendFunction",
    ("GET", "/v1/docs"): "RecommendFunction",
    ("GET", "/v1/docs/{asset}"): "RecommendFunction",
    ("GET", "/console"): "RecommendFunction",
    ("GET", "/console/{asset}"): "RecommendFunction",
}
# The route -> scope table of issue 15's contract; None = public (no authorizer).
ROUTE_SCOPES: dict[tuple[str, str], str | None] = {
    ("POST", "/v1/events"): "events:write",
    ("PUT", "/v1/items"): "catalog:write",
    ("DELETE", "/v1/users/{user_id}"): "users:erase",
    ("GET", "/v1/users/{user_id}/export"): "users:export",
    ("PUT", "/v1/users/{user_id}/preferences"): "preferences:write",
    ("POST", "/v1/users/{user_id}/rerank"): "recommendations:read",
    ("GET", "/v1/blend"): "recommendations:read",
    ("GET", "/v1/users/{user_id}/recommendations"): "recommendations:read",
    ("GET", "/v1/users/{user_id}/profile"): "profiles:read",
    ("GET", "/v1/items/{item_id}/similar"): "recommendations:read",
    ("GET", "/v1/trending"): "recommendations:read",
    ("GET", "/v1/health"): None,
    ("GET", "/v1/openapi.json"): None,
    ("GET", "/v1/docs"): None,
    ("GET", "/v1/docs/{asset}"): None,
    ("GET", "/console"): None,
    ("GET", "/console/{asset}"): None,
}
JWT_AUTH = {
    "DefaultAuthorizer": "MixtapeJwt",
    "Authorizers": {
        "MixtapeJwt": {
            "IdentitySource": "$request.header.Authorization",
            "JwtConfiguration": {"issuer": {"Ref": "JwtIssuer"}, "audience": [{"Ref": "JwtAudience"}]},
        }
    },
}
WRITE_ROUTES = (
    "POST /v1/events",
    "PUT /v1/items",
    "DELETE /v1/users/{user_id}",
    "PUT /v1/users/{user_id}/preferences",
)
# function -> its reserved-concurrency parameter (0 = unreserved)
RESERVED_CONCURRENCY = {
    "IngestFunction": "IngestReservedConcurrency",
    "ProfileUpdateFunction": "ProfileUpdateReservedConcurrency",
    "RecommendFunction": "RecommendReservedConcurrency",
}
ACCESS_LOG_FIELDS = frozenset({"requestId", "ip", "routeKey", "status", "latency", "authorizerError"})
# Access logs must never hold a credential, a body or a listener id: no headers, claims, bodies or paths.
ACCESS_LOG_FORBIDDEN = re.compile(
    r"\$request\.|\$context\.authorizer\.(claims|principalId)|\$input|body|\$context\.(path|identity\.user)"
)
READ_ONLY_POLICY_TEMPLATES = frozenset({"DynamoDBReadPolicy", "S3ReadPolicy"})
READ_ONLY_ACTIONS = frozenset(
    {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "s3:GetObject",
        "s3:ListBucket",
    }
)
# Every IAM action each function is granted, by the resource it is granted on: exactly the calls its code
# makes (mixtape.storage.dynamo / s3 / queues, and what each function wires up). SAM adds the execution,
# X-Ray and SQS-poller managed policies itself.
EXPECTED_GRANTS: dict[str, dict[str, set[str]]] = {
    "IngestFunction": {
        "EventsTable": {"dynamodb:BatchGetItem"},  # duplicate check
        # new items in batches after a batched existence check, known items updated, the catalog version
        "CatalogTable": {"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem"},
        "ProfileUpdateQueue": {"sqs:SendMessage"},
    },
    "ProfileUpdateFunction": {
        # fold, export, erase (a consistent read first: nothing held is 404)
        "ProfilesTable": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
        # log lookups and writes; export's and erasure's query, erasure's batched deletes
        "EventsTable": {"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Query"},
        # item features (and the version they are cached for), popularity
        "CatalogTable": {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:UpdateItem"},
        "ModelBucket": {"s3:GetObject", "s3:ListBucket"},
        "ProfileUpdateQueue": {"sqs:SendMessage"},  # erasure follow-ups
    },
    "RecommendFunction": {
        "ProfilesTable": {"dynamodb:GetItem"},
        "CatalogTable": {"dynamodb:GetItem", "dynamodb:Scan"},  # version probe, scan without a snapshot
        "ModelBucket": {"s3:GetObject", "s3:ListBucket"},
    },
    "CatalogSnapshotFunction": {
        "CatalogTable": {"dynamodb:GetItem", "dynamodb:Scan"},
        "ModelBucket": {"s3:GetObject", "s3:PutObject", "s3:ListBucket"},
    },
    "TrainFunction": {
        "EventsTable": {"dynamodb:Scan"},  # the whole applied-events log: the trainer's input
        "ModelBucket": {"s3:PutObject"},
    },
}
# Changing who may read or what is kept is an operator's act, never a function's.
BUCKET_ADMIN_ACTION = re.compile(
    r"^s3:(\*|Put\w*Acl|PutLifecycle\w*|PutBucket\w*|DeleteBucket\w*|PutObjectRetention)$"
)
BROAD_POLICY_TEMPLATES = frozenset(
    {"DynamoDBCrudPolicy", "DynamoDBWritePolicy", "S3CrudPolicy", "S3WritePolicy", "S3FullAccessPolicy"}
)
HARD_CODED_NAME_PROPERTIES = ("TableName", "QueueName", "FunctionName", "LayerName", "RoleName")
SQS_DEFAULT_VISIBILITY_S = 30
SQS_DEFAULT_RETENTION_S = 345_600
SAM_DEFAULT_TIMEOUT_S = 3


def runtime_violations(t: Template) -> list[str]:
    """Every function runs python3.13 on arm64 with exactly the one shared layer."""
    problems = []
    for fid, fn in functions(t).items():
        if (runtime := effective(t, fid, "Runtime")) != "python3.13":
            problems.append(f"{fid}: Runtime {runtime!r}")
        if (architectures := effective(t, fid, "Architectures", ["x86_64"])) != ["arm64"]:
            problems.append(f"{fid}: Architectures {architectures!r}")
        # SAM appends a function's own Layers to the global ones
        layers = [*global_function(t).get("Layers", []), *fn["Properties"].get("Layers", [])]
        if layers != [{"Ref": "CommonLayer"}]:
            problems.append(f"{fid}: Layers {layers!r}")
        if fn["Properties"].get("PackageType", "Zip") != "Zip":
            problems.append(f"{fid}: not a zip package")
    return problems


def layer_violations(t: Template) -> list[str]:
    """One layer, CommonLayer, built by SAM for python3.13 on arm64."""
    layers = resources(t, "AWS::Serverless::LayerVersion")
    if list(layers) != ["CommonLayer"]:
        return [f"layers: expected exactly CommonLayer, found {sorted(layers)}"]
    layer = layers["CommonLayer"]
    problems = []
    metadata = layer.get("Metadata", {})
    if metadata.get("BuildMethod") != "python3.13":
        problems.append(f"CommonLayer: BuildMethod {metadata.get('BuildMethod')!r}")
    if metadata.get("BuildArchitecture") != "arm64":
        problems.append(f"CommonLayer: BuildArchitecture {metadata.get('BuildArchitecture')!r}")
    props = layer["Properties"]
    if props.get("CompatibleRuntimes") != ["python3.13"]:
        problems.append(f"CommonLayer: CompatibleRuntimes {props.get('CompatibleRuntimes')!r}")
    if props.get("CompatibleArchitectures") != ["arm64"]:
        problems.append(f"CommonLayer: CompatibleArchitectures {props.get('CompatibleArchitectures')!r}")
    return problems


def route_violations(t: Template) -> list[str]:
    """Exactly the v1 routes, on the one HttpApi, with no catch-all."""
    routes = http_routes(t)
    problems = [
        f"unexpected route {method} {path} -> {fid}"
        for (method, path), fid in routes.items()
        if EXPECTED_ROUTES.get((method, path)) != fid
    ]
    problems += [f"missing route {m} {p}" for (m, p) in EXPECTED_ROUTES if (m, p) not in routes]
    problems += [
        f"catch-all route {method} {path}"
        for method, path in routes
        if "+}" in path or path == "$default" or method == "ANY"
    ]
    for event_type in ("HttpApi", "Api"):
        for fid, props in function_events(t, event_type):
            if props.get("ApiId") != {"Ref": "HttpApi"}:
                problems.append(f"{fid}: {event_type} event not on HttpApi ({props.get('ApiId')!r})")
    return problems


def read_only_violations(t: Template) -> list[str]:
    """RecommendFunction serves reads: read-only policy templates or read actions only (no write, no send)."""
    problems = []
    fn = t["Resources"]["RecommendFunction"]
    for policy in as_list(fn["Properties"].get("Policies", [])):
        name = next(iter(policy)) if isinstance(policy, dict) and len(policy) == 1 else None
        if name not in READ_ONLY_POLICY_TEMPLATES and name != "Statement":
            problems.append(f"RecommendFunction: {policy!r} is not a read-only policy template")
    for statement in _statements(fn):
        problems += [
            f"RecommendFunction: {action!r} is not a read action"
            for action in as_list(statement.get("Action", []))
            if action not in READ_ONLY_ACTIONS
        ]
    return problems


def least_privilege_violations(t: Template) -> list[str]:
    """Each function is granted exactly EXPECTED_GRANTS, as inline statements (no policy templates)."""
    problems = []
    fns = functions(t)
    problems += [f"{fid}: no expected grants listed" for fid in fns if fid not in EXPECTED_GRANTS]
    for fid, expected in EXPECTED_GRANTS.items():
        if fid not in fns:
            problems.append(f"{fid}: missing")
            continue
        problems += [
            f"{fid}: policy template {name} (grant explicit actions)" for name in _policy_templates(fns[fid])
        ]
        granted = granted_actions(fns[fid])
        for target in sorted(set(granted) | set(expected)):
            have, want = granted.get(target, set()), expected.get(target, set())
            problems += [f"{fid}: {action} on {target} is not used" for action in sorted(have - want)]
            problems += [
                f"{fid}: {action} on {target} is used but not granted" for action in sorted(want - have)
            ]
    return problems


def bucket_admin_violations(t: Template) -> list[str]:
    """No function may change a bucket's ACLs, lifecycle or policy, directly or by a policy template."""
    problems = []
    for fid, fn in functions(t).items():
        problems += [
            f"{fid}: broad policy template {name}"
            for name in _policy_templates(fn)
            if name in BROAD_POLICY_TEMPLATES
        ]
        problems += [
            f"{fid}: bucket administration action {action!r}"
            for statement in _statements(fn)
            for action in as_list(statement.get("Action", []))
            if isinstance(action, str) and BUCKET_ADMIN_ACTION.match(action)
        ]
    return problems


def _policy_documents(node: Any) -> Iterator[Any]:
    """Every IAM policy document (a mapping with `Statement`) anywhere under node."""
    if isinstance(node, dict):
        if "Statement" in node:
            yield node
        for value in node.values():
            yield from _policy_documents(value)
    elif isinstance(node, list):
        for value in node:
            yield from _policy_documents(value)


def _statement_targets(resource: Any) -> set[str]:
    """Logical ids a statement's Resource names: `!GetAtt X.Arn`, `!Ref X`, or `!Sub ${X.Arn}/...`."""
    targets: set[str] = set()
    for value in as_list(resource):
        if (target := target_id(value)) is not None:
            targets.add(target)
        elif isinstance(value, dict) and "Fn::Sub" in value:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            targets |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
        else:
            targets.add(repr(value))  # a literal ARN or "*": never one of this template's resources
    return targets


def _statements(fn: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for policy in as_list(fn["Properties"].get("Policies", [])):
        if isinstance(policy, dict) and "Statement" in policy:
            yield from as_list(policy["Statement"])


def _policy_templates(fn: dict[str, Any]) -> list[str]:
    return [
        name
        for policy in as_list(fn["Properties"].get("Policies", []))
        if isinstance(policy, dict) and "Statement" not in policy
        for name in policy
    ]


def granted_actions(fn: dict[str, Any]) -> dict[str, set[str]]:
    """resource logical id -> actions, from the function's inline statements (Allow only)."""
    grants: dict[str, set[str]] = {}
    for statement in _statements(fn):
        if statement.get("Effect") != "Allow":
            continue
        for target in _statement_targets(statement.get("Resource")):
            grants.setdefault(target, set()).update(str(a) for a in as_list(statement.get("Action", [])))
    return grants


def wildcard_violations(t: Template) -> list[str]:
    """No `Resource: "*"`, no wildcard action, no unscoped managed policy, no `"*"` policy-template scope."""
    problems = []
    for lid, resource in t["Resources"].items():
        for document in _policy_documents(resource.get("Properties", {})):
            for statement in as_list(document["Statement"]):
                if "NotAction" in statement or "NotResource" in statement:
                    problems.append(f"{lid}: NotAction/NotResource statement")
                actions = [a for a in as_list(statement.get("Action", [])) if isinstance(a, str)]
                problems += [f"{lid}: wildcard action {a!r}" for a in actions if "*" in a]
                if "*" in as_list(statement.get("Resource", [])):
                    problems.append(f"{lid}: Resource '*'")
    for fid, fn in functions(t).items():
        for policy in as_list(fn["Properties"].get("Policies", [])):
            if isinstance(policy, str):
                problems.append(f"{fid}: managed policy {policy!r} is not scoped to a resource")
            elif "Statement" not in policy:
                for name, scope in policy.items():
                    values = list(scope.values()) if isinstance(scope, dict) else [scope]
                    if not values or any(target_id(v) is None for v in values):
                        problems.append(f"{fid}: {name} is not scoped to a template resource: {scope!r}")
    return problems


def policy_scope_violations(t: Template) -> list[str]:
    """A policy template may only target a resource the function is configured (by env var) to use."""
    problems = []
    for fid, fn in functions(t).items():
        variables = fn["Properties"].get("Environment", {}).get("Variables", {})
        configured = {target_id(v) for v in variables.values()} - {None}
        templates = [
            (name, scope)
            for policy in as_list(fn["Properties"].get("Policies", []))
            if isinstance(policy, dict) and "Statement" not in policy
            for name, scope in policy.items()
            if isinstance(scope, dict)
        ]
        problems += [
            f"{fid}: {name} grants {target_id(value)} but no env var points at it"
            for name, scope in templates
            for value in scope.values()
            if target_id(value) not in configured
        ]
        problems += [
            f"{fid}: a statement grants {target} but no env var points at it"
            for statement in _statements(fn)
            for target in sorted(_statement_targets(statement.get("Resource")))
            if target not in configured
        ]
    return problems


def queue_violations(t: Template) -> list[str]:
    """Each consumed queue: redrive to a DLQ, visibility >= 6x the consumer's timeout, partial failures."""
    queues = resources(t, "AWS::SQS::Queue")
    problems = []
    for fid, queue_id, event in sqs_sources(t):
        if queue_id not in queues:
            problems.append(f"{fid}: SQS source {event.get('Queue')!r} is not a queue of this template")
            continue
        if event.get("FunctionResponseTypes") != ["ReportBatchItemFailures"]:
            problems.append(
                f"{fid}: {queue_id} source without FunctionResponseTypes [ReportBatchItemFailures]"
            )
        queue = queues[queue_id]["Properties"]
        timeout = effective(t, fid, "Timeout", SAM_DEFAULT_TIMEOUT_S)
        visibility = queue.get("VisibilityTimeout", SQS_DEFAULT_VISIBILITY_S)
        if not isinstance(timeout, int) or not isinstance(visibility, int):
            problems.append(
                f"{queue_id}: cannot verify VisibilityTimeout {visibility!r} vs Timeout {timeout!r}"
            )
        elif visibility < 6 * timeout:
            problems.append(f"{queue_id}: VisibilityTimeout {visibility}s < 6 x {fid} Timeout {timeout}s")
        redrive = queue.get("RedrivePolicy")
        if not isinstance(redrive, dict):
            problems.append(f"{queue_id}: no RedrivePolicy")
            continue
        dlq = target_id(redrive.get("deadLetterTargetArn"))
        if dlq not in queues or dlq == queue_id:
            problems.append(f"{queue_id}: RedrivePolicy target {dlq!r} is not another queue of this template")
        elif queues[dlq]["Properties"].get("MessageRetentionPeriod", SQS_DEFAULT_RETENTION_S) <= queue.get(
            "MessageRetentionPeriod", SQS_DEFAULT_RETENTION_S
        ):
            # a message's age counts from its first enqueue: a shorter-lived DLQ would drop it early
            problems.append(f"{queue_id}: DLQ {dlq} does not retain messages longer than the queue")
        receives = redrive.get("maxReceiveCount")
        if not isinstance(receives, int) or receives < 1:
            problems.append(f"{queue_id}: maxReceiveCount {receives!r}")
    return problems


def encryption_violations(t: Template) -> list[str]:
    return [
        f"{lid}: SqsManagedSseEnabled is not true"
        for lid, queue in resources(t, "AWS::SQS::Queue").items()
        if queue["Properties"].get("SqsManagedSseEnabled") is not True
    ]


def table_violations(t: Template) -> list[str]:
    """On-demand tables with point-in-time recovery, kept on stack deletion; raw events expire by TTL."""
    problems = []
    tables = resources(t, "AWS::DynamoDB::Table")
    for lid, table in tables.items():
        props = table["Properties"]
        if props.get("BillingMode") != "PAY_PER_REQUEST":
            problems.append(f"{lid}: BillingMode {props.get('BillingMode')!r}")
        if props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled") is not True:
            problems.append(f"{lid}: no point-in-time recovery")
        if table.get("DeletionPolicy") != "Retain":
            problems.append(f"{lid}: DeletionPolicy {table.get('DeletionPolicy')!r}")
    # The events log expires entries, the catalog its popularity/trend counter shards.
    for lid in ("EventsTable", "CatalogTable"):
        ttl = tables.get(lid, {}).get("Properties", {}).get("TimeToLiveSpecification")
        if ttl != {"AttributeName": "expires_at", "Enabled": True}:
            problems.append(f"{lid}: TimeToLiveSpecification {ttl!r}")
    return problems


def hard_coded_name_violations(t: Template) -> list[str]:
    return [
        f"{lid}: hard-codes {name}"
        for lid, resource in t["Resources"].items()
        for name in HARD_CODED_NAME_PROPERTIES
        if name in resource.get("Properties", {})
    ]


def log_group_violations(t: Template) -> list[str]:
    """Each function has an explicit /aws/lambda/<function> log group with a retention."""
    groups = {
        str(group["Properties"].get("LogGroupName")): group["Properties"]
        for group in resources(t, "AWS::Logs::LogGroup").values()
    }
    problems = []
    for fid in functions(t):
        group = groups.get(str({"Fn::Sub": f"/aws/lambda/${{{fid}}}"}))
        if group is None:
            problems.append(f"{fid}: no log group /aws/lambda/${{{fid}}}")
        elif "RetentionInDays" not in group:
            problems.append(f"{fid}: log group without RetentionInDays")
    return problems


def output_violations(t: Template) -> list[str]:
    """Outputs give the API URL, every table's name and every queue's URL (`!Ref` of a queue is its URL)."""
    values = [output.get("Value") for output in t.get("Outputs", {}).values()]
    problems = []
    if not any(
        isinstance(v, dict) and str(v.get("Fn::Sub", "")).startswith("https://${HttpApi}.") for v in values
    ):
        problems.append("no output with the HttpApi URL")
    for cfn_type in ("AWS::DynamoDB::Table", "AWS::SQS::Queue"):
        problems += [f"no output for {lid}" for lid in resources(t, cfn_type) if {"Ref": lid} not in values]
    return problems


def http_api(t: Template) -> dict[str, Any]:
    apis = resources(t, "AWS::Serverless::HttpApi")
    return dict(apis["HttpApi"]["Properties"]) if "HttpApi" in apis else {}


def _route_events(t: Template) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for fid, props in function_events(t, "HttpApi"):
        yield fid, f"{str(props.get('Method', 'ANY')).upper()} {props.get('Path', '$default')}", props


def auth_violations(t: Template) -> list[str]:
    """JWT authorizer by default on the API; each route's event: its contract scope, or explicitly public."""
    problems = []
    if (auth := http_api(t).get("Auth")) != JWT_AUTH:
        problems.append(f"HttpApi: Auth {auth!r} is not the JWT authorizer of the contract")
    problems += [
        f"parameter {name} missing or without a default"
        for name in ("JwtIssuer", "JwtAudience")
        if "Default" not in t.get("Parameters", {}).get(name, {})
    ]
    for fid, key, props in _route_events(t):
        method, path = key.split(" ", 1)
        if (method, path) not in ROUTE_SCOPES:
            problems.append(f"{key} ({fid}): no scope listed for this route")
            continue
        scope, route_auth = ROUTE_SCOPES[(method, path)], props.get("Auth")
        if scope is None and route_auth != {"Authorizer": "NONE"}:
            problems.append(f"{key}: public route with Auth {route_auth!r}")
        elif scope is not None and route_auth != {"AuthorizationScopes": [scope]}:
            problems.append(f"{key}: Auth {route_auth!r}, expected scope {scope!r} on the default authorizer")
    return problems


def throttling_violations(t: Template) -> list[str]:
    """Stage-wide throttling from parameters, and stricter limits (by default) on each write route."""
    api, parameters = http_api(t), t.get("Parameters", {})
    problems = []

    def limits(settings: Any, where: str) -> tuple[int, int] | None:
        refs = [target_id((settings or {}).get(k)) for k in ("ThrottlingRateLimit", "ThrottlingBurstLimit")]
        if any(ref not in parameters for ref in refs):
            problems.append(f"{where}: throttling {settings!r} is not set from parameters")
            return None
        rate, burst = (int(parameters[str(ref)]["Default"]) for ref in refs)
        return rate, burst

    default = limits(api.get("DefaultRouteSettings"), "DefaultRouteSettings")
    route_settings = api.get("RouteSettings", {})
    for route in WRITE_ROUTES:
        write = limits(route_settings.get(route), f"RouteSettings {route}")
        if default and write and (write[0] >= default[0] or write[1] >= default[1]):
            problems.append(f"RouteSettings {route}: {write} is not stricter than the default {default}")
    return problems


def reserved_concurrency_violations(t: Template) -> list[str]:
    """API functions: reserved concurrency from a parameter, unset (AWS::NoValue) while it is 0."""
    problems = []
    parameters, conditions = t.get("Parameters", {}), t.get("Conditions", {})
    for fid, name in RESERVED_CONCURRENCY.items():
        value = t["Resources"][fid]["Properties"].get("ReservedConcurrentExecutions")
        match value:
            case {"Fn::If": [str(condition), {"Ref": ref}, {"Ref": "AWS::NoValue"}]} if ref == name:
                if conditions.get(condition) != {"Fn::Not": [{"Fn::Equals": [{"Ref": name}, "0"]}]}:
                    problems.append(f"{fid}: condition {condition} is not `{name} != 0`")
            case _:
                problems.append(
                    f"{fid}: ReservedConcurrentExecutions {value!r} is not !If [<{name} != 0>, {name}]"
                )
        parameter = parameters.get(name, {})
        if parameter.get("Default") != 0 or parameter.get("MinValue") != 0:
            problems.append(f"{name}: default {parameter.get('Default')!r} (0 = unreserved expected)")
    return problems


def cors_violations(t: Template) -> list[str]:
    """CORS only for the origins of a parameter (none by default), and the Authorization header allowed."""
    cors = http_api(t).get("CorsConfiguration")
    problems = []
    match cors:
        case {"Fn::If": [str(condition), dict(config), {"Ref": "AWS::NoValue"}]}:
            expected = {"Fn::Not": [{"Fn::Equals": [{"Ref": "CorsAllowedOrigins"}, ""]}]}
            if t.get("Conditions", {}).get(condition) != expected:
                problems.append(f"CorsConfiguration: condition {condition} is not `CorsAllowedOrigins != ''`")
            if config.get("AllowOrigins") != {"Fn::Split": [",", {"Ref": "CorsAllowedOrigins"}]}:
                problems.append(f"CorsConfiguration: AllowOrigins {config.get('AllowOrigins')!r}")
            if "Authorization" not in config.get("AllowHeaders", []):
                problems.append("CorsConfiguration: Authorization header not allowed")
            if config.get("AllowCredentials"):
                problems.append("CorsConfiguration: AllowCredentials (bearer tokens need no cookies)")
        case _:
            problems.append(f"CorsConfiguration {cors!r} is not conditional on CorsAllowedOrigins")
    if t.get("Parameters", {}).get("CorsAllowedOrigins", {}).get("Default") != "":
        problems.append("CorsAllowedOrigins: default is not empty")
    return problems


def access_log_violations(t: Template) -> list[str]:
    """Access logs in JSON to a log group of this template with a retention; no tokens, bodies or paths."""
    settings = http_api(t).get("AccessLogSettings") or {}
    problems = []
    group_id = target_id(settings.get("DestinationArn"))
    group = t["Resources"].get(str(group_id), {})
    if group.get("Type") != "AWS::Logs::LogGroup":
        problems.append(
            f"AccessLogSettings: destination {settings.get('DestinationArn')!r} is not a log group here"
        )
    elif group["Properties"].get("RetentionInDays") != {"Ref": "LogRetentionDays"}:
        problems.append(f"{group_id}: RetentionInDays is not LogRetentionDays")
    log_format = str(settings.get("Format", ""))
    try:
        fields = json.loads(re.sub(r"\$context\.[\w.]+", "x", log_format))
    except json.JSONDecodeError:
        return [*problems, f"AccessLogSettings: Format is not JSON: {log_format!r}"]
    if missing := ACCESS_LOG_FIELDS - set(fields if isinstance(fields, dict) else {}):
        problems.append(f"AccessLogSettings: fields missing {sorted(missing)}")
    problems += [f"AccessLogSettings: logs {m.group(0)!r}" for m in ACCESS_LOG_FORBIDDEN.finditer(log_format)]
    return problems


def model_bucket_violations(t: Template) -> list[str]:
    """The model bucket keeps versions (rollback, recovery) for a bounded time, private and encrypted."""
    props = t["Resources"]["ModelBucket"]["Properties"]
    problems = []
    if props.get("VersioningConfiguration") != {"Status": "Enabled"}:
        problems.append(f"ModelBucket: VersioningConfiguration {props.get('VersioningConfiguration')!r}")
    rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
    noncurrent = [
        r
        for r in rules
        if r.get("Status") == "Enabled" and "Prefix" not in r and "NoncurrentVersionExpiration" in r
    ]
    if not noncurrent:
        problems.append("ModelBucket: no enabled bucket-wide rule expiring noncurrent versions")
    if not any(r.get("ExpiredObjectDeleteMarker") is True for r in rules):
        problems.append("ModelBucket: expired delete markers are never removed")
    block = props.get("PublicAccessBlockConfiguration", {})
    if len(block) != 4 or not all(v is True for v in block.values()):
        problems.append(f"ModelBucket: PublicAccessBlockConfiguration {block!r}")
    return problems


CHECKS: dict[str, Check] = {
    "runtime": runtime_violations,
    "layer": layer_violations,
    "routes": route_violations,
    "read_only": read_only_violations,
    "wildcards": wildcard_violations,
    "policy_scope": policy_scope_violations,
    "queues": queue_violations,
    "encryption": encryption_violations,
    "tables": table_violations,
    "names": hard_coded_name_violations,
    "log_groups": log_group_violations,
    "outputs": output_violations,
    "least_privilege": least_privilege_violations,
    "bucket_admin": bucket_admin_violations,
    "auth": auth_violations,
    "throttling": throttling_violations,
    "reserved_concurrency": reserved_concurrency_violations,
    "cors": cors_violations,
    "access_logs": access_log_violations,
    "model_bucket": model_bucket_violations,
}


# ---------- the template passes every rule ----------


def test_the_loader_reads_short_form_intrinsics():
    loaded = load_template("a: !Ref X\nb: !GetAtt Q.Arn\nc: !Sub 'x-${Y}'\nd: !Select [0, !GetAZs '']\n")
    assert loaded == {
        "a": {"Ref": "X"},
        "b": {"Fn::GetAtt": ["Q", "Arn"]},
        "c": {"Fn::Sub": "x-${Y}"},
        "d": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
    }


@pytest.mark.parametrize("name", CHECKS)
def test_template_satisfies(template: Template, name: str):
    assert CHECKS[name](template) == []


def test_globals_pin_runtime_architecture_and_layer(template: Template):
    fn = global_function(template)
    assert fn["Runtime"] == "python3.13"
    assert fn["Architectures"] == ["arm64"]
    assert fn["Layers"] == [{"Ref": "CommonLayer"}]


def test_snapstart_is_on_by_default_for_every_function_where_lambda_supports_it(template: Template):
    # SnapStart applies to published versions only (AutoPublishAlias publishes one per deploy), needs a
    # runtime that supports it, and excludes provisioned concurrency, EFS and enlarged ephemeral storage
    # (the assertions below state the exact limits the template must respect).
    parameter = template["Parameters"]["SnapStart"]
    assert parameter["Default"] == "PublishedVersions"
    assert set(parameter["AllowedValues"]) == {"None", "PublishedVersions"}
    for fid in functions(template):
        assert effective(template, fid, "SnapStart") == {"ApplyOn": {"Ref": "SnapStart"}}, fid
        assert effective(template, fid, "AutoPublishAlias"), fid
        runtime = effective(template, fid, "Runtime")
        assert runtime.startswith("python3."), fid
        assert int(runtime.removeprefix("python3.")) >= 12, fid
        assert effective(template, fid, "ProvisionedConcurrencyConfig") is None, fid
        assert effective(template, fid, "FileSystemConfigs") is None, fid
        assert effective(template, fid, "EphemeralStorage", {"Size": 512})["Size"] <= 512, fid


def test_the_routes_are_exactly_the_v1_api(template: Template):
    assert http_routes(template) == EXPECTED_ROUTES


def test_both_queues_are_consumed_and_every_other_queue_is_their_dlq(template: Template):
    queues = resources(template, "AWS::SQS::Queue")
    consumed = {queue for _, queue, _ in sqs_sources(template) if queue is not None}
    assert consumed == {"IngestQueue", "ProfileUpdateQueue"}
    dlqs = {target_id(queues[q]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]) for q in consumed}
    assert set(queues) == consumed | dlqs


# ---------- each rule catches the regression it exists for ----------


def _set(path: str, value: Any) -> Callable[[Template], None]:
    """A mutation that sets Resources.<path> (dot-separated) to value; None deletes the key."""

    def mutate(t: Template) -> None:
        *parents, leaf = path.split(".")
        node = t["Resources"]
        for key in parents:
            node = node[key]
        if value is None:
            del node[leaf]
        else:
            node[leaf] = value

    return mutate


def _add_event(function_id: str, event: dict[str, Any]) -> Callable[[Template], None]:
    def mutate(t: Template) -> None:
        t["Resources"][function_id]["Properties"]["Events"]["Injected"] = event

    return mutate


def _add_policy(function_id: str, policy: Any) -> Callable[[Template], None]:
    def mutate(t: Template) -> None:
        t["Resources"][function_id]["Properties"]["Policies"].append(policy)

    return mutate


def _slow_global_timeout(t: Template) -> None:
    """IngestFunction falls back to a Globals timeout that its queue's visibility no longer covers."""
    del t["Resources"]["IngestFunction"]["Properties"]["Timeout"]
    t["Globals"]["Function"]["Timeout"] = 31


def _drop_output(t: Template) -> None:
    del t["Outputs"]["ProfileUpdateDeadLetterQueueUrl"]


def _x86_globals(t: Template) -> None:
    t["Globals"]["Function"]["Architectures"] = ["x86_64"]


def _statement(function_id: str, sid: str) -> Callable[[Template], dict[str, Any]]:
    def find(t: Template) -> dict[str, Any]:
        fn = t["Resources"][function_id]
        return next(st for st in _statements(fn) if st.get("Sid") == sid)

    return find


def _grant(function_id: str, sid: str, action: str) -> Callable[[Template], None]:
    def mutate(t: Template) -> None:
        _statement(function_id, sid)(t)["Action"].append(action)

    return mutate


def _revoke(function_id: str, sid: str, action: str) -> Callable[[Template], None]:
    def mutate(t: Template) -> None:
        _statement(function_id, sid)(t)["Action"].remove(action)

    return mutate


def _api(key: str, value: Any) -> Callable[[Template], None]:
    """Set (None: delete) HttpApi's property key; `A/B` reaches into nested mappings."""

    def mutate(t: Template) -> None:
        *parents, leaf = key.split("|")
        node = t["Resources"]["HttpApi"]["Properties"]
        for name in parents:
            node = node[name]
        if value is None:
            del node[leaf]
        else:
            node[leaf] = value

    return mutate


def _parameter(name: str, key: str, value: Any) -> Callable[[Template], None]:
    def mutate(t: Template) -> None:
        if value is None:
            del t["Parameters"][name][key]
        else:
            t["Parameters"][name][key] = value

    return mutate


def _drop_parameter(name: str) -> Callable[[Template], None]:
    def mutate(t: Template) -> None:
        del t["Parameters"][name]

    return mutate


def _condition(name: str, value: Any) -> Callable[[Template], None]:
    def mutate(t: Template) -> None:
        t["Conditions"][name] = value

    return mutate


def _cors(key: str, value: Any) -> Callable[[Template], None]:
    def mutate(t: Template) -> None:
        t["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]["Fn::If"][1][key] = value

    return mutate


def _log_format(edit: Callable[[dict[str, str]], object]) -> Callable[[Template], None]:
    def mutate(t: Template) -> None:
        settings = t["Resources"]["HttpApi"]["Properties"]["AccessLogSettings"]
        fields = json.loads(settings["Format"])
        edit(fields)
        settings["Format"] = json.dumps(fields)

    return mutate


def _drop_bucket_rule(rule_id: str) -> Callable[[Template], None]:
    def mutate(t: Template) -> None:
        rules = t["Resources"]["ModelBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
        rules[:] = [r for r in rules if r.get("Id") != rule_id]

    return mutate


FN = "RecommendFunction.Properties"
EVENTS = "RecommendFunction.Properties.Events"
MODEL_BUCKET_ARN = {"Fn::GetAtt": ["ModelBucket", "Arn"]}
MODEL_OBJECTS = {"Fn::Sub": "${ModelBucket.Arn}/*"}


def _allow(action: str, resource: Any) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Action": [action], "Resource": resource}]}


PROXY = {"Type": "HttpApi", "Properties": {"ApiId": {"Ref": "HttpApi"}, "Path": "/{proxy+}", "Method": "ANY"}}
DEFAULT_ROUTE = {"Type": "HttpApi", "Properties": {"ApiId": {"Ref": "HttpApi"}}}
STAR_STATEMENT = {"Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"}]}
STAR_ACTION = {
    "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": {"Fn::GetAtt": ["EventsTable", "Arn"]}}
    ]
}

REGRESSIONS: list[tuple[str, Callable[[Template], None], str, str]] = [
    ("x86 globals", _x86_globals, "runtime", "Architectures ['x86_64']"),
    ("function runtime override", _set(f"{FN}.Runtime", "python3.12"), "runtime", "Runtime 'python3.12'"),
    ("second layer", _set(f"{FN}.Layers", ["arn:aws:lambda:::layer:x:1"]), "runtime", "Layers"),
    ("layer built for x86", _set("CommonLayer.Metadata.BuildArchitecture", "x86_64"), "layer", "BuildArch"),
    ("layer build method", _set("CommonLayer.Metadata", {}), "layer", "BuildMethod None"),
    ("proxy route", _add_event("RecommendFunction", PROXY), "routes", "catch-all route ANY /{proxy+}"),
    ("$default route", _add_event("IngestFunction", DEFAULT_ROUTE), "routes", "catch-all route ANY $default"),
    (
        "route moved",
        _set("RecommendFunction.Properties.Events.GetHealth.Properties.Path", "/health"),
        "routes",
        "missing route GET /v1/health",
    ),
    (
        "recommend writes",
        _add_policy("RecommendFunction", {"DynamoDBCrudPolicy": {"TableName": {"Ref": "ProfilesTable"}}}),
        "read_only",
        "DynamoDBCrudPolicy",
    ),
    (
        "recommend sends",
        _add_policy(
            "RecommendFunction",
            {"SQSSendMessagePolicy": {"QueueName": {"Fn::GetAtt": ["ProfileUpdateQueue", "QueueName"]}}},
        ),
        "read_only",
        "SQSSendMessagePolicy",
    ),
    ("Resource *", _add_policy("IngestFunction", STAR_STATEMENT), "wildcards", "Resource '*'"),
    ("Action wildcard", _add_policy("IngestFunction", STAR_ACTION), "wildcards", "'dynamodb:*'"),
    ("managed policy", _add_policy("IngestFunction", "AmazonDynamoDBFullAccess"), "wildcards", "managed"),
    (
        "template scoped to *",
        _add_policy("IngestFunction", {"DynamoDBReadPolicy": {"TableName": "*"}}),
        "wildcards",
        "not scoped",
    ),
    (
        "policy on an unconfigured table",
        _add_policy("RecommendFunction", {"DynamoDBReadPolicy": {"TableName": {"Ref": "EventsTable"}}}),
        "policy_scope",
        "grants EventsTable",
    ),
    (
        "short visibility",
        _set("ProfileUpdateQueue.Properties.VisibilityTimeout", 60),
        "queues",
        "ProfileUpdateQueue: VisibilityTimeout 60s < 6 x ProfileUpdateFunction Timeout 60s",
    ),
    ("short visibility via Globals", _slow_global_timeout, "queues", "180s < 6 x IngestFunction Timeout 31s"),
    ("no redrive", _set("IngestQueue.Properties.RedrivePolicy", None), "queues", "IngestQueue: no Redrive"),
    (
        "maxReceiveCount 0",
        _set("IngestQueue.Properties.RedrivePolicy.maxReceiveCount", 0),
        "queues",
        "maxReceiveCount 0",
    ),
    (
        "DLQ expires first",
        _set("IngestDeadLetterQueue.Properties.MessageRetentionPeriod", 60),
        "queues",
        "does not retain",
    ),
    (
        "no partial batch failures",
        _set(
            "ProfileUpdateFunction.Properties.Events.ProfileUpdateQueueEvents.Properties.FunctionResponseTypes",
            None,
        ),
        "queues",
        "without FunctionResponseTypes",
    ),
    (
        "unencrypted DLQ",
        _set("IngestDeadLetterQueue.Properties.SqsManagedSseEnabled", None),
        "encryption",
        "Ingest",
    ),
    (
        "provisioned table",
        _set("CatalogTable.Properties.BillingMode", "PROVISIONED"),
        "tables",
        "'PROVISIONED'",
    ),
    (
        "no PITR",
        _set("ProfilesTable.Properties.PointInTimeRecoverySpecification", None),
        "tables",
        "point-in-time",
    ),
    ("no TTL", _set("EventsTable.Properties.TimeToLiveSpecification", None), "tables", "TimeToLive"),
    (
        "catalog without TTL",
        _set("CatalogTable.Properties.TimeToLiveSpecification", None),
        "tables",
        "CatalogTable: TimeToLive",
    ),
    ("named table", _set("EventsTable.Properties.TableName", "mixtape-events"), "names", "TableName"),
    ("named queue", _set("IngestQueue.Properties.QueueName", "ingest"), "names", "QueueName"),
    ("named function", _set(f"{FN}.FunctionName", "recommend"), "names", "FunctionName"),
    (
        "no retention",
        _set("RecommendFunctionLogGroup.Properties.RetentionInDays", None),
        "log_groups",
        "Retention",
    ),
    (
        "no log group",
        _set("IngestFunctionLogGroup.Properties.LogGroupName", "/x"),
        "log_groups",
        "IngestFunction",
    ),
    ("missing output", _drop_output, "outputs", "no output for ProfileUpdateDeadLetterQueue"),
    # least privilege: each function's actions, exactly
    (
        "profile updater may delete events one by one",
        _grant("ProfileUpdateFunction", "AppliedEventsLog", "dynamodb:DeleteItem"),
        "least_privilege",
        "ProfileUpdateFunction: dynamodb:DeleteItem on EventsTable is not used",
    ),
    (
        "profile updater loses the erasure query",
        _revoke("ProfileUpdateFunction", "AppliedEventsLog", "dynamodb:Query"),
        "least_privilege",
        "ProfileUpdateFunction: dynamodb:Query on EventsTable is used but not granted",
    ),
    (
        "profile updater may rewrite catalog items",
        _grant("ProfileUpdateFunction", "CatalogFeaturesAndPopularity", "dynamodb:PutItem"),
        "least_privilege",
        "dynamodb:PutItem on CatalogTable is not used",
    ),
    (
        "ingest may read profiles",
        _add_policy("IngestFunction", _allow("dynamodb:GetItem", {"Fn::GetAtt": ["ProfilesTable", "Arn"]})),
        "least_privilege",
        "IngestFunction: dynamodb:GetItem on ProfilesTable is not used",
    ),
    (
        "trainer loses its publish",
        _revoke("TrainFunction", "PublishModel", "s3:PutObject"),
        "least_privilege",
        "TrainFunction: s3:PutObject on ModelBucket is used but not granted",
    ),
    (
        "Crud policy template is back",
        _add_policy("ProfileUpdateFunction", {"DynamoDBCrudPolicy": {"TableName": {"Ref": "CatalogTable"}}}),
        "least_privilege",
        "policy template DynamoDBCrudPolicy",
    ),
    # no function administers the bucket
    (
        "S3CrudPolicy (PutObjectAcl, PutLifecycleConfiguration)",
        _add_policy("TrainFunction", {"S3CrudPolicy": {"BucketName": {"Ref": "ModelBucket"}}}),
        "bucket_admin",
        "TrainFunction: broad policy template S3CrudPolicy",
    ),
    (
        "object ACLs",
        _grant("CatalogSnapshotFunction", "Snapshots", "s3:PutObjectAcl"),
        "bucket_admin",
        "'s3:PutObjectAcl'",
    ),
    (
        "bucket lifecycle",
        _add_policy("TrainFunction", _allow("s3:PutLifecycleConfiguration", MODEL_BUCKET_ARN)),
        "bucket_admin",
        "'s3:PutLifecycleConfiguration'",
    ),
    (
        "bucket ACL",
        _add_policy("RecommendFunction", _allow("s3:PutBucketAcl", MODEL_BUCKET_ARN)),
        "bucket_admin",
        "PutBucketAcl",
    ),
    ("s3:*", _add_policy("TrainFunction", _allow("s3:*", MODEL_OBJECTS)), "bucket_admin", "'s3:*'"),
    # JWT authorizer and scopes
    ("no default authorizer", _api("Auth|DefaultAuthorizer", None), "auth", "HttpApi: Auth"),
    ("no Auth at all", _api("Auth", None), "auth", "HttpApi: Auth None"),
    (
        "audience hard-coded",
        _api("Auth|Authorizers|MixtapeJwt|JwtConfiguration|audience", ["mixtape"]),
        "auth",
        "HttpApi: Auth",
    ),
    (
        "token from a query string",
        _api("Auth|Authorizers|MixtapeJwt|IdentitySource", "$request.querystring.token"),
        "auth",
        "HttpApi: Auth",
    ),
    ("issuer parameter gone", _drop_parameter("JwtIssuer"), "auth", "parameter JwtIssuer missing"),
    (
        "erasure with a read scope",
        _set(
            "ProfileUpdateFunction.Properties.Events.DeleteUser.Properties.Auth",
            {"AuthorizationScopes": ["profiles:read"]},
        ),
        "auth",
        "DELETE /v1/users/{user_id}: Auth",
    ),
    (
        "profile route without scopes",
        _set(f"{EVENTS}.GetProfile.Properties.Auth", None),
        "auth",
        "GET /v1/users/{user_id}/profile: Auth None",
    ),
    (
        "events made public",
        _set("IngestFunction.Properties.Events.PostEvents.Properties.Auth", {"Authorizer": "NONE"}),
        "auth",
        "POST /v1/events: Auth {'Authorizer': 'NONE'}",
    ),
    (
        "health behind the authorizer",
        _set(f"{EVENTS}.GetHealth.Properties.Auth", None),
        "auth",
        "GET /v1/health: public route with Auth None",
    ),
    (
        "new route with no scope decided",
        _add_event(
            "RecommendFunction",
            {
                "Type": "HttpApi",
                "Properties": {"ApiId": {"Ref": "HttpApi"}, "Path": "/v1/admin", "Method": "GET"},
            },
        ),
        "auth",
        "GET /v1/admin (RecommendFunction): no scope listed",
    ),
    # throttling
    (
        "erasure not throttled apart",
        _api("RouteSettings|DELETE /v1/users/{user_id}", None),
        "throttling",
        "RouteSettings DELETE /v1/users/{user_id}: throttling None",
    ),
    (
        "write limit above the default",
        _parameter("WriteRateLimit", "Default", 5000),
        "throttling",
        "RouteSettings POST /v1/events: (5000, 200) is not stricter than the default (1000, 2000)",
    ),
    (
        "hard-coded default throttling",
        _api("DefaultRouteSettings", {"ThrottlingBurstLimit": 2000, "ThrottlingRateLimit": 1000}),
        "throttling",
        "DefaultRouteSettings: throttling",
    ),
    # reserved concurrency
    (
        "hard-coded reserved concurrency",
        _set(f"{FN}.ReservedConcurrentExecutions", 100),
        "reserved_concurrency",
        "RecommendFunction: ReservedConcurrentExecutions 100",
    ),
    (
        "reserved concurrency dropped",
        _set("IngestFunction.Properties.ReservedConcurrentExecutions", None),
        "reserved_concurrency",
        "IngestFunction: ReservedConcurrentExecutions None",
    ),
    (
        "condition always true",
        _condition("HasProfileUpdateReservedConcurrency", {"Fn::Equals": ["a", "a"]}),
        "reserved_concurrency",
        "ProfileUpdateFunction: condition HasProfileUpdateReservedConcurrency",
    ),
    (
        "reserved by default",
        _parameter("IngestReservedConcurrency", "Default", 10),
        "reserved_concurrency",
        "IngestReservedConcurrency: default 10",
    ),
    # CORS
    (
        "CORS for everyone",
        _api("CorsConfiguration", True),
        "cors",
        "is not conditional on CorsAllowedOrigins",
    ),
    ("wildcard origin", _cors("AllowOrigins", ["*"]), "cors", "AllowOrigins ['*']"),
    ("no Authorization header", _cors("AllowHeaders", ["Content-Type"]), "cors", "Authorization header"),
    ("credentials", _cors("AllowCredentials", True), "cors", "AllowCredentials"),
    ("origins by default", _parameter("CorsAllowedOrigins", "Default", "*"), "cors", "default is not empty"),
    (
        "CORS whatever the parameter",
        _condition("HasCorsOrigins", {"Fn::Equals": ["a", "a"]}),
        "cors",
        "condition HasCorsOrigins",
    ),
    # access logs
    ("no access logs", _api("AccessLogSettings", None), "access_logs", "destination None"),
    (
        "access logs kept forever",
        _set("HttpApiAccessLogGroup.Properties.RetentionInDays", None),
        "access_logs",
        "HttpApiAccessLogGroup: RetentionInDays",
    ),
    (
        "token logged",
        _log_format(lambda f: f.update(auth="$request.header.Authorization")),
        "access_logs",
        "'$request.'",
    ),
    (
        "claims logged",
        _log_format(lambda f: f.update(sub="$context.authorizer.claims.sub")),
        "access_logs",
        "'$context.authorizer.claims'",
    ),
    ("path logged", _log_format(lambda f: f.update(path="$context.path")), "access_logs", "'$context.path'"),
    ("status not logged", _log_format(lambda f: f.pop("status")), "access_logs", "fields missing ['status']"),
    (
        "not JSON",
        _api("AccessLogSettings|Format", "$context.requestId $context.status"),
        "access_logs",
        "Format is not JSON",
    ),
    # model bucket
    (
        "versioning suspended",
        _set("ModelBucket.Properties.VersioningConfiguration", {"Status": "Suspended"}),
        "model_bucket",
        "VersioningConfiguration",
    ),
    (
        "noncurrent versions kept forever",
        _drop_bucket_rule("ExpireNoncurrentVersions"),
        "model_bucket",
        "noncurrent versions",
    ),
    (
        "delete markers pile up",
        _drop_bucket_rule("RemoveExpiredDeleteMarkers"),
        "model_bucket",
        "delete markers",
    ),
    (
        "public bucket",
        _set("ModelBucket.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets", False),
        "model_bucket",
        "PublicAccessBlockConfiguration",
    ),
    # the rules extended to inline statements
    (
        "recommend writes through a statement",
        _add_policy(
            "RecommendFunction", _allow("dynamodb:PutItem", {"Fn::GetAtt": ["ProfilesTable", "Arn"]})
        ),
        "read_only",
        "'dynamodb:PutItem' is not a read action",
    ),
    (
        "statement on an unconfigured table",
        _add_policy("TrainFunction", _allow("dynamodb:GetItem", {"Fn::GetAtt": ["ProfilesTable", "Arn"]})),
        "policy_scope",
        "TrainFunction: a statement grants ProfilesTable",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "check", "expected"),
    [pytest.param(m, c, e, id=name) for name, m, c, e in REGRESSIONS],
)
def test_each_check_catches_its_regression(
    template: Template, mutate: Callable[[Template], None], check: str, expected: str
):
    mutate(template)
    problems = CHECKS[check](template)
    assert any(expected in p for p in problems), problems


def test_every_check_has_a_regression():
    assert {check for _, _, check, _ in REGRESSIONS} == set(CHECKS)


# ---------- cfn-lint ----------


def cfn_lint_findings(text: str) -> list[str]:
    """Errors and warnings, as `cfn-lint template.yaml` reports them (informational rules are opt-in)."""
    api = pytest.importorskip("cfnlint.api")
    return [str(match) for match in api.lint_all(text) if match.rule.id[0] in "EW"]


def test_cfn_lint_is_clean():
    assert cfn_lint_findings(RAW) == []


def test_cfn_lint_reports_a_broken_template():
    broken = RAW.replace("VisibilityTimeout: 180", "VisibilityTimeout: 99999")
    assert broken != RAW
    assert any("E3034" in finding for finding in cfn_lint_findings(broken))
