"""The local stack's view of template.yaml: short tags, typed resources, routing, intrinsics, moto tables."""

import base64
import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from local.http_adapter import http_api_event, http_response
from local.pollers import sqs_record
from local.template import (
    HttpRoute,
    LocalResources,
    Resolver,
    Template,
    TemplateError,
    create_queues,
    create_tables,
    load_template,
    load_yaml,
    lookup_resources,
    match_route,
    provision,
    resolved_environment,
)

REPO_TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


@pytest.fixture(scope="module")
def template() -> Template:
    return load_template(REPO_TEMPLATE)


@pytest.fixture
def resources() -> LocalResources:
    queue = "mixtape-local-ProfileUpdateQueue"
    return LocalResources(
        table_names={name: f"mixtape-local-{name}" for name in ("EventsTable", "CatalogTable")},
        queue_urls={"ProfileUpdateQueue": f"http://127.0.0.1:5000/123456789012/{queue}"},
        queue_arns={"ProfileUpdateQueue": f"arn:aws:sqs:us-east-1:123456789012:{queue}"},
    )


# ---------- YAML short tags ----------


def test_short_tags_become_long_form_intrinsics():
    doc = load_yaml(
        """
        a: !Ref Table
        b: !GetAtt Queue.Arn
        c: !GetAtt [Queue, QueueName]
        d: !Sub /aws/lambda/${Fn}
        e: !Sub ["${X}-y", {X: !Ref P}]
        f: !If [IsProd, 1, 2]
        g: !Join [",", [a, !Ref B]]
        """
    )

    assert doc == {
        "a": {"Ref": "Table"},
        "b": {"Fn::GetAtt": ["Queue", "Arn"]},
        "c": {"Fn::GetAtt": ["Queue", "QueueName"]},
        "d": {"Fn::Sub": "/aws/lambda/${Fn}"},
        "e": {"Fn::Sub": ["${X}-y", {"X": {"Ref": "P"}}]},
        "f": {"Fn::If": ["IsProd", 1, 2]},
        "g": {"Fn::Join": [",", ["a", {"Ref": "B"}]]},
    }


# ---------- typed resources from the real template ----------


def test_tables_keep_key_schema_and_ttl(template: Template):
    events = template.tables["EventsTable"]

    assert [(k["AttributeName"], k["KeyType"]) for k in events.key_schema] == [
        ("user_id", "HASH"),
        ("event_id", "RANGE"),
    ]
    assert events.billing_mode == "PAY_PER_REQUEST"
    assert events.ttl_attribute == "expires_at"
    assert template.tables["ProfilesTable"].ttl_attribute == "expires_at"  # erasure tombstones expire
    assert set(template.tables) == {"EventsTable", "ProfilesTable", "CatalogTable"}


def test_queues_name_their_dead_letter_queue(template: Template):
    ingest, updates = template.queues["IngestQueue"], template.queues["ProfileUpdateQueue"]

    assert ingest.visibility_timeout == 180
    assert ingest.redrive is not None
    assert (ingest.redrive.dlq_logical_id, ingest.redrive.max_receive_count) == ("IngestDeadLetterQueue", 3)
    assert updates.redrive is not None
    assert (updates.redrive.dlq_logical_id, updates.redrive.max_receive_count) == (
        "ProfileUpdateDeadLetterQueue",
        5,
    )
    assert template.queues["IngestDeadLetterQueue"].redrive is None


def test_functions_merge_globals(template: Template):
    ingest, recommend = template.functions["IngestFunction"], template.functions["RecommendFunction"]

    assert ingest.timeout == 30  # its own
    assert recommend.timeout == 15  # from Globals
    assert ingest.memory_size == 1024
    assert ingest.module_path == REPO_TEMPLATE.parent / "functions" / "ingest" / "app.py"
    assert ingest.handler_name == "lambda_handler"
    assert ingest.environment["POWERTOOLS_SERVICE_NAME"] == "mixtape"  # Globals
    assert ingest.environment["EVENTS_TABLE"] == {"Ref": "EventsTable"}  # function
    assert "PROFILE_UPDATE_QUEUE_URL" not in recommend.environment


def test_routes_and_sqs_sources_come_from_function_events(template: Template):
    keys = {(r.route_key, r.function_id) for r in template.routes}

    assert ("POST /v1/events", "IngestFunction") in keys
    assert ("GET /v1/users/{user_id}/recommendations", "RecommendFunction") in keys
    assert ("DELETE /v1/users/{user_id}", "ProfileUpdateFunction") in keys
    sources = {s.queue_id: s for s in template.sqs_sources}
    assert sources["ProfileUpdateQueue"].function_id == "ProfileUpdateFunction"
    assert sources["ProfileUpdateQueue"].batch_size == 1000
    assert sources["ProfileUpdateQueue"].maximum_batching_window_seconds == 1
    assert sources["IngestQueue"].maximum_batching_window_seconds == 0
    assert all(s.report_batch_item_failures for s in sources.values())
    assert template.layer_dirs == [REPO_TEMPLATE.parent / "layers" / "common"]


# ---------- route matching ----------


def test_route_match_decodes_path_parameters(template: Template):
    match = match_route(template.routes, "GET", "/v1/users/u%20alice%2Fx/recommendations")

    assert match is not None
    assert match.route.route_key == "GET /v1/users/{user_id}/recommendations"
    # %2F stays inside the one segment it was sent in, then decodes like API Gateway does
    assert match.path_parameters == {"user_id": "u alice/x"}


@pytest.mark.parametrize(
    ("method", "path", "route_key"),
    [
        ("GET", "/v1/health", "GET /v1/health"),
        ("get", "/v1/items/trk-1/similar", "GET /v1/items/{item_id}/similar"),
        ("DELETE", "/v1/users/u-1", "DELETE /v1/users/{user_id}"),
        ("PUT", "/v1/items", "PUT /v1/items"),
    ],
)
def test_route_match_by_method_and_path(template: Template, method, path, route_key):
    match = match_route(template.routes, method, path)

    assert match is not None
    assert match.route.route_key == route_key


@pytest.mark.parametrize(
    "path", ["/v1/nope", "/v1/health/", "/v1/users//profile", "/v1/users/u-1/profile/extra", "/"]
)
def test_unknown_paths_do_not_match(template: Template, path):
    assert match_route(template.routes, "GET", path) is None


def test_a_method_no_route_has_does_not_match(template: Template):
    assert match_route(template.routes, "POST", "/v1/health") is None
    assert match_route(template.routes, "GET", "/v1/users/u-1") is None  # only DELETE is routed there


def test_literal_segments_and_explicit_methods_win():
    routes = [
        HttpRoute("ANY", "/v1/items/{item_id}", "Any"),
        HttpRoute("GET", "/v1/items/{item_id}", "Param"),
        HttpRoute("GET", "/v1/items/featured", "Literal"),
    ]

    featured = match_route(routes, "GET", "/v1/items/featured")
    other = match_route(routes, "GET", "/v1/items/trk-1")
    posted = match_route(routes, "POST", "/v1/items/trk-1")

    assert featured is not None
    assert featured.route.function_id == "Literal"
    assert featured.path_parameters == {}
    assert other is not None
    assert other.route.function_id == "Param"
    assert posted is not None
    assert posted.route.function_id == "Any"


# ---------- intrinsic resolution ----------


def test_resolver_resolves_refs_attributes_and_subs(template: Template, resources: LocalResources):
    resolver = Resolver(template, resources)

    assert resolver.resolve({"Ref": "EventsTable"}) == "mixtape-local-EventsTable"
    assert resolver.resolve({"Ref": "ProfileUpdateQueue"}) == resources.queue_urls["ProfileUpdateQueue"]
    assert resolver.resolve({"Ref": "EmbeddingDim"}) == "32"
    assert resolver.resolve({"Fn::GetAtt": ["ProfileUpdateQueue", "Arn"]}) == (
        "arn:aws:sqs:us-east-1:123456789012:mixtape-local-ProfileUpdateQueue"
    )
    assert resolver.resolve({"Fn::GetAtt": ["ProfileUpdateQueue", "QueueName"]}) == (
        "mixtape-local-ProfileUpdateQueue"
    )
    assert resolver.resolve({"Fn::Sub": "/aws/lambda/${IngestFunction}"}) == (
        "/aws/lambda/mixtape-local-IngestFunction"
    )
    assert resolver.resolve({"Fn::Sub": "${AWS::Region}:${EventsTable.Arn}:${!Literal}"}) == (
        "us-east-1:arn:aws:dynamodb:us-east-1:123456789012:table/mixtape-local-EventsTable:${Literal}"
    )
    assert resolver.resolve({"Fn::Sub": ["${X}/y", {"X": {"Ref": "LogLevel"}}]}) == "INFO/y"


def test_resolver_rejects_what_it_cannot_emulate(template: Template, resources: LocalResources):
    resolver = Resolver(template, resources)

    with pytest.raises(TemplateError, match="Fn::If"):
        resolver.resolve({"Fn::If": ["IsProd", "a", "b"]})
    with pytest.raises(TemplateError, match="NoSuchThing"):
        resolver.resolve({"Ref": "NoSuchThing"})


def test_function_environment_is_resolved_to_strings(template: Template, resources: LocalResources):
    env = Resolver(template, resources).environment(template.functions["IngestFunction"])

    assert env["EVENTS_TABLE"] == "mixtape-local-EventsTable"
    assert env["PROFILE_UPDATE_QUEUE_URL"] == resources.queue_urls["ProfileUpdateQueue"]
    assert env["EMBEDDING_DIM"] == "32"
    assert env["OPENBLAS_NUM_THREADS"] == "1"
    assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"


# ---------- tables and queues under moto ----------


@mock_aws
def test_tables_are_built_from_the_template_key_schema(template: Template):
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")

    names = create_tables(dynamodb, template)

    events = dynamodb.describe_table(TableName=names["EventsTable"])["Table"]
    assert events["KeySchema"] == template.tables["EventsTable"].key_schema
    assert events["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = dynamodb.describe_time_to_live(TableName=names["EventsTable"])["TimeToLiveDescription"]
    assert ttl == {"AttributeName": "expires_at", "TimeToLiveStatus": "ENABLED"}
    catalog = dynamodb.describe_table(TableName=names["CatalogTable"])["Table"]
    assert catalog["KeySchema"] == [{"AttributeName": "item_id", "KeyType": "HASH"}]


@mock_aws
def test_queues_get_visibility_and_redrive_to_their_dlq(template: Template):
    sqs = boto3.client("sqs", region_name="us-east-1")

    urls = create_queues(sqs, template)

    attributes = sqs.get_queue_attributes(QueueUrl=urls["IngestQueue"], AttributeNames=["All"])["Attributes"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=urls["IngestDeadLetterQueue"], AttributeNames=["QueueArn"])
    assert attributes["VisibilityTimeout"] == "180"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"],
        "maxReceiveCount": 3,
    }


@mock_aws
def test_lookup_finds_what_provision_created_and_env_is_consistent(template: Template):
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")

    created = provision(dynamodb, sqs, template, s3)
    found = lookup_resources(sqs, template)
    env = resolved_environment(template, Resolver(template, found))

    assert found == created
    assert s3.head_bucket(Bucket=created.bucket_names["ModelBucket"])
    assert env["MODELS_BUCKET"] == "mixtape-local-modelbucket"
    assert env["PROFILE_UPDATE_QUEUE_URL"] == created.queue_urls["ProfileUpdateQueue"]
    assert env["PROFILES_TABLE"] == "mixtape-local-ProfilesTable"
    assert env["HALF_LIFE_DAYS"] == "30"


def test_conflicting_function_variables_are_rejected(tmp_path: Path):
    (tmp_path / "template.yaml").write_text(
        """
        Resources:
          A:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: a/, Handler: app.h, Environment: {Variables: {TABLE: one}}}
          B:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: b/, Handler: app.h, Environment: {Variables: {TABLE: two}}}
        """
    )
    template = load_template(tmp_path / "template.yaml")

    with pytest.raises(TemplateError, match="TABLE differs"):
        resolved_environment(template, Resolver(template, LocalResources({}, {}, {})))


# ---------- the events and responses the adapters build ----------


def test_http_api_event_matches_payload_format_2(template: Template):
    match = match_route(template.routes, "GET", "/v1/users/u%20a/recommendations")
    assert match is not None

    event = http_api_event(
        match,
        method="GET",
        raw_path="/v1/users/u%20a/recommendations",
        raw_query="limit=5&genre=jazz&genre=rock&q=a%20b",
        headers=[("Host", "localhost:3000"), ("Cookie", "a=1; b=2"), ("X-Tag", "x"), ("X-Tag", "y")],
    )

    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /v1/users/{user_id}/recommendations"
    assert event["rawPath"] == "/v1/users/u a/recommendations"  # HTTP APIs decode it
    assert event["pathParameters"] == {"user_id": "u a"}
    assert event["queryStringParameters"] == {"limit": "5", "genre": "jazz,rock", "q": "a b"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-tag"] == "x,y"
    assert "cookie" not in event["headers"]
    assert event["requestContext"]["http"]["path"] == "/v1/users/u a/recommendations"
    assert event["requestContext"]["stage"] == "$default"
    assert event["isBase64Encoded"] is False
    assert "body" not in event


def test_http_api_event_base64_encodes_binary_bodies(template: Template):
    match = match_route(template.routes, "PUT", "/v1/items")
    assert match is not None

    text = http_api_event(match, method="PUT", raw_path="/v1/items", body='{"é": 1}'.encode())
    binary = http_api_event(match, method="PUT", raw_path="/v1/items", body=b"\xff\x00")

    assert (text["body"], text["isBase64Encoded"]) == ('{"é": 1}', False)
    assert (base64.b64decode(binary["body"]), binary["isBase64Encoded"]) == (b"\xff\x00", True)


def test_http_response_decodes_proxy_results_and_infers_bare_ones():
    proxy = {
        "statusCode": 201,
        "headers": {"Content-Type": "image/png"},
        "cookies": ["s=1"],
        "isBase64Encoded": True,
        "body": base64.b64encode(b"\x89PNG").decode(),
    }

    assert http_response(proxy) == (201, {"Content-Type": "image/png"}, ["s=1"], b"\x89PNG")
    assert http_response({"ok": True}) == (200, {"content-type": "application/json"}, [], b'{"ok": true}')


def test_sqs_record_has_the_lambda_shape():
    message = {
        "MessageId": "m-1",
        "ReceiptHandle": "rh",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1"},
        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "batch"}},
    }

    record = sqs_record(message, "arn:aws:sqs:us-east-1:123456789012:q")

    assert record["messageId"] == "m-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert record["messageAttributes"] == {
        "kind": {"stringValue": "batch", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs",
        "arn:aws:sqs:us-east-1:123456789012:q",
        "us-east-1",
    )
