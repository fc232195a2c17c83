"""Make moto's DynamoDB transactions behave like DynamoDB's where Mixtape relies on it.

moto 5.2's `transact_write_items` deep-copies every touched *table* (once per action) as its rollback
backup, applies actions one by one, and on failure puts the whole copied tables back. That costs
O(table size) per transaction (a 100-action commit on a 5,000-event table copied it 100 times), races
with concurrent requests of the threaded server ("dictionary changed size during iteration"), and a
rollback silently undoes other clients' writes made meanwhile. DynamoDB instead checks every condition
first and applies all actions or none. This patch does exactly that, under one lock, so the local
stack and the integration tests exercise the semantics production has.
"""

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend

_LOCK = threading.RLock()
_ACTIONS = frozenset({"ConditionCheck", "Put", "Delete", "Update"})
_applied = False


def _key(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def _check(backend: DynamoDBBackend, op: dict[str, Any], key: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(None, None, None) when the action's condition holds, else its cancellation reason."""
    expression = op.get("ConditionExpression")
    if expression is None:
        return None, None, None
    current = backend.get_item(op["TableName"], key)
    condition = get_filter_expression(
        expression, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
    )
    if condition.expr(current):
        return None, None, None
    old = None
    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
        old = current.to_json()["Attributes"]
    return "ConditionalCheckFailed", "The conditional request failed", old


def _apply(backend: DynamoDBBackend, op_type: str, op: dict[str, Any], key: dict[str, Any]) -> None:
    names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues") or {}
    if op_type == "Put":
        backend.put_item(
            op["TableName"], op["Item"], expression_attribute_names=names, expression_attribute_values=values
        )
    elif op_type == "Delete":
        backend.delete_item(
            op["TableName"], key, expression_attribute_names=names, expression_attribute_values=values
        )
    elif op_type == "Update":
        backend.update_item(
            op["TableName"],
            key,
            update_expression=op["UpdateExpression"],
            expression_attribute_names=names or {},
            expression_attribute_values=values,
        )


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    with _LOCK:
        actions: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        seen: set[tuple[str, str]] = set()
        for item in transact_items:
            if len(item) != 1 or next(iter(item)) not in _ACTIONS:
                raise TransactWriteSingleOpException()
            ((op_type, op),) = item.items()
            key = _key(self, op_type, op)
            identity = (op["TableName"], str(sorted(key.items())))
            if identity in seen:
                raise MultipleTransactionsException()
            seen.add(identity)
            actions.append((op_type, op, key))
        reasons = [_check(self, op, key) for _, op, key in actions]
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
        for op_type, op, key in actions:
            _apply(self, op_type, op, key)


def _serialised(method: Callable[..., Any]) -> Callable[..., Any]:
    """Single-item writes check their condition and write as one step, as DynamoDB does per item."""

    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    return locked


def apply() -> None:
    """Install the patches (idempotent). Call before the first request."""
    global _applied  # noqa: PLW0603 - a process-wide, install-once switch
    if _applied:
        return
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    for name in ("put_item", "update_item", "delete_item"):
        setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
    _applied = True
