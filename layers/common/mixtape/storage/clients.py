"""The AWS clients of the storage modules: made on first use from one botocore session, then cached.

Nothing is made at import: init opens no connection and resolves no credentials, and tests can start
moto first. `AWS_ENDPOINT_URL` (botocore's own setting) points the clients at a local stack. boto3 is not
needed: its resources and collections are unused here, and the clients are botocore's either way.

With SnapStart (mixtape.runtime.snapstart):
- before the snapshot, `load_service_data` reads botocore's data for SERVICES into the session through
  its public API: most of what making a client costs, which every restored environment would otherwise
  repeat. It makes no client, so the session resolves no credentials;
- after a restore, a client made before the snapshot (none is, unless init changes) would share its
  connections and, through the session, its credentials with every other restored environment: then
  the clients and the session are dropped (`reset`), and the next use makes new ones.
"""

from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config

from mixtape.runtime import snapstart

SERVICES = ("dynamodb", "s3", "sqs")

# botocore's documented client options.
CONFIG = Config(
    # Standard retries: throttling and transient errors retried with jittered backoff, up to 5 times.
    retries={"mode": "standard", "max_attempts": 5},
    # A Lambda invocation has seconds, not minutes: fail fast and let the retries or the caller decide.
    connect_timeout=2,
    read_timeout=5,
    # Writes fan out over threads (DynamoCatalogStore's write_concurrency): one pooled connection each.
    max_pool_connections=64,
    # Requests are built from typed models and DynamoDB, S3 and SQS validate them again: a malformed one
    # fails as the service's ValidationException instead of botocore's ParamValidationError, minus the
    # client-side check's CPU on every call.
    parameter_validation=False,
)


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def dynamodb() -> Any:
    return _session().create_client("dynamodb", config=CONFIG)


@cache
def sqs() -> Any:
    return _session().create_client("sqs", config=CONFIG)


@cache
def s3() -> Any:
    return _session().create_client("s3", config=CONFIG)


def reset() -> None:
    """Forget the clients and their session, credentials included: the next use makes new ones (tests
    that switch endpoints or credentials, and a restore after a client was made before the snapshot)."""
    dynamodb.cache_clear()
    sqs.cache_clear()
    s3.cache_clear()
    _session.cache_clear()


@snapstart.before_snapshot
def load_service_data() -> None:
    """Have the session's data loader read, and keep, what making a client of SERVICES reads: the service
    models, their endpoint rule sets and the endpoint table (which listing a service's regions reads)."""
    session = _session()
    loader = session.get_component("data_loader")
    for service in SERVICES:
        model = session.get_service_model(service)
        loader.load_service_model(service, "endpoint-rule-set-1", model.api_version)
        session.get_available_regions(service)


@snapstart.after_restore
def _restored() -> None:
    if any(made.cache_info().currsize for made in (dynamodb, sqs, s3)):
        reset()
