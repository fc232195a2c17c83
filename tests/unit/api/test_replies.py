"""The replies that list ranked items are byte for byte what pydantic makes of the reply models built
item by item: text that needs escaping, missing fields, scores of every magnitude, empty replies,
repeated items (cached catalog parts) and a new catalog version (new ones)."""

import json
import math

import numpy as np
import pytest

from mixtape.api import replies
from mixtape.api.replies import recommendations_json, similar_items_json
from mixtape.catalog.index import CatalogIndex
from mixtape.learning.aligned import AlignedModel
from mixtape.models.api import RecommendationsResponse, ScoredItem, ServedContext, SimilarItemsResponse
from mixtape.models.catalog import CatalogRecord
from mixtape.models.context import Daypart
from mixtape.models.experiment import Assignment
from mixtape.models.reason import ReasonCode
from mixtape.ranking import Ranked, Recommendations, similar_items
from tests.unit.ranking.randomized import DIM, random_catalog, random_listener, random_model, rank

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


def scored_item(index: CatalogIndex, entry: Ranked) -> ScoredItem:
    """The reference: one validated model per item."""
    r = index.records[entry.position]
    return ScoredItem(
        item_id=r.item_id,
        title=r.title,
        artist_id=r.artist_id,
        artist_name=r.artist_name,
        genres=list(r.genres),
        explicit=r.explicit,
        release_date=r.release_date,
        duration_ms=r.duration_ms,
        score=round(entry.score, replies.SCORE_DIGITS),
        reason=entry.reason,
        reason_code=entry.reason_code,
    )


# What the recommender adds to a reply: its id, context and experiments (as models, like the reply's own).
SERVED = {
    "recommendation_id": "0123456789abcdef~ranker:bold",
    "context": ServedContext(
        surface="radio", device=None, daypart=Daypart.MORNING, explore=0.2, activity="heavy"
    ),
    "experiments": [Assignment(experiment="ranker", variant="bold")],
}


def both_replies(index: CatalogIndex, ranked: list[Ranked]) -> tuple[str, str]:
    found = Recommendations(items=ranked, cold_start=False, model_version='m"1')
    expected = RecommendationsResponse(
        user_id="u-1",
        cold_start=False,
        catalog_version=index.version,
        model_version='m"1',
        items=[scored_item(index, entry) for entry in ranked],
        **SERVED,
    )
    return recommendations_json(index, "u-1", found, SERVED), expected.model_dump_json()


def ranked_items(index: CatalogIndex, scores: list[float]) -> list[Ranked]:
    reasons = list(ReasonCode)
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
def test_reply_is_byte_identical_to_the_model_built_item_by_item(scores: list[float]) -> None:
    index = catalog(7)
    got, expected = both_replies(index, ranked_items(index, scores))
    assert got == expected
    body = RecommendationsResponse.model_validate_json(got)
    assert [item.score for item in body.items] == [round(s, replies.SCORE_DIGITS) for s in scores]


def test_cached_catalog_parts_still_match_on_later_requests_and_a_new_catalog_gets_its_own() -> None:
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


def test_similar_items_reply_is_the_model_built_item_by_item() -> None:
    index = catalog(5)
    for ranked in (ranked_items(index, SCORES), []):
        expected = SimilarItemsResponse(item_id='i"4', items=[scored_item(index, entry) for entry in ranked])
        assert similar_items_json(index, 'i"4', ranked) == expected.model_dump_json()


@pytest.mark.parametrize("with_model", [True, False])
def test_ranked_lists_serialise_as_the_documented_models(with_model: bool) -> None:
    rng = np.random.default_rng(5)
    index = CatalogIndex.build(4, random_catalog(rng, 120), DIM, 0, 1.0)
    artifact = random_model(rng, 120) if with_model else None
    model = AlignedModel.build(artifact, index) if artifact is not None else None
    found = rank(random_listener(rng, 120, artifact), index, model, limit=15)
    expected = RecommendationsResponse(
        user_id="u",
        cold_start=found.cold_start,
        catalog_version=4,
        model_version=found.model_version,
        items=[scored_item(index, entry) for entry in found.items],
        **SERVED,
    )
    assert recommendations_json(index, "u", found, SERVED) == expected.model_dump_json()
    similar = similar_items(index, 0, limit=10, max_per_artist=2)
    expected_similar = SimilarItemsResponse(item_id="i0", items=[scored_item(index, e) for e in similar])
    assert similar_items_json(index, "i0", similar) == expected_similar.model_dump_json()
