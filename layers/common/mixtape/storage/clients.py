"""Lazily created, cached boto3 clients: nothing is built at import, so cold starts stay small and tests
can start moto first. `AWS_ENDPOINT_URL` (honoured by boto3) points them at the local stack."""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=2,
    read_timeout=5,
    max_pool_connections=64,
)


@cache
def dynamodb() -> Any:
    return boto3.client("dynamodb", config=_CONFIG)


@cache
def sqs() -> Any:
    return boto3.client("sqs", config=_CONFIG)


def reset() -> None:
    """Forget cached clients (tests that switch endpoints or credentials)."""
    dynamodb.cache_clear()
    sqs.cache_clear()
