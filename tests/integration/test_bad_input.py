"""The bad-input catalogue: every route, fed malformed bodies, schema violations, bad query strings, bad
path ids (percent-encoded too) and missing identity, answers a 4xx JSON error in the error model that
names the field where there is one, and writes nothing: no table item, no queue message (tables and
queues compared before and after, under moto tables and queues built from the template)."""

import base64
import gzip
import json
from dataclasses import dataclass
from typing import Any

import pytest

from mixtape.api.body import MAX_BODY_BYTES, MAX_DEPTH
from tests.helpers import body, http_event, load_event
from tests.integration.conftest import Aws
from tests.integration.test_access import ALICE, INGEST, PROFILE, RECOMMEND, item_ids, play, state, with_data

EVENTS, ITEMS = "/v1/events", "/v1/items"


@dataclass(frozen=True)
class Case:
    name: str
    function: str
    event: dict[str, Any]
    status: int
    code: str
    field: str | None = None  # a field the error must name


def raw(method: str, path: str, text: str | None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return http_event(method, path, text, headers=headers)


def binary(method: str, path: str, data: bytes, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A body API Gateway delivers base64-encoded (binary, or not UTF-8)."""
    event = http_event(method, path, None, headers=headers)
    event.update(body=base64.b64encode(data).decode(), isBase64Encoded=True)
    return event


def good_item(**changes: Any) -> dict[str, Any]:
    """The sample catalog's first item (with a 32-long embedding, the template's EmbeddingDim)."""
    item = json.loads(load_event("put_items.json")["body"])["items"][0]
    return {**item, **changes}


def good_event(**changes: Any) -> dict[str, Any]:
    return {**play(ALICE, 50), **changes}


def drop(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


def malformed_bodies(function: str, method: str, path: str, wrap: str, good: dict[str, Any]) -> list[Case]:
    """The same malformed bodies for every route with a body (`wrap`: its list, `good`: a valid entry)."""
    valid = json.dumps({wrap: [good]})
    first = f"{wrap}[0]"

    def case(name: str, event: dict[str, Any], status: int, code: str, field: str | None = None) -> Case:
        return Case(f"{method} {path}: {name}", function, event, status, code, field)

    nested_field = json.dumps({wrap: [{**good, "extra": "@"}]}).replace(
        '"@"', "[" * MAX_DEPTH + "]" * MAX_DEPTH
    )
    big_int = json.dumps({wrap: [good]}).replace("}]}", ', "x": ' + "9" * 5000 + "}]}")
    return [
        case("not UTF-8", binary(method, path, valid.encode()[:-3] + b'\xff"}]}'), 400, "malformed_body"),
        case(
            "latin-1 bytes",
            binary(method, path, valid.replace("}]}", ', "t": "é"}]}').encode("latin-1")),
            400,
            "malformed_body",
        ),
        case(
            "flagged base64, is not",
            {**raw(method, path, valid), "isBase64Encoded": True},
            400,
            "malformed_body",
        ),
        case(
            "a lone surrogate",
            raw(method, path, valid.replace("}]}", ', "t": "\ud800"}]}')),
            400,
            "malformed_body",
        ),
        case(
            "charset utf-16",
            binary(
                method, path, valid.encode("utf-16"), {"content-type": "application/json; charset=utf-16"}
            ),
            415,
            "unsupported_media_type",
        ),
        case(
            "charset utf-16 on UTF-8 bytes",
            raw(method, path, valid, {"content-type": "application/json; charset=utf-16"}),
            415,
            "unsupported_media_type",
        ),
        case(
            "charset latin-1",
            raw(method, path, valid, {"content-type": "application/json; charset=iso-8859-1"}),
            415,
            "unsupported_media_type",
        ),
        case(
            "gzip",
            binary(method, path, gzip.compress(valid.encode()), {"content-encoding": "gzip"}),
            415,
            "unsupported_media_type",
        ),
        case(
            "gzip header on plain JSON",
            raw(method, path, valid, {"content-encoding": "gzip"}),
            415,
            "unsupported_media_type",
        ),
        case(
            "deflate",
            raw(method, path, valid, {"content-encoding": "deflate"}),
            415,
            "unsupported_media_type",
        ),
        case(
            "multipart without boundary",
            raw(method, path, valid, {"content-type": "multipart/form-data"}),
            415,
            "unsupported_media_type",
        ),
        case(
            "multipart with boundary",
            raw(
                method,
                path,
                f'--x\r\ncontent-disposition: form-data; name="{wrap}"\r\n\r\n[]\r\n--x--\r\n',
                {"content-type": "multipart/form-data; boundary=x"},
            ),
            415,
            "unsupported_media_type",
        ),
        case(
            "form-urlencoded",
            raw(method, path, f"{wrap}=1", {"content-type": "application/x-www-form-urlencoded"}),
            415,
            "unsupported_media_type",
        ),
        case(
            "text/plain",
            raw(method, path, valid, {"content-type": "text/plain"}),
            415,
            "unsupported_media_type",
        ),
        case(
            "application/xml",
            raw(method, path, "<a/>", {"content-type": "application/xml"}),
            415,
            "unsupported_media_type",
        ),
        case("nested 10,000 deep", raw(method, path, "[" * 10_000 + "]" * 10_000), 400, "too_deep"),
        case("a field nested past the depth", raw(method, path, nested_field), 400, "too_deep"),
        case("a 5,000-digit integer", raw(method, path, big_int), 422, "validation_error", f"{first}.x"),
        case(
            "a number beyond float",
            raw(method, path, valid.replace("}]}", ', "x": 1e999}]}')),
            422,
            "validation_error",
            f"{first}.x",
        ),
        case("NaN", raw(method, path, valid.replace("}]}", ', "x": NaN}]}')), 400, "malformed_json"),
        case(
            "duplicate keys",
            raw(method, path, valid.replace("}]}", f', "{next(iter(good))}": "x"}}]}}')),
            400,
            "duplicate_key",
            next(iter(good)),
        ),
        case(
            "over the size limit",
            raw(method, path, json.dumps({wrap: [good], "pad": "a" * MAX_BODY_BYTES})),
            413,
            "body_too_large",
        ),
        case(
            "over the size limit, base64",
            binary(method, path, b" " * (MAX_BODY_BYTES + 1)),
            413,
            "body_too_large",
        ),
        case("truncated JSON", raw(method, path, valid[:-2]), 400, "malformed_json"),
        case("trailing garbage", raw(method, path, valid + " x"), 400, "malformed_json"),
        case("empty body", raw(method, path, None), 422, "validation_error", "body"),
        case("null", raw(method, path, "null"), 422, "validation_error", "body"),
        case("a list", raw(method, path, json.dumps([good])), 422, "validation_error", wrap),
        case("a string", raw(method, path, '"x"'), 422, "validation_error", "body"),
        case(f"no {wrap}", raw(method, path, "{}"), 422, "validation_error", wrap),
        case(f"{wrap} empty", raw(method, path, json.dumps({wrap: []})), 422, "validation_error", wrap),
        case(
            f"{wrap} not a list", raw(method, path, json.dumps({wrap: good})), 422, "validation_error", wrap
        ),
        case(
            f"501 {wrap}", raw(method, path, json.dumps({wrap: [good] * 501})), 422, "validation_error", wrap
        ),
        case(
            "an unknown top-level field",
            raw(method, path, json.dumps({wrap: [good], "x": 1})),
            422,
            "validation_error",
            "x",
        ),
    ]


def bad_event(name: str, event: dict[str, Any], field: str, *, index: int = 0) -> Case:
    events = [good_event(event_id=f"ok-{i}") for i in range(index)] + [event]
    return Case(
        f"POST {EVENTS}: {name}",
        INGEST,
        http_event("POST", EVENTS, {"events": events}),
        422,
        "validation_error",
        field,
    )


def bad_item(name: str, item: dict[str, Any], field: str) -> Case:
    return Case(
        f"PUT {ITEMS}: {name}",
        INGEST,
        http_event("PUT", ITEMS, {"items": [item]}),
        422,
        "validation_error",
        field,
    )


def event_cases() -> list[Case]:
    e = "events[0]"
    return [
        bad_event("no event_id", drop(good_event(), "event_id"), f"{e}.event_id"),
        bad_event("an unknown type", good_event(type="listen"), f"{e}.type"),
        bad_event("type null", good_event(type=None), f"{e}.type"),
        bad_event("timestamp true", good_event(timestamp=True), f"{e}.timestamp"),
        bad_event("timestamp before 2000", good_event(timestamp=946_684_799_999), f"{e}.timestamp"),
        bad_event("timestamp in seconds", good_event(timestamp=1_763_661_845), f"{e}.timestamp"),
        bad_event(
            "timestamp ISO before 2000", good_event(timestamp="1999-12-31T23:59:59Z"), f"{e}.timestamp"
        ),
        bad_event(
            "timestamp far in the future", good_event(timestamp="2999-01-01T00:00:00Z"), f"{e}.timestamp"
        ),
        bad_event("timestamp not a date", good_event(timestamp="yesterday"), f"{e}.timestamp"),
        bad_event("timestamp a float", good_event(timestamp=1_763_661_845_000.5), f"{e}.timestamp"),
        bad_event("timestamp negative", good_event(timestamp=-1), f"{e}.timestamp"),
        bad_event("ms_played negative", good_event(ms_played=-1), f"{e}.ms_played"),
        bad_event("ms_played a string", good_event(ms_played="1000"), f"{e}.ms_played"),
        bad_event("ms_played over a day", good_event(ms_played=86_400_001), f"{e}.ms_played"),
        bad_event("a play without ms_played", drop(good_event(), "ms_played"), e),
        bad_event("count 0", good_event(count=0), f"{e}.count"),
        bad_event("count on a skip", good_event(type="skip", count=2), e),
        bad_event("event_id over 128", good_event(event_id="e" * 129), f"{e}.event_id"),
        bad_event("event_id with a space", good_event(event_id="evt 1"), f"{e}.event_id"),
        bad_event("event_id empty", good_event(event_id=""), f"{e}.event_id"),
        bad_event("event_id not ASCII", good_event(event_id="évt-1"), f"{e}.event_id"),
        bad_event("user_id starting with '-'", good_event(user_id="-alice"), f"{e}.user_id"),
        bad_event("user_id percent-encoded", good_event(user_id="u%2Falice"), f"{e}.user_id"),
        bad_event("item_id with a slash", good_event(item_id="trk/1"), f"{e}.item_id"),
        bad_event("item_id a number", good_event(item_id=1), f"{e}.item_id"),
        bad_event("an unknown field", good_event(rating=5), f"{e}.rating"),
        bad_event("context.source over 64", good_event(context={"source": "s" * 65}), f"{e}.context.source"),
        bad_event("an unknown context field", good_event(context={"ip": "1.2.3.4"}), f"{e}.context.ip"),
        bad_event("the second event bad", good_event(type="listen"), "events[1].type", index=1),
    ]


def item_cases() -> list[Case]:
    i = "items[0]"
    return [
        bad_item("embedding too short", good_item(embedding=[0.1, 0.2]), f"{i}.embedding"),
        bad_item("embedding too long", good_item(embedding=[0.1] * 33), f"{i}.embedding"),
        bad_item("embedding all zeros", good_item(embedding=[0.0] * 32), f"{i}.embedding"),
        bad_item("embedding beyond float32", good_item(embedding=[1e39] * 32), f"{i}.embedding[0]"),
        bad_item("embedding of strings", good_item(embedding=["0.1"] * 32), f"{i}.embedding[0]"),
        bad_item("title empty", good_item(title=" "), f"{i}.title"),
        bad_item("title over 300", good_item(title="t" * 301), f"{i}.title"),
        bad_item("21 genres", good_item(genres=[f"g{n}" for n in range(21)]), f"{i}.genres"),
        bad_item("a genre with a control character", good_item(genres=["in\x01die"]), f"{i}.genres[0]"),
        bad_item("explicit a string", good_item(explicit="yes"), f"{i}.explicit"),
        bad_item("release_date not a date", good_item(release_date="soon"), f"{i}.release_date"),
        bad_item("duration_ms 0", good_item(duration_ms=0), f"{i}.duration_ms"),
        bad_item("item_id with a space", good_item(item_id="trk 1"), f"{i}.item_id"),
        bad_item("item_id over 128", good_item(item_id="t" * 129), f"{i}.item_id"),
        bad_item("no artist_name", drop(good_item(), "artist_name"), f"{i}.artist_name"),
        bad_item("an unknown field", good_item(popularity=3), f"{i}.popularity"),
    ]


def query_and_path_cases() -> list[Case]:
    def get(function: str, path: str, query: str, field: str, method: str = "GET") -> Case:
        label = f"{method} {path}" + (f"?{query}" if query else "")
        event = http_event(method, path, query=query)
        return Case(label, function, event, 422, "validation_error", field)

    recs, similar = f"/v1/users/{ALICE}/recommendations", f"/v1/items/{item_ids()[0]}/similar"
    export = f"/v1/users/{ALICE}/export"
    cases = [
        *(get(RECOMMEND, recs, f"limit={v}", "limit") for v in ("0", "101", "-1", "abc", "1.5", "", "1e3")),
        get(RECOMMEND, recs, "exclude_explicit=maybe", "exclude_explicit"),
        get(RECOMMEND, recs, "genre=", "genre"),
        get(RECOMMEND, recs, f"genre={'g' * 65}", "genre"),
        *(get(RECOMMEND, similar, f"limit={v}", "limit") for v in ("0", "101", "x")),
        *(get(PROFILE, export, f"limit={v}", "limit") for v in ("0", "5001", "many")),
        get(PROFILE, export, "after=evt%201", "after"),
        get(PROFILE, export, f"after={'e' * 129}", "after"),
    ]
    bad_ids = {
        "a space, percent-encoded": "u%20alice",
        "a slash, percent-encoded": "u%2Falice",
        "a leading dash": "-alice",
        "over 128": "u" * 129,
        "not ASCII, percent-encoded": "%C3%A9lise",
    }
    for bad in bad_ids.values():
        for function, method, template in (
            (RECOMMEND, "GET", "/v1/users/{}/recommendations"),
            (RECOMMEND, "GET", "/v1/users/{}/profile"),
            (PROFILE, "GET", "/v1/users/{}/export"),
            (PROFILE, "DELETE", "/v1/users/{}"),
        ):
            cases.append(get(function, template.format(bad), "", "user_id", method))
        cases.append(get(RECOMMEND, f"/v1/items/{bad.replace('u', 't', 1)}/similar", "", "item_id"))
    return cases


def no_identity_cases() -> list[Case]:
    """No authorizer context (API Gateway's authorizer answers first when deployed): 401 in the model."""
    routes = [
        (INGEST, "POST", EVENTS, {"events": [good_event()]}),
        (INGEST, "PUT", ITEMS, {"items": [good_item()]}),
        (RECOMMEND, "GET", f"/v1/users/{ALICE}/recommendations", None),
        (RECOMMEND, "GET", f"/v1/users/{ALICE}/profile", None),
        (RECOMMEND, "GET", f"/v1/items/{item_ids()[0]}/similar", None),
        (PROFILE, "GET", f"/v1/users/{ALICE}/export", None),
        (PROFILE, "DELETE", f"/v1/users/{ALICE}", None),
    ]
    return [
        Case(
            f"{method} {path}: no identity",
            function,
            http_event(method, path, data, claims=None),
            401,
            "unauthorized",
        )
        for function, method, path, data in routes
    ]


CASES = [
    *malformed_bodies(INGEST, "POST", EVENTS, "events", good_event()),
    *malformed_bodies(INGEST, "PUT", ITEMS, "items", good_item()),
    *event_cases(),
    *item_cases(),
    *query_and_path_cases(),
    *no_identity_cases(),
]


def test_the_catalogue_covers_every_route_with_at_least_100_cases() -> None:
    assert len(CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES)
    routes = {(c.event["requestContext"]["http"]["method"], c.event["routeKey"]) for c in CASES}
    assert {key for _, key in routes} >= {
        "POST /v1/events",
        "PUT /v1/items",
        "GET /v1/users/{user_id}/recommendations",
        "GET /v1/users/{user_id}/profile",
        "GET /v1/items/{item_id}/similar",
        "GET /v1/users/{user_id}/export",
        "DELETE /v1/users/{user_id}",
    }


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_bad_input_is_a_4xx_json_error_naming_its_field_and_writes_nothing(aws: Aws, invoke, case: Case):
    with_data(aws, invoke, ALICE)
    before = state(aws)
    response = invoke(case.function, case.event)
    assert response["statusCode"] == case.status, response.get("body", "")[:300]
    error = body(response)["error"]
    assert error["code"] == case.code
    assert error["message"]
    assert response["headers"]["Cache-Control"] == "no-store"
    if case.field is not None:
        assert case.field in [f["field"] for f in error["fields"]], error
    assert state(aws) == before
