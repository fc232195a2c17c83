"""Optimistic increments of one DynamoDB item from racing threads: each reads the version and writes
version + 1 on the condition that it is unchanged. DynamoDB checks and writes each request atomically,
so no increment is lost; a stand-in that checks and writes apart loses some."""

import threading
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError


@dataclass
class Race:
    final: int = 0
    conflicts: int = 0  # writes the version check turned back: the writers did race
    errors: list[BaseException] = field(default_factory=list)


def race_increments(client: Any, table: str, key: dict[str, Any], writers: int, increments: int) -> Race:
    """`writers` threads each make `increments` optimistic increments of `key`'s `version`."""
    client.put_item(TableName=table, Item={**key, "version": {"N": "0"}})
    race = Race()
    count = threading.Lock()

    def increment() -> None:
        while True:
            seen = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["version"]["N"]
            try:
                client.put_item(
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
                with count:
                    race.conflicts += 1
            else:
                return

    def writer() -> None:
        try:
            for _ in range(increments):
                increment()
        except BaseException as error:  # surfaced by the caller's assertion
            race.errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    race.final = int(client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["version"]["N"])
    return race
