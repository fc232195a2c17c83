"""Operation ids name the generated client's functions (clients/python: `api.<tag>.<operation_id>`)."""

import json
import re
from importlib import resources


def test_every_operation_sets_a_short_snake_case_id():
    document = json.loads(resources.files("mixtape.api").joinpath("openapi.json").read_text())
    operations = [
        (method.upper(), path, operation.get("operationId", ""))
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    # Powertools' default id is `<function><path>_<method>` (`get_profile_v1_users__user_id__profile_get`):
    # a route sets `operation_id=` instead, the function's own name.
    long = [
        (m, p, op) for m, p, op in operations if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", op) or "_v1_" in op
    ]
    assert not long, f"set operation_id=<function name> on these routes: {long}"
    ids = [op for _, _, op in operations]
    assert len(ids) == len(set(ids))
