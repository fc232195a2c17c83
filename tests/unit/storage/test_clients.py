"""The storage modules' AWS clients (mixtape.storage.clients): made on first use, cached, pointed at
`AWS_ENDPOINT_URL` when set, with the shipped retry, timeout and validation settings; what they do
around a SnapStart snapshot."""

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ParamValidationError

from mixtape.runtime import snapstart
from mixtape.storage import clients

SERVICES = clients.SERVICES


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    clients.reset()
    yield
    clients.reset()


def made(name: str) -> bool:
    cached: Any = getattr(clients, name)
    return bool(cached.cache_info().currsize)


def test_clients_are_made_on_first_use_then_reused_until_reset():
    assert not any(made(name) for name in SERVICES)
    dynamodb = clients.dynamodb()
    assert made("dynamodb")
    assert not made("sqs")
    assert not made("s3")
    assert clients.dynamodb() is dynamodb
    clients.reset()
    assert not made("dynamodb")
    assert clients.dynamodb() is not dynamodb


@pytest.mark.parametrize("name", SERVICES)
def test_each_client_is_for_its_service_in_the_configured_region(name):
    client = getattr(clients, name)()
    assert client.meta.service_model.service_name == name
    assert client.meta.region_name == "eu-west-1"
    assert "eu-west-1" in client.meta.endpoint_url


@pytest.mark.parametrize("name", SERVICES)
def test_aws_endpoint_url_points_every_client_at_the_local_stack(monkeypatch, name):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    assert getattr(clients, name)().meta.endpoint_url == "http://127.0.0.1:5000"


def test_the_clients_retry_in_standard_mode_with_short_timeouts():
    config = clients.dynamodb().meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 6}  # the first try and 5 retries
    assert (config.connect_timeout, config.read_timeout) == (2, 5)
    assert config.max_pool_connections == 64


class _Sent(Exception):  # noqa: N818 - a control-flow signal, not an error
    pass


def test_requests_are_not_validated_client_side():
    def capture(**_: Any) -> None:
        raise _Sent

    client = clients.dynamodb()
    client.meta.events.register("before-send", capture)
    with pytest.raises(_Sent):  # sent as is: the service validates it (no Key here)
        client.get_item(TableName="t")
    with pytest.raises(ParamValidationError):  # what the default setting would have raised instead
        clients._session().create_client("dynamodb").get_item(TableName="t")


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def test_dynamodb_items_come_back_typed_as_the_storage_modules_read_them():
    wire = {"Item": {"pk": {"S": "a"}, "e": {"B": base64.b64encode(b"\x00\x01").decode()}, "n": {"N": "1.5"}}}

    def reply(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, {}, _Body(json.dumps(wire).encode()))

    client = clients.dynamodb()
    client.meta.events.register("before-send", reply)
    item = client.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]
    assert item == {"pk": {"S": "a"}, "e": {"B": b"\x00\x01"}, "n": {"N": "1.5"}}


def test_before_a_snapshot_the_service_data_is_loaded_without_making_a_client():
    clients.load_service_data()
    assert not any(made(name) for name in SERVICES)  # so no credentials were resolved either
    session = clients._session()
    snapstart.run_after_restore()
    assert clients._session() is session  # kept, with the data it loaded, for the restored environment
    assert clients.dynamodb().meta.service_model.service_name == "dynamodb"


def test_a_client_made_before_the_snapshot_is_dropped_with_its_session_after_a_restore():
    session, client = clients._session(), clients.sqs()
    snapstart.run_after_restore()
    assert not made("sqs")
    assert clients._session() is not session  # and with it the credentials it resolved
    assert clients.sqs() is not client
