"""The body reader: every malformed body is a BodyError with its status, never a parser crash."""

import base64
import json
from typing import Any

import pytest

from mixtape.api.body import MAX_BODY_BYTES, MAX_DEPTH, BodyError, ParsedBody, read_body


def event(body: str | bytes | None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    if isinstance(body, bytes):
        return {"headers": headers or {}, "body": base64.b64encode(body).decode(), "isBase64Encoded": True}
    return {"headers": headers or {"content-type": "application/json"}, "body": body}


def refused(e: dict[str, Any]) -> BodyError:
    with pytest.raises(BodyError) as info:
        read_body(e)
    return info.value


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("e", "status", "code"),
    [
        (event(b'{"a": "\xff"}'), 400, "malformed_body"),
        ({"headers": {}, "body": "not base64!", "isBase64Encoded": True}, 400, "malformed_body"),
        (event('{"a": "\ud800"}'), 400, "malformed_body"),
        (event("{", None), 400, "malformed_json"),
        (event('{"a": NaN}'), 400, "malformed_json"),
        (event('{"a": 1, "a": 2}'), 400, "duplicate_key"),
        (event(nested(MAX_DEPTH + 1)), 400, "too_deep"),
        (event(nested(100_000)), 400, "too_deep"),
        (event('{"a": ' + "9" * 5000 + "}"), 422, "validation_error"),
        (event('{"a": [1e999]}'), 422, "validation_error"),
        (event("[" + "0," * (MAX_BODY_BYTES // 2) + "0]"), 413, "body_too_large"),
        (event(b"[" + b"0," * (MAX_BODY_BYTES // 2) + b"0]"), 413, "body_too_large"),
        (event("{}", {"content-type": "application/json; charset=utf-16"}), 415, "unsupported_media_type"),
        (event("{}", {"content-type": "application/json; charset=latin-1"}), 415, "unsupported_media_type"),
        (event("{}", {"Content-Encoding": "gzip"}), 415, "unsupported_media_type"),
        (event("{}", {"content-encoding": "br"}), 415, "unsupported_media_type"),
        (event("{}", {"content-type": "multipart/form-data"}), 415, "unsupported_media_type"),
        (event("{}", {"content-type": "multipart/form-data; boundary=x"}), 415, "unsupported_media_type"),
        (event("a=1", {"content-type": "application/x-www-form-urlencoded"}), 415, "unsupported_media_type"),
        (event("{}", {"content-type": "text/plain"}), 415, "unsupported_media_type"),
        (event(None, {"content-type": "multipart/form-data"}), 415, "unsupported_media_type"),
    ],
)
def test_a_malformed_body_is_refused_with_its_status(e: dict[str, Any], status: int, code: str) -> None:
    error = refused(e)
    assert (error.status_code, error.code) == (status, code)


def test_an_out_of_range_number_names_its_field_and_batch_index() -> None:
    error = refused(event('{"events": [{"a": 1}, {"ms_played": ' + "9" * 5000 + "}]}"))
    assert [(f.field, f.index) for f in error.errors] == [("events[1].ms_played", 1)]


def test_a_duplicate_key_is_named() -> None:
    assert [f.field for f in refused(event('{"events": [{"type": "play", "type": "skip"}]}')).errors] == [
        "type"
    ]


@pytest.mark.parametrize(
    ("e", "value"),
    [
        (event('{"a": [1, 2.5, "x"]}'), {"a": [1, 2.5, "x"]}),
        (event('{"a": 1}', {"Content-Type": "Application/JSON; Charset=UTF-8"}), {"a": 1}),
        (event('{"a": 1}', {"content-type": "application/json", "content-encoding": "identity"}), {"a": 1}),
        (event('{"a": 1}', {}), {"a": 1}),  # no Content-Type: read as JSON
        (event(json.dumps({"t": "é"}).encode()), {"t": "é"}),
        (event(nested(MAX_DEPTH)), json.loads(nested(MAX_DEPTH))),
        (event('{"a": ' + "9" * 32 + "}"), {"a": int("9" * 32)}),
        (event(None), None),
        (event(""), None),
    ],
)
def test_a_well_formed_body_is_parsed(e: dict[str, Any], value: Any) -> None:
    assert read_body(e).value == value


def test_a_base64_body_is_handed_on_as_its_text() -> None:
    assert read_body(event(b'{"a": 1}')) == ParsedBody('{"a": 1}', {"a": 1})
