"""Lazily created, cached boto3 clients: nothing is built at import, so cold starts stay small and tests
can start moto first. `AWS_ENDPOINT_URL` (honoured by boto3) points them at the local stack.

Client-side parameter validation is off: every request is built by the storage modules from typed models,
DynamoDB and SQS validate it again anyway, and the check costs ~35 µs of CPU per call (~15% of botocore's
~240 µs per PutItem, measured with `bench.ingest_bench --botocore`), which caps the requests one
invocation can issue. A malformed request now fails as a `ClientError` (ValidationException) from the
service instead of a `ParamValidationError` before sending."""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=2,
    read_timeout=5,
    max_pool_connections=64,
    parameter_validation=False,
)


@cache
def dynamodb() -> Any:
    return boto3.client("dynamodb", config=_CONFIG)


@cache
def sqs() -> Any:
    return boto3.client("sqs", config=_CONFIG)


@cache
def s3() -> Any:
    return boto3.client("s3", config=_CONFIG)


def reset() -> None:
    """Forget cached clients (tests that switch endpoints or credentials)."""
    dynamodb.cache_clear()
    sqs.cache_clear()
    s3.cache_clear()
