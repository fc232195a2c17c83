"""The stand-in keeps DynamoDB's contract that a conditional write is checked and applied atomically."""

import sys
import threading
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import Aws

WRITERS, INCREMENTS = 6, 50


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond, so a check and its write are often interleaved with another's."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def test_optimistic_increments_from_racing_threads_are_never_lost(aws: Aws, frequent_thread_switches: None):
    # Without local.moto_atomic, moto lets two writers pass the same version check: ~15% of the
    # increments were lost in this test.
    table, key = aws.table("ProfilesTable"), {"user_id": {"S": "counter"}}
    aws.dynamodb.put_item(TableName=table, Item={**key, "version": {"N": "0"}})
    conflicts: list[int] = []
    errors: list[BaseException] = []

    def increment() -> None:
        while True:
            item = aws.dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
            seen = item["version"]["N"]
            try:
                aws.dynamodb.put_item(
                    TableName=table,
                    Item={**key, "version": {"N": str(int(seen) + 1)}},
                    ConditionExpression="version = :seen",
                    ExpressionAttributeValues={":seen": {"N": seen}},
                )
            # By code, as the profile store does: the client's exception classes are built lazily, and
            # racing threads can each build their own (`client.exceptions.X` then misses an X raised).
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                conflicts.append(1)
            else:
                return

    def writer() -> None:
        try:
            for _ in range(INCREMENTS):
                increment()
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    final = aws.dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["version"]["N"]
    assert int(final) == WRITERS * INCREMENTS
    assert conflicts  # the writers did race: the check turned some of them back
