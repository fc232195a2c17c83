"""The clients' data loader (mixtape.storage.clients.DataLoader) skips cold-start work, not behaviour:
same service models, same endpoints, same signing as botocore's own loader."""

import json
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError
from botocore.loaders import Loader

from mixtape.storage import clients
from mixtape.storage.clients import ENDPOINTS_FILE, SERVICES, DataLoader, trimmed_endpoints

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
@pytest.mark.parametrize("type_name", ["service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2"])
def test_service_models_are_botocores_own(service, type_name):
    def load(loader: Loader) -> Any:
        try:
            return loader.load_service_model(service, type_name)
        except UnknownServiceError as error:  # e.g. SQS has no waiters
            return type(error)

    assert load(DataLoader()) == load(Loader())


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
    "sqs": ("get_queue_url", {"QueueName": "q"}),
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
