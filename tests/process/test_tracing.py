"""Tracing costs no cold start where it is off, and still records subsegments in Lambda.

The tracer is built at import, so each case runs in a fresh interpreter with its own environment (the
policy's unit tests are in tests/unit/runtime/test_tracing_policy.py).
"""

from pathlib import Path

from tests.helpers import fresh_python

ROOT = Path(__file__).resolve().parents[2]
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def test_outside_lambda_the_xray_sdk_is_never_imported():
    result = fresh_python(
        "import json, sys\n"
        "from mixtape.runtime.observability import tracer\n"
        "@tracer.capture_lambda_handler\n"
        "def handler(event, context): return {'ok': True}\n"
        "handler({}, None)\n"
        "print(json.dumps({'core': 'aws_xray_sdk.core' in sys.modules, 'disabled': tracer.disabled}))\n"
    )
    assert result == {"core": False, "disabled": True}


def test_in_lambda_the_handler_and_its_aws_calls_are_traced():
    code = """
import json, sys
import boto3
from botocore.stub import Stubber
from aws_xray_sdk.core import xray_recorder
from mixtape.runtime.observability import tracer

sent = []
class Capture:
    def send_entity(self, entity):
        sent.append(entity.to_dict())
    def set_daemon_address(self, address):
        pass
xray_recorder.configure(emitter=Capture())

client = boto3.client("dynamodb", aws_access_key_id="x", aws_secret_access_key="x")
stub = Stubber(client)
stub.add_response("get_item", {}, {"TableName": "t", "Key": {"pk": {"S": "a"}}})
stub.activate()

@tracer.capture_lambda_handler
def handler(event, context):
    client.get_item(TableName="t", Key={"pk": {"S": "a"}})
    return {"ok": True}

handler({}, None)
def names(entity):
    return [entity["name"], *(n for s in entity.get("subsegments", []) for n in names(s))]
patched = sys.modules["aws_xray_sdk.core.patcher"]._PATCHED_MODULES
print(json.dumps({"names": sorted({n for e in sent for n in names(e)}), "patched": sorted(patched)}))
"""
    result = fresh_python(
        code, LAMBDA_TASK_ROOT=str(ROOT / "functions" / "ingest"), _X_AMZN_TRACE_ID=TRACE_HEADER
    )
    assert "## handler" in result["names"]
    assert "dynamodb" in result["names"]  # botocore is patched: the GetItem is a subsegment
    assert result["patched"] == ["botocore"]  # and nothing else
