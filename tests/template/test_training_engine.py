"""template.yaml's TrainingEngine: the EMR Serverless path (export -> Spark -> the same artifact) behind its
parameter, its roles' least privilege and the state machine's workflow. Every rule returns its violations,
is asserted empty on the real template, and is shown to fail on a broken copy (one regression per rule)."""

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.template.test_template import PARSED, Template, as_list

Check = Callable[[Template], list[str]]
CONDITION = "TrainsOnEmrServerless"
EMR_RESOURCES = ("SparkApplication", "SparkJobRole", "TrainingStateMachine")
EXPORT_PREFIX = "exports"


@pytest.fixture
def template() -> Template:
    return copy.deepcopy(PARSED)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _grants(statements: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """(action, resource, condition) of every Allow statement, intrinsics as canonical JSON."""
    return {
        (action, _key(resource), _key(statement.get("Condition")))
        for statement in statements
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


BUCKET = {"Fn::GetAtt": ["ModelBucket", "Arn"]}
JOB_ROLE_GRANTS = {
    ("s3:GetObject", _key(_sub("${ModelBucket.Arn}/exports/*")), "null"),
    ("s3:GetObject", _key(_sub("${ModelBucket.Arn}/spark/*")), "null"),
    ("s3:ListBucket", _key(BUCKET), _key({"StringLike": {"s3:prefix": ["exports/*", "spark/*"]}})),
    ("s3:PutObject", _key(_sub("${ModelBucket.Arn}/models/*")), "null"),
    ("dynamodb:BatchGetItem", _key({"Fn::GetAtt": ["EventsTable", "Arn"]}), "null"),
}
APPLICATION = {"Fn::GetAtt": ["SparkApplication", "Arn"]}
EVENTS_RULE = (
    "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/"
    "StepFunctionsGetEventsForEMRServerlessJobRule"
)
STATE_MACHINE_GRANTS = {
    ("dynamodb:ExportTableToPointInTime", _key({"Fn::GetAtt": ["EventsTable", "Arn"]}), "null"),
    ("dynamodb:DescribeExport", _key(_sub("${EventsTable.Arn}/export/*")), "null"),
    *(
        (action, _key(_sub("${ModelBucket.Arn}/exports/*")), "null")
        for action in ("s3:AbortMultipartUpload", "s3:PutObject", "s3:PutObjectAcl")
    ),
    ("emr-serverless:StartJobRun", _key(APPLICATION), "null"),
    ("emr-serverless:GetJobRun", _key(_sub("${SparkApplication.Arn}/jobruns/*")), "null"),
    ("emr-serverless:CancelJobRun", _key(_sub("${SparkApplication.Arn}/jobruns/*")), "null"),
    (
        "iam:PassRole",
        _key({"Fn::GetAtt": ["SparkJobRole", "Arn"]}),
        _key({"StringEquals": {"iam:PassedToService": "emr-serverless.amazonaws.com"}}),
    ),
    *(
        (action, _key(_sub(EVENTS_RULE)), "null")
        for action in ("events:PutTargets", "events:PutRule", "events:DescribeRule")
    ),
}


def _props(t: Template, lid: str) -> dict[str, Any]:
    props: dict[str, Any] = t["Resources"][lid]["Properties"]
    return props


def engine_violations(t: Template) -> list[str]:
    """lambda by default; the EMR resources and outputs exist only for emr-serverless; one trainer per
    schedule."""
    problems = []
    parameter = t["Parameters"].get("TrainingEngine", {})
    if parameter.get("Default") != "lambda" or parameter.get("AllowedValues") != ["lambda", "emr-serverless"]:
        problems.append(f"TrainingEngine parameter {parameter!r}")
    if t["Conditions"].get(CONDITION) != {"Fn::Equals": [{"Ref": "TrainingEngine"}, "emr-serverless"]}:
        problems.append(f"condition {CONDITION} {t['Conditions'].get(CONDITION)!r}")
    problems += [
        f"{lid}: not conditional on {CONDITION}"
        for lid in EMR_RESOURCES
        if t["Resources"].get(lid, {}).get("Condition") != CONDITION
    ]
    for name, output in t["Outputs"].items():
        if (
            any(lid in _key(output["Value"]) for lid in EMR_RESOURCES)
            and output.get("Condition") != CONDITION
        ):
            problems.append(f"output {name}: not conditional on {CONDITION}")
    state = _props(t, "TrainFunction")["Events"]["Schedule"]["Properties"].get("State")
    if state != {"Fn::If": [CONDITION, "DISABLED", "ENABLED"]}:
        problems.append(f"TrainFunction schedule State {state!r}: both trainers would run")
    events = _props(t, "TrainingStateMachine").get("Events", {}).values()
    if not any(
        e["Type"] == "ScheduleV2" and e["Properties"].get("ScheduleExpression") == {"Ref": "TrainingSchedule"}
        for e in events
    ):
        problems.append("TrainingStateMachine: no ScheduleV2 event on TrainingSchedule")
    return problems


def job_role_violations(t: Template) -> list[str]:
    """The Spark job's role: assumed by EMR Serverless of this account only; the export and job prefixes
    read, the model prefix written, nothing else."""
    props = _props(t, "SparkJobRole")
    problems = []
    trust = as_list(props["AssumeRolePolicyDocument"]["Statement"])
    if [s.get("Principal") for s in trust] != [{"Service": "emr-serverless.amazonaws.com"}]:
        problems.append(f"SparkJobRole: trusted by {[s.get('Principal') for s in trust]!r}")
    if any("aws:SourceAccount" not in _key(s.get("Condition")) for s in trust):
        problems.append("SparkJobRole: trust without an aws:SourceAccount condition")
    statements = [s for p in props.get("Policies", []) for s in as_list(p["PolicyDocument"]["Statement"])]
    grants = _grants(statements)
    problems += [f"SparkJobRole: grants {g[0]} on {g[1]} ({g[2]})" for g in sorted(grants - JOB_ROLE_GRANTS)]
    problems += [f"SparkJobRole: lacks {g[0]} on {g[1]}" for g in sorted(JOB_ROLE_GRANTS - grants)]
    if props.get("ManagedPolicyArns"):
        problems.append(f"SparkJobRole: managed policies {props['ManagedPolicyArns']!r}")
    return problems


def state_machine_grant_violations(t: Template) -> list[str]:
    """The state machine may export the events table, write the export, run and watch the job: exactly."""
    props = _props(t, "TrainingStateMachine")
    problems = [
        f"TrainingStateMachine: policy template {p!r}" for p in props["Policies"] if "Statement" not in p
    ]
    statements = [s for p in props["Policies"] if "Statement" in p for s in as_list(p["Statement"])]
    grants = _grants(statements)
    problems += [
        f"TrainingStateMachine: grants {g[0]} on {g[1]}" for g in sorted(grants - STATE_MACHINE_GRANTS)
    ]
    problems += [
        f"TrainingStateMachine: lacks {g[0]} on {g[1]}" for g in sorted(STATE_MACHINE_GRANTS - grants)
    ]
    return problems


def workflow_violations(t: Template) -> list[str]:
    """Export of the applied-events log (DynamoDB JSON, under the prefix the job reads) -> poll until
    COMPLETED (else fail) -> the Spark job on that export's manifest, waited for (.sync), which reads the
    events table's settings."""
    definition = _props(t, "TrainingStateMachine")["Definition"]
    states = definition["States"]
    problems = []
    export = states.get(definition["StartAt"], {})
    if export.get("Resource") != "arn:aws:states:::aws-sdk:dynamodb:exportTableToPointInTime":
        problems.append(f"starts with {export.get('Resource')!r}, not the table export")
    parameters = export.get("Parameters", {})
    wanted = {"TableArn": "${EventsTableArn}", "S3Prefix": EXPORT_PREFIX, "ExportFormat": "DYNAMODB_JSON"}
    problems += [f"export {k} = {parameters.get(k)!r}" for k, v in wanted.items() if parameters.get(k) != v]
    choice: dict[str, Any] = next((s for s in states.values() if s["Type"] == "Choice"), {})
    routes = {c["StringEquals"]: c["Next"] for c in choice.get("Choices", [])}
    train = states.get(routes.get("COMPLETED", ""), {})
    if states.get(choice.get("Default", ""), {}).get("Type") != "Fail":
        problems.append("a failed export does not fail the execution")
    waits = states.get(routes.get("IN_PROGRESS", ""), {})
    if waits.get("Type") != "Wait" or states.get(waits.get("Next", ""), {}).get("Resource", "").split(":")[
        -1
    ] != ("describeExport"):
        problems.append("an export in progress is not waited for and described again")
    if train.get("Resource") != "arn:aws:states:::emr-serverless:startJobRun.sync":
        problems.append(f"a completed export runs {train.get('Resource')!r}, not the Spark job (waited for)")
    driver = train.get("Parameters", {}).get("JobDriver", {}).get("SparkSubmit", {})
    if driver.get("EntryPoint") != "s3://${ModelBucketName}/spark/main.py":
        problems.append(f"entry point {driver.get('EntryPoint')!r}")
    if "--export" not in driver.get("EntryPointArguments.$", "") or "$.export.Manifest" not in driver.get(
        "EntryPointArguments.$", ""
    ):
        problems.append("the job is not given the export's manifest")
    if "driverEnv.EVENTS_TABLE=${EventsTableArn}" not in driver.get("SparkSubmitParameters", ""):
        problems.append("the job's settings (TrainSettings) lack EVENTS_TABLE")
    return problems


def application_violations(t: Template) -> list[str]:
    """A Spark application on arm64 that stops when idle, with a capacity ceiling."""
    props = _props(t, "SparkApplication")
    problems = []
    if props.get("Type") != "Spark" or props.get("Architecture") != "ARM64":
        problems.append(f"SparkApplication: {props.get('Type')!r} on {props.get('Architecture')!r}")
    if props.get("AutoStopConfiguration", {}).get("Enabled") is not True:
        problems.append("SparkApplication: never stops when idle")
    if set(props.get("MaximumCapacity", {})) != {"Cpu", "Memory", "Disk"}:
        problems.append("SparkApplication: no capacity ceiling")
    return problems


CHECKS: dict[str, Check] = {
    "engine": engine_violations,
    "job_role": job_role_violations,
    "state_machine_grants": state_machine_grant_violations,
    "workflow": workflow_violations,
    "application": application_violations,
}


@pytest.mark.parametrize("name", CHECKS)
def test_template_satisfies(template: Template, name: str) -> None:
    assert CHECKS[name](template) == []


def _statements(t: Template, lid: str) -> list[dict[str, Any]]:
    props = _props(t, lid)
    if lid == "SparkJobRole":
        return list(props["Policies"][0]["PolicyDocument"]["Statement"])
    return list(props["Policies"][0]["Statement"])


def _set(path: str, value: Any) -> Callable[[Template], None]:
    def mutate(t: Template) -> None:
        *parents, leaf = path.split(".")
        node = t
        for step in parents:
            node = node[step]
        node[leaf] = value

    return mutate


def _widen(lid: str, sid: str, resource: Any) -> Callable[[Template], None]:
    def mutate(t: Template) -> None:
        next(s for s in _statements(t, lid) if s.get("Sid") == sid)["Resource"] = resource

    return mutate


def _states(change: Callable[[dict[str, Any]], None]) -> Callable[[Template], None]:
    return lambda t: change(_props(t, "TrainingStateMachine")["Definition"]["States"])


REGRESSIONS: list[tuple[str, Callable[[Template], None], str, str]] = [
    (
        "spark by default",
        _set("Parameters.TrainingEngine.Default", "emr-serverless"),
        "engine",
        "TrainingEngine",
    ),
    (
        "application always on",
        lambda t: t["Resources"]["SparkApplication"].pop("Condition"),
        "engine",
        "SparkApplication",
    ),
    (
        "two trainers on one schedule",
        _set("Resources.TrainFunction.Properties.Events.Schedule.Properties.State", "ENABLED"),
        "engine",
        "both trainers",
    ),
    (
        "state machine unscheduled",
        _set("Resources.TrainingStateMachine.Properties.Events", {}),
        "engine",
        "ScheduleV2",
    ),
    (
        "job reads the whole bucket",
        _widen("SparkJobRole", "ReadExportAndJob", _sub("${ModelBucket.Arn}/*")),
        "job_role",
        "s3:GetObject",
    ),
    (
        "job writes outside models/",
        _widen("SparkJobRole", "PublishModel", _sub("${ModelBucket.Arn}/*")),
        "job_role",
        "s3:PutObject",
    ),
    (
        "job role trusted by Lambda",
        lambda t: _props(t, "SparkJobRole")["AssumeRolePolicyDocument"]["Statement"][0].update(
            Principal={"Service": "lambda.amazonaws.com"}
        ),
        "job_role",
        "trusted by",
    ),
    (
        "export written anywhere",
        _widen("TrainingStateMachine", "WriteExport", _sub("${ModelBucket.Arn}/*")),
        "state_machine_grants",
        "s3:PutObject",
    ),
    (
        "role passed to anyone",
        lambda t: next(s for s in _statements(t, "TrainingStateMachine") if s["Sid"] == "PassJobRole").pop(
            "Condition"
        ),
        "state_machine_grants",
        "iam:PassRole",
    ),
    (
        "export of another prefix",
        _states(lambda s: s["ExportEvents"]["Parameters"].update(S3Prefix="dumps")),
        "workflow",
        "S3Prefix",
    ),
    (
        "export of the capped profiles",
        _states(lambda s: s["ExportEvents"]["Parameters"].update(TableArn="${ProfilesTableArn}")),
        "workflow",
        "TableArn",
    ),
    (
        "export in ION",
        _states(lambda s: s["ExportEvents"]["Parameters"].update(ExportFormat="ION")),
        "workflow",
        "ExportFormat",
    ),
    (
        "job not waited for",
        _states(lambda s: s["Train"].update(Resource="arn:aws:states:::emr-serverless:startJobRun")),
        "workflow",
        "not the Spark job",
    ),
    (
        "failed export trains anyway",
        _states(lambda s: s["ExportDone"].update(Default="Train")),
        "workflow",
        "failed export",
    ),
    ("no polling", _states(lambda s: s["ExportDone"]["Choices"].pop()), "workflow", "in progress"),
    (
        "job without the export",
        _states(
            lambda s: s["Train"]["Parameters"]["JobDriver"]["SparkSubmit"].update(
                {"EntryPointArguments.$": "States.Array('--export', 'x')"}
            )
        ),
        "workflow",
        "manifest",
    ),
    (
        "job settings without the events table",
        _states(
            lambda s: s["Train"]["Parameters"]["JobDriver"]["SparkSubmit"].update(
                SparkSubmitParameters="--py-files s3://${ModelBucketName}/spark/job.zip"
            )
        ),
        "workflow",
        "EVENTS_TABLE",
    ),
    (
        "application on x86",
        _set("Resources.SparkApplication.Properties.Architecture", "X86_64"),
        "application",
        "X86_64",
    ),
    (
        "application never stops",
        _set("Resources.SparkApplication.Properties.AutoStopConfiguration.Enabled", False),
        "application",
        "idle",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "check", "expected"), [pytest.param(m, c, e, id=n) for n, m, c, e in REGRESSIONS]
)
def test_each_check_catches_its_regression(
    template: Template, mutate: Callable[[Template], None], check: str, expected: str
) -> None:
    mutate(template)
    problems = CHECKS[check](template)
    assert any(expected in p for p in problems), problems


def test_every_check_has_a_regression() -> None:
    assert {check for _, _, check, _ in REGRESSIONS} == set(CHECKS)
