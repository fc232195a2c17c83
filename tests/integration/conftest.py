"""Handlers invoked in-process under moto, with tables and queues built from template.yaml itself."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.pollers import sqs_record
from local.stack import LocalFunction, function_module, load_function
from local.template import LocalResources, Resolver, Template, load_template, provision, resolved_environment
from mixtape import config
from mixtape.storage import clients
from tests.integration import atomic_dynamodb

TEMPLATE: Template = load_template()
_FUNCTIONS: dict[str, tuple[LocalFunction, ModuleType]] = {}


@dataclass
class Aws:
    resources: LocalResources
    dynamodb: Any
    sqs: Any

    def table(self, logical_id: str) -> str:
        return self.resources.table_names[logical_id]

    def queue(self, logical_id: str) -> str:
        return self.resources.queue_urls[logical_id]

    def scan(self, logical_id: str) -> list[dict[str, Any]]:
        return list(self.dynamodb.scan(TableName=self.table(logical_id))["Items"])

    def drain(self, logical_id: str) -> list[dict[str, Any]]:
        """Receive every visible message of a queue, as Lambda event records."""
        records: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.queue(logical_id), MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not got:
                return records
            records.extend(sqs_record(m, self.resources.queue_arns[logical_id]) for m in got)


def _reset_caches() -> None:
    clients.reset()
    for settings in (
        config.ingest_settings,
        config.profile_settings,
        config.recommend_settings,
        config.train_settings,
        config.catalog_snapshot_settings,
    ):
        settings.cache_clear()
    for _, module in _FUNCTIONS.values():
        module.dependencies.cache_clear()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "MixtapeTest",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        dynamodb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
        resources = provision(dynamodb, sqs, TEMPLATE, boto3.client("s3"))
        for key, value in resolved_environment(TEMPLATE, Resolver(TEMPLATE, resources)).items():
            monkeypatch.setenv(key, value)
        _reset_caches()
        # tests race writers on one item: moto must check and write atomically, as DynamoDB does
        for client in (dynamodb, clients.dynamodb()):
            atomic_dynamodb.serialize(client)
        yield Aws(resources, dynamodb, sqs)
    _reset_caches()


def _loaded(logical_id: str) -> LocalFunction:
    cached = _FUNCTIONS.get(logical_id)
    # Another loader (the evaluation's ServedStack) may have imported the function again since: then
    # `function_module` (what tests override and reset) is no longer the module this copy runs.
    if cached is None or function_module(logical_id) is not cached[1]:
        function = load_function(TEMPLATE.functions[logical_id])
        cached = _FUNCTIONS[logical_id] = (function, function_module(logical_id))
        cached[1].dependencies.cache_clear()
    return cached[0]


@pytest.fixture
def invoke(aws: Aws) -> Any:
    """invoke("IngestFunction", event) → the handler's JSON-serialisable result."""

    def _invoke(logical_id: str, event: dict[str, Any]) -> Any:
        return _loaded(logical_id).invoke(event)

    return _invoke


@pytest.fixture
def handler_module(aws: Aws) -> Callable[[str], ModuleType]:
    """handler_module("IngestFunction") → the module `invoke` runs (its `app`, `dependencies`, ...)."""

    def _module(logical_id: str) -> ModuleType:
        _loaded(logical_id)
        return function_module(logical_id)

    return _module
