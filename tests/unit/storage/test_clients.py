"""The clients' data loader (mixtape.storage.clients.DataLoader) skips cold-start work, not behaviour:
same service models, same endpoints, same signing as botocore's own loader."""

import base64
import json
import random
import re
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import UnknownServiceError
from botocore.loaders import Loader
from botocore.parsers import JSONParser
from botocore.session import Session

from mixtape.storage import clients
from mixtape.storage.clients import (
    ENDPOINTS_FILE,
    OPERATIONS,
    SERVICES,
    AttributeValueJSONParser,
    DataLoader,
    committed_service_model,
    service_model_file,
    trimmed_endpoints,
    trimmed_service_model,
)
from tests.helpers import ROOT

REGENERATE = "PYTHONPATH=layers/common .venv/bin/python -m mixtape.storage.clients"


def test_the_trimmed_endpoint_table_is_the_installed_botocores_cut_to_our_services():
    full, _ = Loader().load_data_with_path("endpoints")
    committed = json.loads(ENDPOINTS_FILE.read_text())
    assert committed == json.loads(json.dumps(trimmed_endpoints(full))), f"stale: run {REGENERATE}"
    for partition in committed["partitions"]:
        assert set(partition["services"]) <= set(SERVICES)
    assert {p["partition"] for p in committed["partitions"]} == {p["partition"] for p in full["partitions"]}


def test_trimming_keeps_partitions_and_drops_other_services():
    endpoints = {
        "version": 3,
        "partitions": [
            {"partition": "aws", "regions": {"r": {}}, "services": {"dynamodb": {"a": 1}, "ec2": {"b": 2}}}
        ],
    }
    assert trimmed_endpoints(endpoints) == {
        "version": 3,
        "partitions": [{"partition": "aws", "regions": {"r": {}}, "services": {"dynamodb": {"a": 1}}}],
    }


@pytest.mark.parametrize("service", SERVICES)
def test_the_committed_service_models_are_the_installed_botocores_cut_to_our_operations(service):
    committed = json.loads(service_model_file(service).read_text())
    assert committed == json.loads(json.dumps(committed_service_model(service))), f"stale: run {REGENERATE}"
    assert DataLoader().load_service_model(service, "service-2") == committed["model"]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("type_name", ["endpoint-rule-set-1", "paginators-1", "waiters-2"])
def test_other_service_data_is_botocores_own(service, type_name):
    def load(loader: Loader) -> Any:
        try:
            return loader.load_service_model(service, type_name)
        except UnknownServiceError as error:  # e.g. SQS has no waiters
            return type(error)

    assert load(DataLoader()) == load(Loader())


def test_a_service_model_in_an_override_directory_still_wins(tmp_path):
    version = Loader().determine_latest_version("sqs", "service-2")
    (tmp_path / "sqs" / version).mkdir(parents=True)
    (tmp_path / "sqs" / version / "service-2.json").write_text(json.dumps({"custom": True}))
    assert DataLoader(extra_search_paths=[str(tmp_path)]).load_service_model("sqs", "service-2") == {
        "custom": True
    }


def test_trimming_keeps_the_operations_the_shapes_they_reach_and_no_documentation():
    model = {
        "version": "2.0",
        "metadata": {"protocol": "json"},
        "documentation": "a service",
        "operations": {
            "Get": {
                "name": "Get",
                "input": {"shape": "GetIn"},
                "errors": [{"shape": "Oops"}],
                "documentation": "d",
            },
            "Other": {"name": "Other", "input": {"shape": "OtherIn"}},
            "Describe": {"name": "Describe", "endpointoperation": True, "output": {"shape": "Endpoints"}},
        },
        "shapes": {
            "GetIn": {"type": "structure", "members": {"Keys": {"shape": "KeyList", "documentation": "k"}}},
            "KeyList": {"type": "list", "member": {"shape": "Map"}},
            "Map": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "N"}},
            "S": {"type": "string", "documentation": "s"},
            "N": {"type": "integer"},
            "Oops": {"type": "structure", "members": {}, "exception": True},
            "OtherIn": {"type": "structure", "members": {"Only": {"shape": "OnlyOther"}}},
            "OnlyOther": {"type": "string"},
            "Endpoints": {"type": "structure", "members": {}},
        },
    }
    assert trimmed_service_model(model, ("Get",)) == {
        "version": "2.0",
        "metadata": {"protocol": "json"},
        "operations": {
            "Describe": {"name": "Describe", "endpointoperation": True, "output": {"shape": "Endpoints"}},
            "Get": {"name": "Get", "input": {"shape": "GetIn"}, "errors": [{"shape": "Oops"}]},
        },
        "shapes": {
            "Endpoints": {"type": "structure", "members": {}},
            "GetIn": {"type": "structure", "members": {"Keys": {"shape": "KeyList"}}},
            "KeyList": {"type": "list", "member": {"shape": "Map"}},
            "Map": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "N"}},
            "N": {"type": "integer"},
            "Oops": {"type": "structure", "members": {}, "exception": True},
            "S": {"type": "string"},
        },
    }


def test_every_operation_the_layer_calls_is_in_its_services_cut_model():
    # A client has no method for an operation its (cut) service model leaves out: find every call.
    source = "\n".join(p.read_text() for p in (ROOT / "layers" / "common" / "mixtape").rglob("*.py"))
    methods = set(re.findall(r"client\.([a-z_]+)\(", source)) - {"get_paginator"}
    methods |= set(re.findall(r"get_paginator\(\"([a-z_]+)\"\)", source))
    full = Session()
    mapping = {
        method: (service, operation)
        for service in SERVICES
        for method, operation in full.create_client(
            service, region_name="us-east-1"
        ).meta.method_to_api_mapping.items()
    }
    called = {mapping[m] for m in methods}
    assert called == {(service, op) for service, ops in OPERATIONS.items() for op in ops}
    for service in SERVICES:
        client = clients._session().create_client(service, region_name="us-east-1")
        assert set(client.meta.method_to_api_mapping.values()) >= set(OPERATIONS[service])


def test_an_unknown_service_still_gets_botocores_error():
    with pytest.raises(UnknownServiceError):
        DataLoader().load_service_model("no-such-service", "service-2")


def test_an_endpoint_table_in_an_override_directory_still_wins(tmp_path):
    (tmp_path / "endpoints.json").write_text(json.dumps({"partitions": [], "version": 3}))
    data, path = DataLoader(extra_search_paths=[str(tmp_path)]).load_data_with_path("endpoints")
    assert data == {"partitions": [], "version": 3}
    assert path.startswith(str(tmp_path))


class _Sent(Exception):  # noqa: N818 - a control-flow signal, not an error
    pass


def _first_request(client: Any, operation: str, params: dict[str, Any]) -> dict[str, str]:
    """URL and SigV4 credential scope of the request the client would send (it never leaves)."""
    seen: dict[str, str] = {}

    def capture(request: Any, **_: Any) -> None:
        seen["url"] = request.url
        seen["scope"] = request.headers["Authorization"].decode().split("Credential=")[1].split(",")[0]
        raise _Sent

    client.meta.events.register("before-send", capture)
    with pytest.raises(_Sent):
        getattr(client, operation)(**params)
    scope = seen["scope"].split("/")  # AKID/date/region/service/aws4_request
    return {"url": seen["url"], "region": scope[2], "service": scope[3]}


REQUESTS: dict[str, tuple[str, dict[str, Any]]] = {
    "dynamodb": ("get_item", {"TableName": "t", "Key": {"pk": {"S": "a"}}}),
    "s3": ("get_object", {"Bucket": "models-bucket", "Key": "current.json"}),
    "sqs": (
        "send_message_batch",
        {"QueueUrl": "https://sqs.x/1/q", "Entries": [{"Id": "1", "MessageBody": "b"}]},
    ),
}


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    ("region", "config"),
    [
        ("us-east-1", {}),
        ("eu-central-1", {}),
        ("us-east-1", {"use_fips_endpoint": True}),
        ("us-west-2", {"use_dualstack_endpoint": True}),
        ("cn-north-1", {}),
        ("us-gov-west-1", {}),
        ("eu-isoe-west-1", {}),
    ],
)
def test_requests_go_to_the_same_endpoint_signed_the_same_way(monkeypatch, service, region, config):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    operation, params = REQUESTS[service]
    sent = []
    for loader in (Loader(), DataLoader()):
        session = botocore.session.get_session()
        session.register_component("data_loader", loader)
        client = session.create_client(
            service, region_name=region, config=botocore.config.Config(**config, parameter_validation=False)
        )
        sent.append((client.meta.endpoint_url, _first_request(client, operation, params)))
    assert sent[0] == sent[1]


def test_the_clients_session_uses_the_data_loader(monkeypatch):
    monkeypatch.delenv("AWS_DATA_PATH", raising=False)
    clients.reset()
    try:
        assert isinstance(clients._session().get_component("data_loader"), DataLoader)
        monkeypatch.setenv("AWS_DATA_PATH", "/nonexistent")
        clients.reset()
        assert not isinstance(clients._session().get_component("data_loader"), DataLoader)
    finally:
        clients.reset()


# --- AttributeValueJSONParser: the same parsed responses as botocore's JSON parser -----------------------

DYNAMODB = botocore.session.get_session().get_service_model("dynamodb")


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    tag = rng.choice(["S", "N", "B", "SS", "NS", "BS", "NULL", "BOOL"] + (["M", "L"] if depth < 3 else []))

    def blob() -> str:
        return base64.b64encode(rng.randbytes(rng.randrange(0, 12))).decode()

    makers: dict[str, Callable[[], Any]] = {
        "S": lambda: rng.choice(["", "x", "trk-000001", "é🎵"]),
        "N": lambda: str(rng.uniform(-1e6, 1e6)),
        "B": blob,
        "SS": lambda: [f"s{i}" for i in range(rng.randrange(1, 4))],
        "NS": lambda: [str(i) for i in range(rng.randrange(1, 4))],
        "BS": lambda: [blob() for _ in range(rng.randrange(1, 4))],
        "NULL": lambda: True,
        "BOOL": lambda: rng.random() < 0.5,
        "M": lambda: {f"k{i}": _random_value(rng, depth + 1) for i in range(rng.randrange(0, 4))},
        "L": lambda: [_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))],
    }
    return {tag: makers[tag]()}


def _item(rng: random.Random) -> dict[str, Any]:
    return {f"a{i}": _random_value(rng) for i in range(rng.randrange(1, 12))}


# Not what DynamoDB sends, but parsed the same way all the same.
ODD_VALUES: list[Any] = [
    {},
    {"S": None},
    {"S": "a", "N": "1"},  # two members: both kept, in botocore's member order
    {"BOOL": True, "S": "a", "Q": "unknown"},
    {"Q": "unknown"},
    {"SS": ["a", None]},
    {"BS": [None, "YQ=="]},
    {"L": [None, {"S": "a"}]},
    {"M": {"x": None, "y": {"B": "YQ=="}}},
    {"M": {"z": {"N": "1", "B": "YQ=="}}},
]


def _body(payload: dict[str, Any]) -> dict[str, Any]:
    return {"status_code": 200, "headers": {}, "body": json.dumps(payload).encode()}


def _both(operation_model: Any, payload: dict[str, Any]) -> tuple[Any, Any]:
    shape = operation_model.output_shape
    return JSONParser().parse(_body(payload), shape), AttributeValueJSONParser().parse(_body(payload), shape)


@pytest.mark.parametrize("seed", range(5))
def test_scan_query_and_get_responses_parse_as_with_botocore(seed):
    rng = random.Random(seed)
    items = [_item(rng) for _ in range(40)] + [{"odd": v} for v in ODD_VALUES]
    payloads: dict[str, dict[str, Any]] = {
        "Scan": {"Items": items, "Count": len(items), "LastEvaluatedKey": {"item_id": {"S": "trk-1"}}},
        "Query": {"Items": items, "Count": len(items)},
        "GetItem": {"Item": items[0]},
        "BatchGetItem": {"Responses": {"t": items}, "UnprocessedKeys": {"t": {"Keys": items[:2]}}},
        "TransactGetItems": {"Responses": [{"Item": item} for item in items]},
        "UpdateItem": {"Attributes": items[1]},
    }
    for operation, payload in payloads.items():
        botocores, ours = _both(DYNAMODB.operation_model(operation), payload)
        assert ours == botocores, operation
        assert list(ours) == list(botocores)


def test_odd_values_parse_exactly_as_with_botocore():
    for value in ODD_VALUES:
        botocores, ours = _both(DYNAMODB.operation_model("GetItem"), {"Item": {"a": value}})
        assert ours == botocores, value
        assert list(ours["Item"]["a"] or {}) == list(botocores["Item"]["a"] or {}), value  # member order


def test_binary_values_are_decoded_to_bytes():
    payload = {"Item": {"e": {"B": base64.b64encode(b"\x00\x01").decode()}, "s": {"BS": ["AAE="]}}}
    _, ours = _both(DYNAMODB.operation_model("GetItem"), payload)
    assert ours["Item"] == {"e": {"B": b"\x00\x01"}, "s": {"BS": [b"\x00\x01"]}}


def test_other_services_on_the_json_protocol_parse_as_with_botocore():
    sqs = botocore.session.get_session().get_service_model("sqs")
    payload = {
        "Messages": [
            {
                "MessageId": "m",
                "Body": "{}",
                "Attributes": {"ApproximateReceiveCount": "1"},
                "MessageAttributes": {"k": {"DataType": "Binary", "BinaryValue": "YQ=="}},
            }
        ]
    }
    botocores, ours = _both(sqs.operation_model("ReceiveMessage"), payload)
    assert ours == botocores
    assert ours["Messages"][0]["MessageAttributes"]["k"]["BinaryValue"] == b"a"


def test_the_clients_dynamodb_client_parses_with_the_fast_parser(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    parsed: list[type] = []
    original = AttributeValueJSONParser._handle_map

    def spy(self: Any, shape: Any, value: Any) -> Any:
        parsed.append(type(self))
        return original(self, shape, value)

    monkeypatch.setattr(AttributeValueJSONParser, "_handle_map", spy)
    body = json.dumps({"Item": {"pk": {"S": "a"}, "e": {"B": "AAE="}}}).encode()

    def reply(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, {}, _Raw(body))

    clients.reset()
    try:
        client = clients.dynamodb()
        client.meta.events.register("before-send", reply)
        item = client.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]
    finally:
        clients.reset()
    assert item == {"pk": {"S": "a"}, "e": {"B": b"\x00\x01"}}
    assert parsed == [AttributeValueJSONParser]


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body
