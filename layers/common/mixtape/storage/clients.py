"""Lazily created, cached AWS clients: nothing is built at import, so cold starts stay small and tests
can start moto first. `AWS_ENDPOINT_URL` (honoured by botocore) points them at the local stack.

Cold start and per-request CPU (measured with `bench.cold_start` and `bench.ingest_bench`):
- The clients come straight from one botocore session: boto3 would add nothing used here (resources,
  collections) for ~15 ms of import on every cold start.
- The session reads botocore's data through `DataLoader`, which skips two costs of the first client
  (~30 ms of a ~45 ms DynamoDB client): see its docstring.
- Client-side parameter validation is off. Every request is built by the storage modules from typed
  models and DynamoDB and SQS validate it again anyway; the check costs CPU on every call, and
  botocore's ~0.25 ms of CPU per request is what caps how many requests one invocation can make. A
  malformed request now fails as a `ClientError` (ValidationException) from the service instead of a
  `ParamValidationError` before sending.

`python -m mixtape.storage.clients` rewrites ENDPOINTS_FILE from the installed botocore (a unit test
says when it is due: after a botocore upgrade).
"""

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import DataNotFoundError
from botocore.loaders import Loader, instance_cache

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=2,
    read_timeout=5,
    max_pool_connections=64,
    parameter_validation=False,
)

# The services this module builds clients for (the functions below).
SERVICES = ("dynamodb", "s3", "sqs")
ENDPOINTS_FILE = Path(__file__).with_name("botocore_endpoints.json")


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


class DataLoader(Loader):  # type: ignore[misc]  # botocore ships no type hints
    """botocore's data loader, minus two costs of the first client, with the same results for SERVICES:

    - `load_service_model` looks in the requested service's own directory instead of first listing every
      service botocore ships (~450 directories walked, per model type: service-2, then the endpoint rule
      set; ~15 ms in all) only to check the name. An unknown name still gets botocore's own error.
    - `endpoints` (the legacy endpoint table that every client reads for its partition, region and signing
      defaults: 1.25 MB of JSON, ~15 ms) comes from ENDPOINTS_FILE, the same table cut down to SERVICES
      (`trimmed_endpoints`; a unit test compares it with the installed botocore). It is reported as loaded
      from botocore's own data directory, which it is a part of: that keeps botocore's endpoint rule sets in
      charge, exactly as with the full file. A table in an override directory (~/.aws/models) still wins.
    """

    @instance_cache
    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        if api_version is None:
            try:
                api_version = self.determine_latest_version(service_name, type_name)
            except DataNotFoundError:
                return super().load_service_model(service_name, type_name)  # raises UnknownServiceError
        model = self.load_data(os.path.join(service_name, api_version, type_name))
        self._extras_processor.process(model, self._find_extras(service_name, type_name, api_version))
        return model

    @instance_cache
    def load_data_with_path(self, name: str) -> tuple[Any, str]:
        overridden = any(
            self.file_loader.exists(os.path.join(path, name))
            for path in self.search_paths
            if path != self.BUILTIN_DATA_PATH
        )
        if name != "endpoints" or overridden:
            found: tuple[Any, str] = super().load_data_with_path(name)
            return found
        with ENDPOINTS_FILE.open("rb") as source:
            return json.load(source), os.path.join(self.BUILTIN_DATA_PATH, name)


@cache
def _session() -> botocore.session.Session:
    session = botocore.session.get_session()
    if session.get_config_variable("data_path") is None:  # AWS_DATA_PATH: botocore's own loader, as set up
        session.register_component("data_loader", DataLoader())
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


def _write_endpoints() -> None:
    full, _ = Loader().load_data_with_path("endpoints")
    ENDPOINTS_FILE.write_text(json.dumps(trimmed_endpoints(full), indent=1) + "\n")


if __name__ == "__main__":
    _write_endpoints()
