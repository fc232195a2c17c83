"""template.yaml: the properties that keep Mixtape safe to deploy and operate, checked on the template."""

import copy
from typing import Any

import pytest
from cfnlint.api import lint_all

from local.template import DEFAULT_TEMPLATE, load_yaml

RAW = DEFAULT_TEMPLATE.read_text()
TEMPLATE: dict[str, Any] = load_yaml(RAW)
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
GLOBAL_FN: dict[str, Any] = TEMPLATE["Globals"]["Function"]

EXPECTED_ROUTES = {
    ("POST", "/v1/events"): "IngestFunction",
    ("PUT", "/v1/items"): "IngestFunction",
    ("DELETE", "/v1/users/{user_id}"): "ProfileUpdateFunction",
    ("GET", "/v1/users/{user_id}/recommendations"): "RecommendFunction",
    ("GET", "/v1/users/{user_id}/profile"): "RecommendFunction",
    ("GET", "/v1/items/{item_id}/similar"): "RecommendFunction",
    ("GET", "/v1/health"): "RecommendFunction",
    ("GET", "/v1/openapi.json"): "RecommendFunction",
    ("GET", "/v1/docs"): "RecommendFunction",
}
READ_ONLY_POLICY_TEMPLATES = {"DynamoDBReadPolicy", "SQSPollerPolicy", "S3ReadPolicy"}


def of_type(template: dict[str, Any], cfn_type: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == cfn_type}


def functions(template: dict[str, Any] = TEMPLATE) -> dict[str, dict[str, Any]]:
    return of_type(template, "AWS::Serverless::Function")


def function_timeout(template: dict[str, Any], logical_id: str) -> int:
    props = template["Resources"][logical_id]["Properties"]
    return int(props.get("Timeout", template["Globals"]["Function"].get("Timeout", 3)))


def sqs_sources(template: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(function, queue logical id, event properties) for every SQS trigger."""
    return [
        (fid, event["Properties"]["Queue"]["Fn::GetAtt"][0], event["Properties"])
        for fid, fn in functions(template).items()
        for event in fn["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    ]


def visibility_violations(template: dict[str, Any]) -> list[str]:
    problems = []
    for fid, queue_id, _ in sqs_sources(template):
        visibility = int(template["Resources"][queue_id]["Properties"].get("VisibilityTimeout", 30))
        if visibility < 6 * function_timeout(template, fid):
            problems.append(f"{queue_id}: {visibility}s < 6 x {fid} timeout")
    return problems


def test_functions_share_runtime_architecture_and_the_one_layer():
    assert GLOBAL_FN["Runtime"] == "python3.13"
    assert GLOBAL_FN["Architectures"] == ["arm64"]
    assert GLOBAL_FN["Layers"] == [{"Ref": "CommonLayer"}]
    assert GLOBAL_FN["Tracing"] == "Active"
    assert GLOBAL_FN["Environment"]["Variables"]["OPENBLAS_NUM_THREADS"] == "1"
    for fid, fn in functions().items():
        props = fn["Properties"]
        assert "Runtime" not in props, fid
        assert "Architectures" not in props, fid
        assert "Layers" not in props, fid
        assert props["Handler"] == "app.lambda_handler"
    layers = of_type(TEMPLATE, "AWS::Serverless::LayerVersion")
    assert list(layers) == ["CommonLayer"]
    assert layers["CommonLayer"]["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}


def test_http_routes_are_exactly_the_v1_api():
    routes = {}
    for fid, fn in functions().items():
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                props = event["Properties"]
                assert props["ApiId"] == {"Ref": "HttpApi"}
                routes[(props["Method"], props["Path"])] = fid
    assert routes == EXPECTED_ROUTES
    assert not [path for _, path in routes if "proxy+" in path or path == "$default"]


def test_recommend_function_can_only_read():
    policies = RESOURCES["RecommendFunction"]["Properties"]["Policies"]
    names = {next(iter(p)) for p in policies}
    assert names <= READ_ONLY_POLICY_TEMPLATES, names


def test_every_policy_is_a_scoped_policy_template():
    for fid, fn in functions().items():
        for policy in fn["Properties"].get("Policies", []):
            assert isinstance(policy, dict), f"{fid}: managed or inline policy {policy!r}"
            ((name, scope),) = policy.items()
            assert name.endswith("Policy"), (fid, name)
            target = next(iter(scope.values()))
            assert isinstance(target, dict), (
                f"{fid}: {name} must reference a template resource, not {target!r}"
            )
            assert "*" not in repr(target)


def test_consumed_queues_have_dlq_redrive_and_long_enough_visibility():
    assert visibility_violations(TEMPLATE) == []
    for fid, queue_id, event in sqs_sources(TEMPLATE):
        queue = RESOURCES[queue_id]["Properties"]
        dlq = queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert RESOURCES[dlq]["Type"] == "AWS::SQS::Queue"
        assert int(queue["RedrivePolicy"]["maxReceiveCount"]) >= 1
        assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"], fid
        assert int(RESOURCES[dlq]["Properties"]["MessageRetentionPeriod"]) > int(
            queue["MessageRetentionPeriod"]
        )
    assert {q for _, q, _ in sqs_sources(TEMPLATE)} == {"IngestQueue", "ProfileUpdateQueue"}


def test_the_visibility_check_catches_a_short_visibility_timeout():
    broken = copy.deepcopy(TEMPLATE)
    broken["Resources"]["ProfileUpdateQueue"]["Properties"]["VisibilityTimeout"] = 60
    assert visibility_violations(broken) == ["ProfileUpdateQueue: 60s < 6 x ProfileUpdateFunction timeout"]


def test_queues_are_encrypted_and_tables_on_demand_with_pitr():
    for lid, queue in of_type(TEMPLATE, "AWS::SQS::Queue").items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True, lid
    tables = of_type(TEMPLATE, "AWS::DynamoDB::Table")
    assert set(tables) == {"EventsTable", "ProfilesTable", "CatalogTable"}
    for lid, table in tables.items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", lid
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, lid
        assert table["DeletionPolicy"] == "Retain", lid
    assert tables["EventsTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }
    hash_keys = {
        lid: [k["AttributeName"] for k in t["Properties"]["KeySchema"] if k["KeyType"] == "HASH"]
        for lid, t in tables.items()
    }
    # keys that spread load: one partition per listener or per item, never a shared constant
    assert hash_keys == {
        "EventsTable": ["user_id"],
        "ProfilesTable": ["user_id"],
        "CatalogTable": ["item_id"],
    }


def test_no_hard_coded_physical_names():
    names = ("TableName", "QueueName", "FunctionName", "LayerName")
    for lid, resource in RESOURCES.items():
        for name in names:
            assert name not in resource.get("Properties", {}), f"{lid} hard-codes {name}"


def test_every_function_has_a_log_group_with_retention():
    groups = of_type(TEMPLATE, "AWS::Logs::LogGroup")
    for fid in functions():
        group = groups[f"{fid}LogGroup"]["Properties"]
        assert group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{fid}}}"}
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_outputs_name_the_api_tables_and_queues():
    outputs = set(TEMPLATE["Outputs"])
    assert {"ApiUrl", "EventsTableName", "ProfilesTableName", "CatalogTableName"} <= outputs
    assert {"IngestQueueUrl", "ProfileUpdateQueueUrl", "IngestDeadLetterQueueUrl"} <= outputs


@pytest.mark.parametrize("function_id", ["IngestFunction", "ProfileUpdateFunction", "RecommendFunction"])
def test_each_policy_targets_a_resource_the_function_is_configured_to_use(function_id):
    props = RESOURCES[function_id]["Properties"]
    configured = {
        v["Ref"] for v in props["Environment"]["Variables"].values() if isinstance(v, dict) and "Ref" in v
    }
    for policy in props["Policies"]:
        target = next(iter(next(iter(policy.values())).values()))
        resource = target["Ref"] if "Ref" in target else target["Fn::GetAtt"][0]
        assert resource in configured, f"{function_id} may touch {resource} but is not configured to use it"


def test_cfn_lint_is_clean():
    findings = [str(f) for f in lint_all(RAW) if f.rule.id[0] in "EW"]  # errors and warnings, as the CLI
    assert findings == []
