"""The static files the recommend function serves: the operator console and the API docs (Swagger UI).

Every file ships in the layer (`console/`, `docs/`) and is read once per container on first use, never
from a CDN, so the pages work offline. A page names its assets by `<name>?v=<digest>`: the digest of the
asset's bytes, so an asset fetched by its current digest may be cached for good and a new layer's asset
is a new URL. Nothing here is personal: the console's data comes from the protected API, with the
operator's bearer token.
"""

import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_PACKAGE = "mixtape.web"
FOLDERS = ("console", "docs")
# Assets are named in lower case with dashes and dots, like the files; anything else is not an asset.
ASSET_NAME = r"^[a-z0-9][a-z0-9.-]{0,63}$"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
# Smaller files gain nothing from gzip that is worth a header.
_GZIP_MIN_BYTES = 1024
_ASSET_REF = re.compile(r"\{\{asset:([a-z0-9][a-z0-9.-]*)\}\}")


@dataclass(frozen=True)
class StaticFile:
    text: str  # every asset is UTF-8 text (scripts and styles)
    content_type: str
    digest: str  # first 16 hex digits of the bytes' SHA-256: the `v` of the asset's URL
    gzipped: bytes | None  # the bytes gzipped once, for clients that accept it; None when not worth it


def _suffix(name: str) -> str:
    return name[name.rfind(".") :] if "." in name else ""


@cache
def asset_names(folder: str) -> frozenset[str]:
    """The assets of `folder` (one of FOLDERS): its scripts and styles. Pages (.html) are not assets."""
    if folder not in FOLDERS:
        return frozenset()
    entries = resources.files(_PACKAGE).joinpath(folder).iterdir()
    return frozenset(
        entry.name
        for entry in entries
        if entry.is_file() and re.fullmatch(ASSET_NAME, entry.name) and _suffix(entry.name) in CONTENT_TYPES
    )


def static_file(folder: str, name: str) -> StaticFile | None:
    """The asset `name` of `folder`, or None. Only the folder's own assets are read and kept: a request
    for any other name costs no memory, whatever it asks for."""
    return _load(folder, name) if name in asset_names(folder) else None


@cache
def _load(folder: str, name: str) -> StaticFile:
    body = resources.files(_PACKAGE).joinpath(folder, name).read_bytes()
    return StaticFile(
        text=body.decode("utf-8"),
        content_type=CONTENT_TYPES[_suffix(name)],
        digest=hashlib.sha256(body).hexdigest()[:16],
        gzipped=gzip.compress(body, mtime=0) if len(body) >= _GZIP_MIN_BYTES else None,
    )


@cache
def page(folder: str, name: str) -> str:
    """The HTML page `name` of `folder`, each `{{asset:x}}` replaced by `<folder>/x?v=<digest>`."""
    html = resources.files(_PACKAGE).joinpath(folder, name).read_text(encoding="utf-8")

    def versioned(match: re.Match[str]) -> str:
        asset = static_file(folder, match.group(1))
        if asset is None:
            raise LookupError(f"{folder}/{name} names a missing asset {match.group(1)}")
        return f"{folder}/{match.group(1)}?v={asset.digest}"

    return _ASSET_REF.sub(versioned, html)
