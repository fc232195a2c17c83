"""The one reader of request bodies: every malformed body becomes a 4xx in the error model, never a 500.

API Gateway hands the function a body that may be base64 (binary or non-UTF-8 bytes), compressed, of any
media type and any depth. Powertools' parser would crash on several of these (undecodable bytes, deep
nesting, huge integers, a multipart body without a boundary), so `read_body` decides the outcome from the
raw event before Powertools parses anything; the resolver hands the outcome to Powertools as the parsed
body (see `mixtape.api.resolver.MixtapeResolver`).
"""

import base64
import binascii
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mixtape.errors import FieldError, MixtapeError

# Below Lambda's request payload limit even once API Gateway base64-encodes the body, so the function
# itself answers 413 with the error model rather than Lambda refusing the invocation; a large item batch
# is split by the client.
MAX_BODY_BYTES = 4 * 1024 * 1024
# Mixtape's deepest valid body is 4 levels (items[i].embedding[j]); 32 leaves room. A body too deep for the
# parser itself (its RecursionError) is refused the same way.
MAX_DEPTH = 32
# No field takes an integer longer than an epoch in milliseconds; far below Python's int-from-str limit.
MAX_INT_DIGITS = 32
MAX_REPORTED_FIELDS = 100
JSON_MEDIA_TYPE = "application/json"
UTF8_CHARSETS = frozenset({"utf-8", "utf8"})
IDENTITY_ENCODINGS = frozenset({"", "identity"})


class BodyError(MixtapeError):
    """A body refused before validation: the status and code are per case (400, 413, 415, 422)."""

    def __init__(
        self, status_code: int, code: str, message: str, errors: list[FieldError] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.errors = errors or []


@dataclass(frozen=True)
class _OutOfRange:
    """A number the JSON parser met but no field can hold; reported with its field after parsing."""

    text: str


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _header(headers: Mapping[str, str] | None, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return ""


def _media_type(content_type: str) -> tuple[str, dict[str, str]]:
    media, _, rest = content_type.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            params[key.strip().lower()] = value.strip().strip('"').lower()
    return media.strip().lower(), params


def check_headers(headers: Mapping[str, str] | None) -> None:
    """415 unless the body is identity-encoded UTF-8 JSON. A missing Content-Type is read as JSON."""
    encoding = _header(headers, "content-encoding").strip().lower()
    if encoding not in IDENTITY_ENCODINGS:
        raise BodyError(415, "unsupported_media_type", f"Content-Encoding {encoding!r} is not supported")
    content_type = _header(headers, "content-type").strip()
    if not content_type:
        return
    media, params = _media_type(content_type)
    if media != JSON_MEDIA_TYPE:
        raise BodyError(
            415, "unsupported_media_type", f"send {JSON_MEDIA_TYPE}, not {media or content_type!r}"
        )
    charset = params.get("charset", "utf-8")
    if charset not in UTF8_CHARSETS:
        raise BodyError(415, "unsupported_media_type", f"charset {charset!r} is not supported: send UTF-8")


def _body_bytes(event: Mapping[str, Any]) -> bytes:
    raw = event.get("body")
    if not isinstance(raw, str):
        return b""
    if not event.get("isBase64Encoded"):
        data = raw.encode("utf-8", errors="surrogatepass")
    else:
        if len(raw) > (MAX_BODY_BYTES // 3 + 1) * 4:
            raise BodyError(413, "body_too_large", f"body is over {MAX_BODY_BYTES} bytes")
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise BodyError(400, "malformed_body", "body is flagged base64 but is not valid base64") from None
    if len(data) > MAX_BODY_BYTES:
        raise BodyError(413, "body_too_large", f"body is over {MAX_BODY_BYTES} bytes")
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def _parse_int(text: str) -> int | _OutOfRange:
    digits = len(text) - (text[0] == "-")
    return _OutOfRange(text) if digits > MAX_INT_DIGITS else int(text)


def _parse_float(text: str) -> float | _OutOfRange:
    value = float(text)
    return value if math.isfinite(value) else _OutOfRange(text)


def _reject_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _loads(text: str) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_reject_constant,
        )
    except RecursionError:
        raise BodyError(400, "too_deep", f"JSON nests deeper than {MAX_DEPTH} levels") from None
    except _DuplicateKeyError as e:
        raise BodyError(
            400,
            "duplicate_key",
            f"JSON object repeats the key {e.key!r}",
            [FieldError(field=e.key, message="duplicate key", type="duplicate_key")],
        ) from None
    except ValueError:  # JSONDecodeError included
        raise BodyError(400, "malformed_json", "request body is not valid JSON") from None


def _check_tree(value: Any) -> None:
    """Depth and out-of-range numbers, walking containers only (scalars are checked by their parent)."""
    out_of_range: list[tuple[Any, ...]] = []
    stack: list[tuple[Any, tuple[Any, ...], int]] = [(value, (), 1)]
    if isinstance(value, _OutOfRange):
        out_of_range.append(())
    while stack:
        node, loc, depth = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise BodyError(400, "too_deep", f"JSON nests deeper than {MAX_DEPTH} levels")
        children = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, (*loc, key), depth + 1))
            elif isinstance(child, _OutOfRange):
                out_of_range.append((*loc, key))
    if out_of_range:
        raise BodyError(
            422,
            "validation_error",
            f"{len(out_of_range)} number(s) out of range",
            [_out_of_range(loc) for loc in out_of_range[:MAX_REPORTED_FIELDS]],
        )


def _out_of_range(loc: tuple[Any, ...]) -> FieldError:
    path, index = field_path(loc)
    return FieldError(field=path, index=index, message="number out of range", type="number_range")


def field_path(loc: Sequence[Any]) -> tuple[str, int | None]:
    """`("body", "events", 3, "timestamp")` → `("events[3].timestamp", 3)`."""
    parts = list(loc[1:] if loc and loc[0] in {"body", "query", "path", "header"} else loc)
    text = ""
    index: int | None = None
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
            index = part if index is None else index
        else:
            text += f".{part}" if text else str(part)
    return text or "body", index


@dataclass(frozen=True)
class ParsedBody:
    """A body that passed every check: its UTF-8 text and its JSON value (both None when empty)."""

    text: str | None
    value: Any


def read_body(event: Mapping[str, Any]) -> ParsedBody:
    """The checked body of an API Gateway payload-2.0 event; raises `BodyError` for a malformed one."""
    check_headers(event.get("headers"))
    data = _body_bytes(event)
    if not data:
        return ParsedBody(None, None)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError(400, "malformed_body", "request body is not UTF-8") from None
    value = _loads(text)
    _check_tree(value)
    return ParsedBody(text, value)
