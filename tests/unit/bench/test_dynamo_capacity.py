"""DynamoDB item sizes and capacity units as the benchmarks count them (the rules DynamoDB bills by)."""

from typing import Any

import boto3
import pytest
from moto import mock_aws

from bench.dynamo_capacity import (
    CapacityMeter,
    item_size,
    number_size,
    read_units,
    sqs_billed_requests,
    write_units,
)


@pytest.mark.parametrize(
    ("text", "size"),
    [("1795000000000", 3), ("0.5", 2), ("-12.30", 3), ("0", 1), ("123456", 4), ("1e5", 2)],
)
def test_a_number_costs_one_byte_per_two_significant_digits_plus_one(text, size):
    assert number_size(text) == size


def test_item_size_adds_attribute_names_and_values():
    item: dict[str, Any] = {
        "user_id": {"S": "u-1"},  # 7 + 3
        "ts": {"N": "1795000000000"},  # 2 + 3 ("1795")
        "doc": {"B": b"\x00" * 100},  # 3 + 100
        "ok": {"BOOL": True},  # 2 + 1
        "genres": {"L": [{"S": "rock"}, {"S": "jazz"}]},  # 6 + 3 + 2 x (1 + 4)
    }
    assert item_size(item) == 10 + 5 + 103 + 3 + 19


def test_units_round_up_per_kilobyte_for_writes_and_four_kilobytes_for_reads():
    assert write_units(0) == 1
    assert write_units(1024) == 1
    assert write_units(1025) == 2
    assert write_units(1025, transactional=True) == 4
    assert read_units(10, consistent=True) == 1.0
    assert read_units(4097, consistent=False) == 1.0
    assert read_units(4096, consistent=False) == 0.5


def test_sqs_bills_each_started_64_kb_of_a_request():
    assert sqs_billed_requests(0) == 1
    assert sqs_billed_requests(65_536) == 1
    assert sqs_billed_requests(65_537) == 2


@pytest.fixture
def dynamodb(monkeypatch):
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client, boto3.client("dynamodb")


def big(pk: str, payload: int) -> dict[str, Any]:
    return {"pk": {"S": pk}, "pl": {"B": b"x" * payload}}  # 2 + len(pk) + 2 + payload bytes


def test_meter_counts_writes_by_the_larger_item_and_failed_conditions_too(dynamodb):
    client, peek = dynamodb
    meter = CapacityMeter(client, peek)
    client.put_item(TableName="t", Item=big("a", 1500))  # ~1.5 KB: 2 units
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(TableName="t", Item=big("a", 10), ConditionExpression="attribute_not_exists(pk)")
    client.update_item(
        TableName="t",
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET pl = :b",
        ExpressionAttributeValues={":b": {"B": b"y"}},
    )  # shrinks the item, but the larger (before) size is billed: 2 units
    assert meter.usage.requests == {"PutItem": 2, "UpdateItem": 1}
    assert meter.usage.total_write_units == 2 + 2 + 2


def test_meter_doubles_transactional_writes_and_reads_by_consistency(dynamodb):
    client, peek = dynamodb
    meter = CapacityMeter(client, peek)
    with meter.paused():
        client.put_item(TableName="t", Item=big("b", 5000))
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "t", "Item": big("c", 1500)}},  # 2 units x 2
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "b"}},
                    "UpdateExpression": "SET n = :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },  # ~5 KB: 5 units x 2
        ]
    )
    client.get_item(TableName="t", Key={"pk": {"S": "b"}})  # ~5 KB eventually consistent: 2 x 0.5
    client.get_item(TableName="t", Key={"pk": {"S": "b"}}, ConsistentRead=True)  # 2 x 1
    client.get_item(TableName="t", Key={"pk": {"S": "missing"}})  # the minimum: 0.5
    assert meter.usage.requests == {"TransactWriteItems": 1, "GetItem": 3}
    assert meter.usage.total_write_units == 4 + 10
    assert meter.usage.total_read_units == pytest.approx(1.0 + 2.0 + 0.5)


def test_meter_bills_batch_reads_per_key_on_the_whole_item_found_or_not(dynamodb):
    client, peek = dynamodb
    meter = CapacityMeter(client, peek)
    with meter.paused():
        client.put_item(TableName="t", Item=big("d", 5000))
    keys = [{"pk": {"S": "d"}}, {"pk": {"S": "missing"}}]
    client.batch_get_item(RequestItems={"t": {"Keys": keys, "ProjectionExpression": "pk"}})
    client.batch_get_item(RequestItems={"t": {"Keys": keys, "ConsistentRead": True}})
    # ~5 KB: 2 x 0.5 eventually, 2 x 1 consistently; the missing key costs the minimum each time
    assert meter.usage.total_read_units == pytest.approx((1.0 + 0.5) + (2.0 + 1.0))
