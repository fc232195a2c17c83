"""Read template.yaml for local use: resources, HTTP routes, SQS event sources and intrinsic resolution.

Local physical names are deterministic (`mixtape-local-<LogicalId>`), so the runner, `local.invoke` and the
e2e fixture all agree on table names and queue URLs without sharing state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
LOCAL_PREFIX = "mixtape-local"
DEFAULT_TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"

# SAM's defaults when neither Globals nor the function set them.
_SAM_DEFAULT_TIMEOUT = 3
_SAM_DEFAULT_MEMORY = 128
# CloudFormation table properties that DynamoDB's CreateTable accepts unchanged.
_TABLE_PASSTHROUGH = ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput")


class TemplateError(ValueError):
    """The template uses something the local stack cannot emulate."""


def local_name(logical_id: str) -> str:
    return f"{LOCAL_PREFIX}-{logical_id}"


# ---------- YAML with CloudFormation short tags ----------


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns `!Ref X`, `!GetAtt A.B`, `!Sub ...` etc. into their long-form dicts."""


def _construct_intrinsic(loader: _CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise TemplateError(f"unexpected YAML node for !{tag_suffix}")
    if tag_suffix in ("Ref", "Condition"):
        return {tag_suffix: value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


def load_yaml(text: str) -> Any:
    # _CfnLoader is a SafeLoader subclass: it only adds CloudFormation's intrinsic tags.
    return yaml.load(text, Loader=_CfnLoader)  # noqa: S506  # nosec B506


# ---------- typed view of the template ----------


@dataclass(frozen=True)
class Table:
    logical_id: str
    key_schema: list[dict[str, str]]
    attribute_definitions: list[dict[str, str]]
    billing_mode: str
    ttl_attribute: str | None
    extra: dict[str, Any] = field(default_factory=dict)  # GSIs/LSIs/throughput, passed to CreateTable


@dataclass(frozen=True)
class Redrive:
    dlq_logical_id: str
    max_receive_count: int


@dataclass(frozen=True)
class Queue:
    logical_id: str
    visibility_timeout: int | None
    message_retention_period: int | None
    redrive: Redrive | None


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_uri: Path
    handler: str  # "app.lambda_handler"
    environment: dict[str, Any]  # Globals merged with the function's own; intrinsics unresolved
    timeout: int
    memory_size: int

    @property
    def module_path(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_uri / (module.replace(".", "/") + ".py")

    @property
    def handler_name(self) -> str:
        return self.handler.rpartition(".")[2]


@dataclass(frozen=True)
class HttpRoute:
    method: str  # upper case, or "ANY"
    path: str  # "/v1/users/{user_id}/recommendations"
    function_id: str
    authorizer: str | None = None  # the API's authorizer guarding the route; None: public
    scopes: tuple[str, ...] = ()  # AuthorizationScopes: a token needs at least one of them

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class JwtAuthorizerConfig:
    """An HttpApi's `Auth.Authorizers.<name>` of the JWT kind; issuer and audience left unresolved (locally
    the local issuer stands in for them)."""

    name: str
    identity_source: str
    issuer: Any
    audience: Any


@dataclass(frozen=True)
class SqsEventSource:
    function_id: str
    queue_id: str
    batch_size: int
    maximum_batching_window_seconds: int
    function_response_types: tuple[str, ...]

    @property
    def report_batch_item_failures(self) -> bool:
        return "ReportBatchItemFailures" in self.function_response_types


@dataclass(frozen=True)
class Template:
    path: Path
    resources: dict[str, dict[str, Any]]
    parameter_defaults: dict[str, str]
    tables: dict[str, Table]
    queues: dict[str, Queue]
    functions: dict[str, Function]
    buckets: list[str]  # logical ids of the S3 buckets
    routes: list[HttpRoute]
    sqs_sources: list[SqsEventSource]
    layer_dirs: list[Path]
    authorizers: dict[str, JwtAuthorizerConfig] = field(default_factory=dict)


def load_template(path: Path = DEFAULT_TEMPLATE) -> Template:
    doc = load_yaml(path.read_text(encoding="utf-8"))
    root = path.resolve().parent
    resources: dict[str, dict[str, Any]] = doc.get("Resources", {})
    globals_fn: dict[str, Any] = doc.get("Globals", {}).get("Function", {})

    def of_type(cfn_type: str) -> Iterable[tuple[str, dict[str, Any]]]:
        return ((lid, r.get("Properties", {})) for lid, r in resources.items() if r["Type"] == cfn_type)

    functions = {lid: _function(lid, p, globals_fn, root) for lid, p in of_type("AWS::Serverless::Function")}
    routes: list[HttpRoute] = []
    sqs_sources: list[SqsEventSource] = []
    api_auth = {lid: p.get("Auth", {}) for lid, p in of_type("AWS::Serverless::HttpApi")}
    implicit_auth: dict[str, Any] = doc.get("Globals", {}).get("HttpApi", {}).get("Auth", {})
    authorizers: dict[str, JwtAuthorizerConfig] = {}
    for auth in [implicit_auth, *api_auth.values()]:
        authorizers.update(_jwt_authorizers(auth))
    for lid, props in of_type("AWS::Serverless::Function"):
        for event in props.get("Events", {}).values():
            if event["Type"] == "HttpApi":
                event_props = event.get("Properties", {})
                api = event_props.get("ApiId")
                explicit = isinstance(api, dict) and "Ref" in api
                auth = api_auth.get(api["Ref"], {}) if explicit else implicit_auth
                routes.append(_route(lid, event_props, auth))
            elif event["Type"] == "SQS":
                sqs_sources.append(_sqs_source(lid, event["Properties"]))

    return Template(
        path=path.resolve(),
        resources=resources,
        parameter_defaults={
            name: _cfn_str(p["Default"]) for name, p in doc.get("Parameters", {}).items() if "Default" in p
        },
        tables={lid: _table(lid, p) for lid, p in of_type("AWS::DynamoDB::Table")},
        queues={lid: _queue(lid, p) for lid, p in of_type("AWS::SQS::Queue")},
        functions=functions,
        buckets=[lid for lid, _ in of_type("AWS::S3::Bucket")],
        routes=routes,
        sqs_sources=sqs_sources,
        layer_dirs=[root / p["ContentUri"] for _, p in of_type("AWS::Serverless::LayerVersion")],
        authorizers=authorizers,
    )


def _function(lid: str, props: dict[str, Any], globals_fn: dict[str, Any], root: Path) -> Function:
    env = {
        **globals_fn.get("Environment", {}).get("Variables", {}),
        **props.get("Environment", {}).get("Variables", {}),
    }
    return Function(
        logical_id=lid,
        code_uri=root / props["CodeUri"],
        handler=props.get("Handler", globals_fn.get("Handler", "")),
        environment=env,
        timeout=int(props.get("Timeout", globals_fn.get("Timeout", _SAM_DEFAULT_TIMEOUT))),
        memory_size=int(props.get("MemorySize", globals_fn.get("MemorySize", _SAM_DEFAULT_MEMORY))),
    )


def _jwt_authorizers(auth: dict[str, Any]) -> dict[str, JwtAuthorizerConfig]:
    found: dict[str, JwtAuthorizerConfig] = {}
    for name, spec in auth.get("Authorizers", {}).items():
        if "JwtConfiguration" not in spec:
            raise TemplateError(f"authorizer {name}: only JWT authorizers are supported locally")
        config = spec["JwtConfiguration"]
        found[name] = JwtAuthorizerConfig(
            name=name,
            identity_source=str(spec.get("IdentitySource", "$request.header.Authorization")),
            issuer=config.get("issuer"),
            audience=config.get("audience"),
        )
    return found


def _route(function_id: str, props: dict[str, Any], api_auth: dict[str, Any]) -> HttpRoute:
    """The route and its guard as SAM resolves it: the event's `Auth.Authorizer` (NONE: public), else the
    API's DefaultAuthorizer; scopes from the event's `Auth.AuthorizationScopes`."""
    if "Path" not in props or "Method" not in props:
        raise TemplateError(f"{function_id}: HttpApi events without Path/Method ($default) are not supported")
    auth = props.get("Auth", {})
    authorizer = auth.get("Authorizer", api_auth.get("DefaultAuthorizer"))
    if authorizer is not None and authorizer != "NONE" and authorizer not in api_auth.get("Authorizers", {}):
        raise TemplateError(f"{function_id} {props['Path']}: no authorizer named {authorizer!r} on its API")
    return HttpRoute(
        method=str(props["Method"]).upper(),
        path=props["Path"],
        function_id=function_id,
        authorizer=None if authorizer in (None, "NONE") else str(authorizer),
        scopes=tuple(str(s) for s in auth.get("AuthorizationScopes", ())),
    )


def _sqs_source(function_id: str, props: dict[str, Any]) -> SqsEventSource:
    return SqsEventSource(
        function_id=function_id,
        queue_id=_get_att_target(props["Queue"], "Arn"),
        batch_size=int(props.get("BatchSize", 10)),
        maximum_batching_window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
        function_response_types=tuple(props.get("FunctionResponseTypes", ())),
    )


def _table(lid: str, props: dict[str, Any]) -> Table:
    ttl = props.get("TimeToLiveSpecification")
    return Table(
        logical_id=lid,
        key_schema=props["KeySchema"],
        attribute_definitions=props["AttributeDefinitions"],
        billing_mode=props.get("BillingMode", "PROVISIONED"),
        ttl_attribute=ttl["AttributeName"] if ttl and ttl.get("Enabled") else None,
        extra={k: props[k] for k in _TABLE_PASSTHROUGH if k in props},
    )


def _queue(lid: str, props: dict[str, Any]) -> Queue:
    policy = props.get("RedrivePolicy")
    redrive = None
    if policy:
        redrive = Redrive(
            dlq_logical_id=_get_att_target(policy["deadLetterTargetArn"], "Arn"),
            max_receive_count=int(policy["maxReceiveCount"]),
        )
    vt, retention = props.get("VisibilityTimeout"), props.get("MessageRetentionPeriod")
    return Queue(
        logical_id=lid,
        visibility_timeout=None if vt is None else int(vt),
        message_retention_period=None if retention is None else int(retention),
        redrive=redrive,
    )


def _get_att_target(value: Any, attribute: str) -> str:
    """Logical id behind `!GetAtt X.<attribute>`: how the template wires queues to DLQs and functions."""
    match value:
        case {"Fn::GetAtt": [str(target), attr]} if attr == attribute:
            return target
    raise TemplateError(f"expected !GetAtt <LogicalId>.{attribute}, got {value!r}")


def _cfn_str(value: Any) -> str:
    """CloudFormation passes parameter values and environment variables as strings."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


# ---------- HTTP route matching (what API Gateway's router does) ----------


@dataclass(frozen=True)
class RouteMatch:
    route: HttpRoute
    path_parameters: dict[str, str]


def _match_path(template_path: str, raw_path: str) -> dict[str, str] | None:
    """Match on raw (still percent-encoded) segments so `%2F` stays inside one parameter, then decode."""
    expected, actual = template_path.split("/"), raw_path.split("/")
    if len(expected) != len(actual):
        return None
    params: dict[str, str] = {}
    for want, got in zip(expected, actual, strict=True):
        if want.startswith("{") and want.endswith("}"):
            if not got:
                return None
            params[want[1:-1]] = unquote(got)
        elif want != got:
            return None
    return params


def _specificity(route: HttpRoute) -> tuple[int, bool]:
    # API Gateway prefers literal segments over {params}, and an explicit method over ANY.
    literals = sum(1 for s in route.path.split("/") if not s.startswith("{"))
    return literals, route.method != "ANY"


def match_route(routes: Iterable[HttpRoute], method: str, raw_path: str) -> RouteMatch | None:
    candidates = [
        RouteMatch(route, params)
        for route in routes
        if route.method in (method.upper(), "ANY")
        and (params := _match_path(route.path, raw_path)) is not None
    ]
    return max(candidates, key=lambda m: _specificity(m.route), default=None)


# ---------- local resources and intrinsic resolution ----------


@dataclass(frozen=True)
class LocalResources:
    table_names: dict[str, str]
    queue_urls: dict[str, str]
    queue_arns: dict[str, str]
    bucket_names: dict[str, str] = field(default_factory=dict)


def bucket_name(logical_id: str) -> str:
    """S3 names are lower-case and global; locally a deterministic one per logical id is enough."""
    return local_name(logical_id).lower()


def create_buckets(s3: Any, template: Template) -> dict[str, str]:
    names = {lid: bucket_name(lid) for lid in template.buckets}
    for name in names.values():
        s3.create_bucket(Bucket=name)
    return names


def create_tables(dynamodb: Any, template: Template) -> dict[str, str]:
    """Create every table with the template's own key schema and TTL; returns logical id -> table name."""
    names: dict[str, str] = {}
    for table in template.tables.values():
        name = names[table.logical_id] = local_name(table.logical_id)
        dynamodb.create_table(
            TableName=name,
            KeySchema=table.key_schema,
            AttributeDefinitions=table.attribute_definitions,
            BillingMode=table.billing_mode,
            **table.extra,
        )
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
            )
    return names


def create_queues(sqs: Any, template: Template) -> dict[str, str]:
    """Create every queue, dead-letter queues first so redrive policies can name their ARNs."""
    urls: dict[str, str] = {}
    pending = list(template.queues.values())
    while pending:
        ready = [q for q in pending if q.redrive is None or q.redrive.dlq_logical_id in urls]
        if not ready:
            raise TemplateError(f"unresolvable dead-letter queues for {[q.logical_id for q in pending]}")
        for queue in ready:
            attributes: dict[str, str] = {}
            if queue.visibility_timeout is not None:
                attributes["VisibilityTimeout"] = str(queue.visibility_timeout)
            if queue.message_retention_period is not None:
                attributes["MessageRetentionPeriod"] = str(queue.message_retention_period)
            if queue.redrive:
                dlq_arn = queue_arn(sqs, urls[queue.redrive.dlq_logical_id])
                attributes["RedrivePolicy"] = json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.redrive.max_receive_count}
                )
            response = sqs.create_queue(QueueName=local_name(queue.logical_id), Attributes=attributes)
            urls[queue.logical_id] = response["QueueUrl"]
            pending.remove(queue)
    return urls


def queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return str(attributes["QueueArn"])


def provision(dynamodb: Any, sqs: Any, template: Template, s3: Any = None) -> LocalResources:
    """Create the template's tables and queues, and its buckets when an S3 client is given."""
    tables = create_tables(dynamodb, template)
    urls = create_queues(sqs, template)
    buckets = create_buckets(s3, template) if s3 is not None else {}
    return LocalResources(tables, urls, {lid: queue_arn(sqs, url) for lid, url in urls.items()}, buckets)


def lookup_resources(sqs: Any, template: Template) -> LocalResources:
    """The resources an already running stack created (names are deterministic; URLs come from SQS)."""
    urls = {lid: sqs.get_queue_url(QueueName=local_name(lid))["QueueUrl"] for lid in template.queues}
    return LocalResources(
        table_names={lid: local_name(lid) for lid in template.tables},
        queue_urls=urls,
        queue_arns={lid: queue_arn(sqs, url) for lid, url in urls.items()},
        bucket_names={lid: bucket_name(lid) for lid in template.buckets},
    )


_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_PSEUDO_PARAMETERS = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": LOCAL_PREFIX,
}


class Resolver:
    """Resolves Ref / GetAtt / Sub / Join against the local resources, the way CloudFormation would."""

    def __init__(self, template: Template, resources: LocalResources) -> None:
        self._template = template
        self._resources = resources

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key in ("Ref", "Condition") or key.startswith("Fn::"):
                return self._intrinsic(key, arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def _intrinsic(self, key: str, arg: Any) -> str:
        match key:
            case "Ref":
                return self.ref(arg)
            case "Fn::GetAtt":
                return self.get_att(*arg)
            case "Fn::Sub":
                return self._sub(arg)
            case "Fn::Join":
                separator, parts = arg
                return str(separator).join(_cfn_str(self.resolve(p)) for p in parts)
        raise TemplateError(f"{key} is not supported by the local stack")

    def ref(self, name: str) -> str:
        if name in _PSEUDO_PARAMETERS:
            return _PSEUDO_PARAMETERS[name]
        if name in self._template.parameter_defaults:
            return self._template.parameter_defaults[name]
        if name in self._resources.table_names:
            return self._resources.table_names[name]
        if name in self._resources.queue_urls:
            return self._resources.queue_urls[name]
        if name in self._resources.bucket_names:
            return self._resources.bucket_names[name]
        if name in self._template.resources:
            return local_name(name)  # functions, layers, APIs: their name is all a local Ref can mean
        raise TemplateError(f"!Ref {name}: no parameter default or resource with that name")

    def get_att(self, logical_id: str, attribute: str) -> str:
        name = local_name(logical_id)
        if logical_id in self._resources.queue_urls:
            if attribute == "Arn":
                return self._resources.queue_arns[logical_id]
            if attribute == "QueueName":
                return name
            if attribute == "QueueUrl":
                return self._resources.queue_urls[logical_id]
        if logical_id in self._resources.table_names and attribute == "Arn":
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
        if logical_id in self._template.functions and attribute == "Arn":
            return function_arn(logical_id)
        raise TemplateError(f"!GetAtt {logical_id}.{attribute} is not supported by the local stack")

    def environment(self, function: Function) -> dict[str, str]:
        return {k: _cfn_str(self.resolve(v)) for k, v in function.environment.items()}

    def _sub(self, arg: str | list[Any]) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def replace(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):  # ${!Literal} escapes a literal "${Literal}"
                return "${" + expression[1:] + "}"
            if expression in variables:
                return _cfn_str(self.resolve(variables[expression]))
            if "." in expression and not expression.startswith("AWS::"):
                return self.get_att(*expression.split(".", 1))
            return self.ref(expression)

        return _SUB_VARIABLE.sub(replace, text)


def function_arn(logical_id: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{local_name(logical_id)}"


def resolved_environment(template: Template, resolver: Resolver) -> dict[str, str]:
    """Union of all functions' variables; they share one process locally, so a name must mean one value."""
    merged: dict[str, str] = {}
    for function in template.functions.values():
        for key, value in resolver.environment(function).items():
            if merged.setdefault(key, value) != value:
                raise TemplateError(f"{key} differs between functions ({merged[key]!r} vs {value!r})")
    return merged
