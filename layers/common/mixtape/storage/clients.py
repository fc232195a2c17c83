"""Lazily created, cached AWS clients: nothing is built at import, so cold starts stay small and tests
can start moto first. `AWS_ENDPOINT_URL` (honoured by botocore) points them at the local stack.

Cold start and per-request CPU (measured with `bench.cold_start` and `bench.ingest_bench`):
- The clients come straight from one botocore session: boto3 would add nothing used here (resources,
  collections) for ~15 ms of import on every cold start.
- Client-side parameter validation is off. Every request is built by the storage modules from typed
  models and DynamoDB and SQS validate it again anyway; the check costs CPU on every call, and
  botocore's ~0.25 ms of CPU per request is what caps how many requests one invocation can make. A
  malformed request now fails as a `ClientError` (ValidationException) from the service instead of a
  `ParamValidationError` before sending.
"""

from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=2,
    read_timeout=5,
    max_pool_connections=64,
    parameter_validation=False,
)


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


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
