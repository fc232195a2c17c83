"""The static files of the console and the API docs: what is served, under which names, and from where."""

import gzip
import hashlib
import re
from importlib import resources

import pytest

from mixtape.web import static
from mixtape.web.static import FOLDERS, asset_names, page, static_file

WEB = resources.files("mixtape.web")


def test_swagger_ui_files_are_the_npm_package_s_as_their_provenance_note_says():
    note = WEB.joinpath("docs", "PROVENANCE.md").read_text()
    pairs = re.findall(r"^([0-9a-f]{64})  (\S+)$", note, flags=re.MULTILINE)
    listed = {name: digest for digest, name in pairs}
    assert set(listed) == {"swagger-ui-bundle.js", "swagger-ui.css"}
    for name, digest in listed.items():
        assert hashlib.sha256(WEB.joinpath("docs", name).read_bytes()).hexdigest() == digest, name
    assert "swagger-ui-dist 5.35.0" in note
    assert "Apache License" in WEB.joinpath("docs", "SWAGGER-UI-LICENSE").read_text()


@pytest.mark.parametrize(
    ("folder", "name"),
    [
        ("console", "index.html"),  # a page, not an asset: it is served with its digests filled in
        ("console", "__init__.py"),
        ("console", "../static.py"),
        ("docs", "PROVENANCE.md"),
        ("docs", "SWAGGER-UI-LICENSE"),
        ("docs", "swagger-ui-bundle.js.LICENSE.txt"),
        ("docs", "missing.js"),
        ("docs", "console.js"),  # another folder's asset
        ("web", "static.py"),
        ("console", "Console.JS"),
        ("console", ".console.js"),
    ],
)
def test_only_named_scripts_and_styles_of_a_folder_are_assets(folder: str, name: str):
    assert static_file(folder, name) is None


def test_the_assets_are_the_scripts_and_styles_of_each_folder():
    assert asset_names("console") == {"console.js", "console.css"}
    assert asset_names("docs") == {"docs.js", "swagger-ui-bundle.js", "swagger-ui.css"}
    assert asset_names("web") == frozenset()


def test_asking_for_names_that_are_not_assets_keeps_nothing():
    static_file("console", "console.js")
    kept = static._load.cache_info().currsize
    for n in range(200):
        assert static_file("console", f"missing-{n}.js") is None
    assert static._load.cache_info().currsize == kept


def test_an_asset_carries_its_type_digest_and_gzip():
    asset = static_file("docs", "swagger-ui-bundle.js")
    assert asset is not None
    raw = WEB.joinpath("docs", "swagger-ui-bundle.js").read_bytes()
    assert asset.text.encode() == raw
    assert asset.content_type == "text/javascript; charset=utf-8"
    assert asset.digest == hashlib.sha256(raw).hexdigest()[:16]
    assert asset.gzipped is not None
    assert gzip.decompress(asset.gzipped) == raw
    css = static_file("console", "console.css")
    assert css is not None
    assert css.content_type == "text/css; charset=utf-8"


@pytest.mark.parametrize("folder", FOLDERS)
def test_pages_name_their_assets_by_current_digest_and_load_nothing_from_elsewhere(folder: str):
    html = page(folder, "index.html")
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs
    for ref in refs:
        if ref == "data:,":  # the empty favicon: no request at all
            continue
        match = re.fullmatch(rf"{folder}/([a-z0-9.-]+)\?v=([0-9a-f]{{16}})", ref)
        assert match, ref
        name, version = match.groups()
        asset = static_file(folder, name)
        assert asset is not None, ref
        assert version == asset.digest
    assert "{{" not in html


@pytest.mark.parametrize(
    ("folder", "name"), [("console", "console.js"), ("console", "console.css"), ("docs", "docs.js")]
)
def test_mixtape_s_own_scripts_and_styles_name_no_other_origin(folder: str, name: str):
    text = WEB.joinpath(folder, name).read_text()
    assert not re.search(r"https?://|//[a-z0-9-]+\.[a-z]", text), name
