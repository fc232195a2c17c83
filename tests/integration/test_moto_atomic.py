"""The stand-in keeps DynamoDB's contract that a conditional write is checked and applied atomically."""

import sys
import threading
from collections.abc import Iterator

import pytest

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

    def writer() -> None:
        for _ in range(INCREMENTS):
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
                    break
                except aws.dynamodb.exceptions.ConditionalCheckFailedException:
                    conflicts.append(1)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = aws.dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["version"]["N"]
    assert int(final) == WRITERS * INCREMENTS
    assert conflicts  # the writers did race: the check turned some of them back
