"""Lazily created, cached AWS clients: nothing is built at import, so cold starts stay small and tests
can start moto first. `AWS_ENDPOINT_URL` (honoured by botocore) points them at the local stack.

Cold start and per-request CPU (measured with `bench.cold_start` and `bench.ingest_bench`):
- The clients come straight from one botocore session: boto3 would add nothing used here (resources,
  collections) for ~15 ms of import on every cold start.
- The session reads botocore's data through `DataLoader`, which skips three costs of a client's creation
  (~35 ms of a ~45 ms DynamoDB client, and the parsing of S3's 1.3 MB service model): see its docstring.
- DynamoDB responses are parsed by `AttributeValueJSONParser`: same result, 2.5x less CPU for items
  (the catalog load at each recommend cold start is 10 Scan pages of them).
- Client-side parameter validation is off. Every request is built by the storage modules from typed
  models and DynamoDB and SQS validate it again anyway; the check costs CPU on every call, and
  botocore's ~0.25 ms of CPU per request is what caps how many requests one invocation can make. A
  malformed request now fails as a `ClientError` (ValidationException) from the service instead of a
  `ParamValidationError` before sending.

`python -m mixtape.storage.clients` rewrites ENDPOINTS_FILE and the service model files from the installed
botocore (a unit test says when it is due: after a botocore upgrade, or when OPERATIONS changes).
"""

import json
import os
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import DataNotFoundError
from botocore.loaders import Loader, instance_cache
from botocore.parsers import JSONParser, ResponseParserFactory

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=2,
    read_timeout=5,
    max_pool_connections=64,
    parameter_validation=False,
)

# The services this module builds clients for (the functions below), and the operations the storage
# modules call on them (paginators included). A unit test finds every call in the layer's code and checks it
# is listed: a client has no method for an operation left out of its service model.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "dynamodb": ("BatchGetItem", "BatchWriteItem", "GetItem", "PutItem", "Query", "Scan", "UpdateItem"),
    "s3": ("GetObject", "PutObject"),
    "sqs": ("SendMessageBatch",),
}
SERVICES = tuple(OPERATIONS)
ENDPOINTS_FILE = Path(__file__).with_name("botocore_endpoints.json")


def service_model_file(service: str) -> Path:
    return Path(__file__).with_name(f"botocore_{service}.json")


def trimmed_endpoints(endpoints: dict[str, Any], services: tuple[str, ...] = SERVICES) -> dict[str, Any]:
    """botocore's `endpoints` data with every partition's service table cut down to `services`; partitions,
    regions and defaults are kept whole."""
    return {
        **endpoints,
        "partitions": [
            {**p, "services": {name: s for name, s in p["services"].items() if name in services}}
            for p in endpoints["partitions"]
        ],
    }


def _undocumented(definition: dict[str, Any]) -> dict[str, Any]:
    """An operation or shape without its documentation (used for docstrings only), members included."""
    kept = {k: v for k, v in definition.items() if k != "documentation"}
    if "members" in kept:
        kept["members"] = {name: _undocumented(member) for name, member in kept["members"].items()}
    return kept


def trimmed_service_model(model: dict[str, Any], operations: tuple[str, ...]) -> dict[str, Any]:
    """A botocore service model (extras applied) cut to `operations`, the endpoint-discovery operation (if
    the service has one) and the shapes they reach, without documentation; everything else kept whole."""
    names = [*operations, *(n for n, op in model["operations"].items() if op.get("endpointoperation"))]
    shapes = model["shapes"]
    reached: set[str] = set()
    todo = [
        ref["shape"]
        for name in names
        for ref in (model["operations"][name].get("input"), model["operations"][name].get("output"))
        if ref
    ] + [error["shape"] for name in names for error in model["operations"][name].get("errors", [])]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        shape = shapes[name]
        todo.extend(shape[k]["shape"] for k in ("member", "key", "value") if k in shape)
        todo.extend(member["shape"] for member in shape.get("members", {}).values())
    return {
        **{k: v for k, v in model.items() if k not in ("operations", "shapes", "documentation")},
        "operations": {name: _undocumented(model["operations"][name]) for name in sorted(set(names))},
        "shapes": {name: _undocumented(shapes[name]) for name in sorted(reached)},
    }


class DataLoader(Loader):  # type: ignore[misc]  # botocore ships no type hints
    """botocore's data loader, minus three costs of a client's creation, with the same requests for SERVICES:

    - `load_service_model` looks in the requested service's own directory instead of first listing every
      service botocore ships (~450 directories walked, per model type: service-2, then the endpoint rule
      set; ~15 ms in all) only to check the name. An unknown name still gets botocore's own error.
    - `endpoints` (the legacy endpoint table that every client reads for its partition, region and signing
      defaults: 1.25 MB of JSON, ~15 ms) comes from ENDPOINTS_FILE, the same table cut down to SERVICES
      (`trimmed_endpoints`; a unit test compares it with the installed botocore). It is reported as loaded
      from botocore's own data directory, which it is a part of: that keeps botocore's endpoint rule sets in
      charge, exactly as with the full file. A table in an override directory (~/.aws/models) still wins.
    - A service model (`service-2`, the operations and their shapes) comes from `service_model_file`: the
      installed botocore's model with its extras applied, cut to OPERATIONS (`trimmed_service_model`; a
      unit test compares it with the installed botocore). DynamoDB's model is 0.5 MB of JSON (~4 ms to
      decompress and parse), S3's 1.3 MB, the cut ones 3-50 KB. Other versions, or a model in an override
      directory, are botocore's own.
    """

    @instance_cache
    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        if api_version is None:
            try:
                api_version = self.determine_latest_version(service_name, type_name)
            except DataNotFoundError:
                return super().load_service_model(service_name, type_name)  # raises UnknownServiceError
        if type_name == "service-2" and service_name in OPERATIONS and not self._overridden(service_name):
            with service_model_file(service_name).open("rb") as source:
                trimmed: dict[str, Any] = json.load(source)
            if trimmed["api_version"] == api_version:
                return trimmed["model"]
        model = self.load_data(os.path.join(service_name, api_version, type_name))
        self._extras_processor.process(model, self._find_extras(service_name, type_name, api_version))
        return model

    def _overridden(self, service_name: str) -> bool:
        return any(
            os.path.isdir(os.path.join(path, service_name))
            for path in self.search_paths
            if path != self.BUILTIN_DATA_PATH
        )

    @instance_cache
    def load_data_with_path(self, name: str) -> tuple[Any, str]:
        if name == "endpoints" and not any(
            self.file_loader.exists(os.path.join(path, name))
            for path in self.search_paths
            if path != self.BUILTIN_DATA_PATH
        ):
            with ENDPOINTS_FILE.open("rb") as source:
                return json.load(source), os.path.join(self.BUILTIN_DATA_PATH, name)
        found: tuple[Any, str] = super().load_data_with_path(name)
        return found


# DynamoDB's AttributeValue: a structure whose members are the type tags of one value.
ATTRIBUTE_VALUE_TAGS = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")
_AS_SENT = frozenset({"S", "N", "SS", "NS", "NULL", "BOOL"})  # strings, lists of strings, booleans


@lru_cache(maxsize=64)
def _is_attribute_value(shape: Any) -> bool:
    return bool(
        shape.name == "AttributeValue"
        and shape.type_name == "structure"
        and tuple(shape.members) == ATTRIBUTE_VALUE_TAGS
        and not any(m.serialization for m in shape.members.values())
    )


def _typed(tag: str, raw: Any, blob: Any) -> Any:
    if tag == "M":
        return {key: _attribute_value(v, blob) for key, v in raw.items()}
    if tag == "L":
        return [_attribute_value(v, blob) for v in raw]
    if tag == "B":
        return blob(raw)
    if tag == "BS":
        return [None if v is None else blob(v) for v in raw]
    return raw


def _attribute_value(value: Any, blob: Any) -> Any:
    """What botocore's JSON parser makes of one AttributeValue (see AttributeValueJSONParser): the members
    that are set, in member order, blobs decoded; a value of a plain type is returned as parsed from JSON."""
    if value is None:
        return None
    if len(value) == 1:  # every valid value
        ((tag, raw),) = value.items()
        if raw is None or tag not in ATTRIBUTE_VALUE_TAGS:
            return {}
        return value if tag in _AS_SENT else {tag: _typed(tag, raw, blob)}
    return {tag: _typed(tag, value[tag], blob) for tag in ATTRIBUTE_VALUE_TAGS if value.get(tag) is not None}


class AttributeValueJSONParser(JSONParser):  # type: ignore[misc]  # botocore ships no type hints
    """botocore's parser for the "json" protocol with a direct path for DynamoDB's AttributeValue, same
    output (unit tests compare the two). The generic path visits all ten members of the structure for every
    attribute of every item: a 1,000-item Scan page of the catalog took ~30 ms of CPU to parse, ~12 ms this
    way (4 of them json.loads), so a recommend container's catalog load of 10,000 items saves ~180 ms.
    Every other shape, and every other service, takes botocore's own path."""

    def _handle_structure(self, shape: Any, value: Any) -> Any:
        if _is_attribute_value(shape):
            return _attribute_value(value, self._blob_parser)
        return super()._handle_structure(shape, value)

    def _handle_map(self, shape: Any, value: Any) -> Any:
        if _is_attribute_value(shape.value):  # an item: the common case gets no function call per value
            blob, plain = self._blob_parser, _AS_SENT.issuperset
            return {
                key: v
                if v is not None and len(v) == 1 and plain(v) and None not in v.values()
                else _attribute_value(v, blob)
                for key, v in value.items()
            }
        return super()._handle_map(shape, value)


class ResponseParsers(ResponseParserFactory):  # type: ignore[misc]  # botocore ships no type hints
    """botocore's response parsers, with AttributeValueJSONParser for the "json" protocol."""

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            return AttributeValueJSONParser(**self._defaults)
        return super().create_parser(protocol_name)


@cache
def _session() -> botocore.session.Session:
    session = botocore.session.get_session()
    if session.get_config_variable("data_path") is None:  # AWS_DATA_PATH: botocore's own loader, as set up
        session.register_component("data_loader", DataLoader())
    session.register_component("response_parser_factory", ResponseParsers())
    return session


@cache
def dynamodb() -> Any:
    return _session().create_client("dynamodb", config=_CONFIG)


@cache
def sqs() -> Any:
    return _session().create_client("sqs", config=_CONFIG)


@cache
def s3() -> Any:
    return _session().create_client("s3", config=_CONFIG)


def reset() -> None:
    """Forget cached clients and credentials (tests that switch endpoints or credentials)."""
    dynamodb.cache_clear()
    sqs.cache_clear()
    s3.cache_clear()
    _session.cache_clear()


def committed_service_model(service: str, loader: Loader | None = None) -> dict[str, Any]:
    """What `service_model_file(service)` holds, made from `loader`'s (default: botocore's own) data."""
    loader = loader or Loader()
    version = loader.determine_latest_version(service, "service-2")
    full = loader.load_service_model(service, "service-2", version)
    return {"api_version": version, "model": trimmed_service_model(full, OPERATIONS[service])}


def _write_data_files() -> None:
    full, _ = Loader().load_data_with_path("endpoints")
    ENDPOINTS_FILE.write_text(json.dumps(trimmed_endpoints(full), indent=1) + "\n")
    for service in SERVICES:
        service_model_file(service).write_text(json.dumps(committed_service_model(service), indent=1) + "\n")


if __name__ == "__main__":
    _write_data_files()
