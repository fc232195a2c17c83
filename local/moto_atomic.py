"""DynamoDB requests made atomic in moto, as DynamoDB makes each request atomic.

moto evaluates a write's ConditionExpression and then applies the write with no lock in between, so two
threads' conditional writes on one item can both pass the same check and one update is lost
(`tests/integration/test_moto_atomic.py` makes concurrent optimistic increments of one item). Mixtape's
exactly-once folding relies on that check (`mixtape.profiles.apply.apply_user_events`), and
`test_concurrent_writers_of_one_profile_lose_nothing_and_count_nothing_twice` failed intermittently on
it. So the local stack (threaded moto server) and the in-process tests (`mock_aws`) serialise moto's
DynamoDB requests: each is handled, reply included, under one lock. A stand-in only; DynamoDB itself
needs nothing.
"""

import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler

_LOCK = threading.RLock()
_MARK = "_mixtape_atomic"


def atomic_dynamodb_requests() -> None:
    """Serialise moto's DynamoDB request handling in this process (idempotent)."""
    original = DynamoHandler.call_action
    if getattr(original, _MARK, False):
        return

    def call_action(self: DynamoHandler) -> Any:
        with _LOCK:
            return original(self)

    setattr(call_action, _MARK, True)
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
