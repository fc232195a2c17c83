"""The recommendations reply, written from per-item JSON heads, is byte for byte what pydantic makes of
the whole reply: text that needs escaping, missing fields, scores of every magnitude, empty replies,
repeated items (cached heads) and a new catalog version (new heads)."""

import json
import math

import pytest
from pydantic import TypeAdapter

from mixtape.api import replies
from mixtape.api.replies import recommendations_json
from mixtape.catalog.index import CatalogIndex
from mixtape.models.api import RecommendationsResponse
from mixtape.models.catalog import CatalogRecord
from mixtape.ranking.ranker import Ranked, Reason

AWKWARD = [
    'say "hi"',
    "back\\slash",
    "tab\tnew\nline\r",
    "\x00\x01\x1f\x7f",
    "é ü 漢字 😀",
    "\u2028\u2029",
    "</script>",
]
SCORES = [1.201033115386963, 0.0, -0.0, 5e-05, 1e-07, -3.2e-06, 1e-4, 0.1 + 0.2, 1e15, 1e16, 2.5e21, -7.0]


def record(i: int, *, title: str = "", artist: str = "", full: bool = False) -> CatalogRecord:
    return CatalogRecord(
        item_id=f"i{i}",
        title=title or f"Track {i}",
        artist_id=f"a{i % 3}",
        artist_name=artist or f"Artist {i % 3}",
        genres=tuple(AWKWARD[: i % 3]) if full else (),
        explicit=i % 2 == 0,
        release_date="2024-05-01" if full else None,
        duration_ms=215_000 + i if full else None,
        embedding=None,
        popularity={},
    )


def catalog(version: int) -> CatalogIndex:
    records = [record(i) for i in range(4)]
    records += [
        record(4 + j, title=text, artist=AWKWARD[-1 - j], full=True) for j, text in enumerate(AWKWARD)
    ]
    return CatalogIndex.build(version, records, 4, 0, 1.0)


def whole_reply(index: CatalogIndex, ranked: list[Ranked], **meta: object) -> str:
    """The reference: the reply as plain dicts, serialised by one TypeAdapter of its whole shape."""
    adapter = TypeAdapter(replies._RecommendationsJson)
    items = []
    for entry in ranked:
        r = index.records[entry.position]
        items.append(
            {
                "item_id": r.item_id,
                "title": r.title,
                "artist_id": r.artist_id,
                "artist_name": r.artist_name,
                "genres": list(r.genres),
                "explicit": r.explicit,
                "release_date": r.release_date,
                "duration_ms": r.duration_ms,
                "score": round(entry.score, replies.SCORE_DIGITS),
                "reason": entry.reason,
                "reason_code": entry.reason_code,
            }
        )
    return adapter.dump_json({**meta, "items": items}).decode()  # type: ignore[typeddict-item]


def both_replies(index: CatalogIndex, ranked: list[Ranked]) -> tuple[str, str]:
    got = recommendations_json(index, ranked, user_id="u-1", cold_start=False, model_version='m"1')
    # pydantic writes a TypedDict's keys in the dict's order: the reply's order is RecommendationsResponse's
    expected = whole_reply(
        index, ranked, user_id="u-1", cold_start=False, catalog_version=index.version, model_version='m"1'
    )
    return got, expected


def ranked_items(index: CatalogIndex, scores: list[float]) -> list[Ranked]:
    reasons = list(Reason)
    return [
        Ranked(
            position=i % len(index),
            score=score,
            reason_code=reasons[i % len(reasons)],
            reason=f"because you like {AWKWARD[i % len(AWKWARD)]}",
        )
        for i, score in enumerate(scores)
    ]


@pytest.mark.parametrize("scores", [SCORES, [], [0.5], SCORES * 3], ids=["mixed", "empty", "one", "repeats"])
def test_reply_is_byte_identical_to_one_adapter_over_the_whole_reply(scores: list[float]) -> None:
    index = catalog(7)
    got, expected = both_replies(index, ranked_items(index, scores))
    assert got == expected
    body = RecommendationsResponse.model_validate_json(got)
    assert [item.score for item in body.items] == [round(s, replies.SCORE_DIGITS) for s in scores]


def test_cached_heads_still_match_on_later_requests_and_a_new_catalog_gets_its_own() -> None:
    old, new = catalog(1), catalog(2)
    ranked = ranked_items(old, SCORES)
    for _ in range(3):
        got, expected = both_replies(old, ranked)
        assert got == expected
    changed = CatalogIndex.build(2, [record(i, title=f"Renamed {i}") for i in range(len(old))], 4, 0, 1.0)
    got, expected = both_replies(changed, ranked)
    assert got == expected
    assert "Renamed 0" in got
    assert both_replies(new, ranked)[0] == both_replies(new, ranked)[1]


def test_non_finite_scores_are_null_as_pydantic_writes_them() -> None:
    index = catalog(3)
    got, expected = both_replies(index, ranked_items(index, [math.nan, math.inf, 1.5]))
    assert got == expected
    assert [item["score"] for item in json.loads(got)["items"]] == [None, None, 1.5]
