"""SnapStart around a real init: what a handler's before-snapshot hooks leave in the snapshot, and what a
restored environment then reads again. Both are process state, so each case runs in a fresh interpreter."""

import pytest

from tests.helpers import fresh_python, import_handler

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}


@pytest.mark.parametrize("function", ["recommend", "ingest", "profile_update"])
def test_the_snapshot_holds_the_clients_data_but_no_client_and_a_restore_reads_none_of_it_again(function):
    code = f"""
import importlib.util, json, os, socket, sys
opened = []
real_connect = socket.socket.connect
socket.socket.connect = lambda self, address: opened.append(str(address)) or real_connect(self, address)
{import_handler(function)}import botocore, snapshot_restore_py
from mixtape.storage import clients
for hook, args, kwargs in reversed(snapshot_restore_py.get_before_snapshot()):  # as the runtime runs them
    hook(*args, **kwargs)
made = [name for name in ("dynamodb", "sqs", "s3") if getattr(clients, name).cache_info().currsize]
data = os.path.join(os.path.dirname(botocore.__file__), "data") + os.sep
read = []
def audit(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].startswith(data):
        read.append(args[0].removeprefix(data))
sys.addaudithook(audit)
for hook, args, kwargs in snapshot_restore_py.get_after_restore():
    hook(*args, **kwargs)
clients.dynamodb(), clients.sqs(), clients.s3()
again = sorted(p for p in read if p.split(os.sep)[0] in clients.SERVICES or p.startswith("endpoints"))
print(json.dumps({{"connections": opened, "made_before_snapshot": made, "read_after_restore": again}}))
"""
    assert fresh_python(code, **CREDENTIALS) == {
        "connections": [],
        "made_before_snapshot": [],
        "read_after_restore": [],  # the service models, rule sets and endpoint table came with the snapshot
    }
