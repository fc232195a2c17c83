"""Replies of the static pages: content types, caching, security headers, gzip and 404s."""

import gzip

import pytest

from mixtape.api.pages import IMMUTABLE, asset_response, page_response
from mixtape.errors import NotFoundError
from mixtape.web.static import static_file


@pytest.mark.parametrize("folder", ["console", "docs"])
def test_pages_are_revalidated_html_that_may_load_only_their_own_origin(folder: str):
    reply = page_response(folder, "index.html")
    assert reply.status_code == 200
    assert reply.content_type == "text/html; charset=utf-8"
    assert reply.headers["Cache-Control"] == "no-cache"
    csp = str(reply.headers["Content-Security-Policy"])
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"  # no inline script, no other origin
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


def test_an_asset_asked_for_by_its_digest_is_cached_for_good_and_otherwise_revalidated():
    asset = static_file("console", "console.js")
    assert asset is not None
    current = asset_response("console", "console.js", asset.digest, {})
    assert current.status_code == 200
    assert current.headers["Cache-Control"] == IMMUTABLE
    assert current.headers["ETag"] == f'"{asset.digest}"'
    assert current.content_type == "text/javascript; charset=utf-8"
    assert current.body == asset.text
    for stale in (None, "0123456789abcdef"):
        assert asset_response("console", "console.js", stale, {}).headers["Cache-Control"] == "no-cache"


def test_a_client_holding_the_current_asset_gets_304_without_a_body():
    asset = static_file("docs", "swagger-ui.css")
    assert asset is not None
    reply = asset_response("docs", "swagger-ui.css", None, {"if-none-match": f'"{asset.digest}"'})
    assert reply.status_code == 304
    assert reply.body == ""
    assert asset_response("docs", "swagger-ui.css", None, {"if-none-match": '"other"'}).status_code == 200


def test_an_unknown_asset_is_not_found():
    with pytest.raises(NotFoundError):
        asset_response("docs", "index.html", None, {})


def test_the_gzip_kept_for_an_asset_is_its_text():
    asset = static_file("docs", "swagger-ui-bundle.js")
    assert asset is not None
    assert asset.gzipped is not None
    assert gzip.decompress(asset.gzipped).decode() == asset.text
    assert asset_response("docs", "swagger-ui-bundle.js", None, {}).headers["Vary"] == "Accept-Encoding"
