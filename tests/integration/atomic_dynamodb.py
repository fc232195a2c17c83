"""DynamoDB requests made atomic under `mock_aws`, through botocore's documented event hooks.

moto evaluates a write's ConditionExpression and then applies the write with no lock in between, so two
threads' conditional writes on one item can both pass the same check (DynamoDB makes each request
atomic). Under `mock_aws` moto answers each HTTP attempt in a `before-send` handler, so a client that
`serialize` hooks takes one lock for that attempt: first in `before-send`, released in
`response-received`, which fires after every attempt, answered or failed. An error raised between the
two (parsing the reply) still ends the call with `after-call-error`, which releases it as well. The local
stack's server does the same in a WSGI middleware (`local.moto_wsgi`).
"""

import threading
from typing import Any

_LOCK = threading.Lock()
_HELD = threading.local()
_ID = "atomic-dynamodb"


def _acquire(**_: Any) -> None:
    if not getattr(_HELD, "held", False):  # a thread makes one attempt at a time
        _LOCK.acquire()
        _HELD.held = True


def _release(**_: Any) -> None:
    if getattr(_HELD, "held", False):
        _HELD.held = False
        _LOCK.release()


def serialize(client: Any) -> None:
    """Have `client`'s DynamoDB requests reach moto one at a time, with every other hooked client's."""
    events = client.meta.events
    # first: the attempt's other before-send handlers, moto's included, run inside the lock
    events.register_first("before-send.dynamodb", _acquire, unique_id=f"{_ID}-acquire")
    events.register_first("response-received.dynamodb", _release, unique_id=f"{_ID}-release")
    events.register_first("after-call-error.dynamodb", _release, unique_id=f"{_ID}-error")
