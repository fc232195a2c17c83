"""mixtape.botocore_docs: botocore clients work and document themselves as before, without botocore's
documentation generator imported until a docstring is read."""

import pytest

from tests.helpers import fresh_python

DOCSTRINGS = """
import inspect, json, sys
{install}
import botocore.session
client = botocore.session.get_session().create_client(  # the full model: it has the waiters
    "dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
)
made = "botocore.docs.service" in sys.modules
docs = {{
    "method": inspect.getdoc(client.get_item),
    "paginator": str(client.get_paginator("scan").paginate.__doc__),
    "waiter": str(client.get_waiter("table_exists").wait.__doc__),
}}
print(json.dumps({{"loaded_with_the_client": made, "docs": docs}}))
"""


@pytest.fixture(scope="module")
def botocores_own() -> dict[str, str]:
    found = fresh_python(DOCSTRINGS.format(install=""))
    assert found["loaded_with_the_client"]  # what install() avoids
    docs: dict[str, str] = found["docs"]
    return docs


def test_a_client_made_with_the_stand_ins_renders_botocores_own_docstrings_when_read(botocores_own):
    found = fresh_python(
        DOCSTRINGS.format(install="from mixtape import botocore_docs; botocore_docs.install()")
    )
    assert not found["loaded_with_the_client"]
    assert found["docs"] == botocores_own
    assert all(len(text) > 200 for text in botocores_own.values())


def test_any_other_name_of_the_stand_ins_is_botocores_own():
    code = """
import json
from mixtape import botocore_docs
botocore_docs.install()
import botocore.client  # imports the three docstring classes through the stand-in
from botocore.docs.docstring import LazyLoadedDocstring
import botocore.docs
print(json.dumps({
    "base": LazyLoadedDocstring.__module__,
    "documenter": botocore.docs.ServiceDocumenter.__module__,
    "utils": botocore.docs.utils.__name__,
}))
"""
    assert fresh_python(code) == {
        "base": "botocore.docs.docstring",
        "documenter": "botocore.docs.service",
        "utils": "botocore.docs.utils",
    }


def test_install_changes_nothing_once_botocores_docs_are_imported():
    code = """
import json, sys
import botocore.docs.docstring
real = sys.modules["botocore.docs.docstring"]
from mixtape import botocore_docs
botocore_docs.install()
print(json.dumps({"same": sys.modules["botocore.docs.docstring"] is real}))
"""
    assert fresh_python(code) == {"same": True}
