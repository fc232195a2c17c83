"""The console's and Swagger UI's routes through the recommend handler, as API Gateway invokes it."""

import base64
import gzip
import json
import re
from importlib import resources

from tests.helpers import http_event

RECOMMEND = "RecommendFunction"
WEB = resources.files("mixtape.web")


def test_the_console_page_and_its_assets_need_no_token(aws, invoke):
    page = invoke(RECOMMEND, http_event("GET", "/console", claims=None))
    assert page["statusCode"] == 200
    assert page["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in page["headers"]["Content-Security-Policy"]
    (script,) = re.findall(r'src="console/(console\.js)\?v=([0-9a-f]{16})"', page["body"])
    reply = invoke(RECOMMEND, http_event("GET", f"/console/{script[0]}", query=f"v={script[1]}", claims=None))
    assert reply["statusCode"] == 200
    assert not reply.get("isBase64Encoded")
    assert reply["body"] == WEB.joinpath("console", "console.js").read_text()
    assert reply["headers"]["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_client_that_accepts_gzip_gets_the_asset_gzipped_and_base64_encoded_for_api_gateway(aws, invoke):
    event = http_event("GET", "/v1/docs/swagger-ui-bundle.js", headers={"accept-encoding": "gzip, br"})
    reply = invoke(RECOMMEND, event)
    assert reply["statusCode"] == 200
    assert reply["isBase64Encoded"] is True
    assert reply["headers"]["Content-Encoding"] == "gzip"
    assert reply["headers"]["Content-Type"] == "text/javascript; charset=utf-8"
    assert reply["headers"]["Vary"] == "Accept-Encoding"
    raw = WEB.joinpath("docs", "swagger-ui-bundle.js").read_bytes()
    assert gzip.decompress(base64.b64decode(reply["body"])) == raw
    assert reply["headers"]["Cache-Control"] == "no-cache"  # asked for without its digest


def test_an_unknown_asset_is_the_json_404_of_the_error_model(aws, invoke):
    for path in ("/console/nothing.js", "/v1/docs/PROVENANCE.md", "/console/index.html"):
        reply = invoke(RECOMMEND, http_event("GET", path, headers={"accept-encoding": "gzip"}))
        assert reply["statusCode"] == 404, path
        assert json.loads(reply["body"])["error"]["code"] == "not_found"
        assert "Content-Encoding" not in reply["headers"]


def test_the_docs_page_loads_swagger_ui_from_the_api_itself(aws, invoke):
    page = invoke(RECOMMEND, http_event("GET", "/v1/docs", claims=None))
    assert page["statusCode"] == 200
    refs = re.findall(r'(?:src|href)="([^"]+)"', page["body"])
    assert {ref.split("?")[0] for ref in refs} == {
        "data:,",
        "docs/swagger-ui.css",
        "docs/swagger-ui-bundle.js",
        "docs/docs.js",
    }
    assert "cdn" not in page["body"].lower()
