"""Property: every reason the ranker gives is true of the listener's profile, and its words are its
code's. Random catalogs (some items played lately, some released this year), random profiles (liked,
disliked and unknown items, artists and genres of either sign, taste vectors), with and without a learned
model, with and without a genre filter.

The claims are read back from the words with patterns written here (not the service's table), and checked
against the profile and catalog directly.
"""

import re
from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mixtape.catalog import popularity
from mixtape.catalog.index import CatalogIndex
from mixtape.config import RankingWeights
from mixtape.learning.aligned import AlignedModel
from mixtape.models.catalog import CatalogRecord
from mixtape.models.profile import Profile
from mixtape.models.reason import ReasonCode
from tests.unit.conftest import NOW_MS
from tests.unit.ranking.randomized import DIM, GENRES, random_catalog, random_listener, random_model, rank

TODAY = date(1970, 1, 1) + timedelta(milliseconds=NOW_MS)
PATTERNS = {
    ReasonCode.ARTIST: re.compile(r"because you listen to (?P<artist>.+)"),
    ReasonCode.GENRE: re.compile(r"because you like (?P<genre>.+)"),
    ReasonCode.SIMILAR: re.compile(r"similar to (?P<title>.+) by (?P<artist>.+)"),
    ReasonCode.LISTENERS: re.compile(r"listeners of (?P<artist>.+) also play this"),
    ReasonCode.POPULAR: re.compile(r"popular now"),
    ReasonCode.NEW_RELEASE: re.compile(r"new release"),
    ReasonCode.EXPLORING: re.compile(r"something new for you"),
}


def catalog(rng: np.random.Generator, n: int) -> list[CatalogRecord]:
    """`random_catalog`, with a third of the items played lately and release dates from this year to
    five years ago."""
    played = {popularity.epoch_of(NOW_MS): 3.0}
    return [
        record._replace(
            popularity=played if rng.random() < 0.3 else {},
            release_date=(TODAY - timedelta(days=int(rng.integers(0, 5 * 365)))).isoformat()
            if rng.random() < 0.7
            else None,
        )
        for record in random_catalog(rng, n)
    ]


def check(profile: Profile, index: CatalogIndex, position: int, code: ReasonCode, text: str) -> None:
    match = PATTERNS[code].fullmatch(text)
    assert match is not None, (code, text)
    record = index.records[position]
    liked = [
        index.records[index.position[i]] for i, v in profile.items.items() if v > 0 and i in index.position
    ]
    if code is ReasonCode.ARTIST:
        assert match["artist"] == record.artist_name
        assert profile.artists.get(record.artist_id, 0.0) > 0
    elif code is ReasonCode.GENRE:
        assert match["genre"] in record.genres
        assert profile.genres.get(match["genre"], 0.0) > 0
    elif code is ReasonCode.SIMILAR:
        assert any(r.title == match["title"] and r.artist_name == match["artist"] for r in liked)
    elif code is ReasonCode.LISTENERS:
        assert any(r.artist_name == match["artist"] for r in liked)
    elif code is ReasonCode.POPULAR:
        assert record.popularity
    elif code is ReasonCode.NEW_RELEASE:
        assert record.release_date is not None
        assert (TODAY - date.fromisoformat(record.release_date)).days <= 365
    # an item the listener rejected is never explained: it is never recommended
    assert record.item_id not in profile.known_items()
    assert profile.artists.get(record.artist_id, 0.0) >= 0


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(20, 160),
    with_model=st.booleans(),
    genre=st.none() | st.sampled_from(GENRES),
    zeroed=st.sets(st.sampled_from(["artist", "genre", "taste", "factors", "neighbors"])),
    limit=st.integers(1, 30),
)
def test_every_reason_holds_in_the_profile(
    seed: int, n: int, with_model: bool, genre: str | None, zeroed: set[str], limit: int
) -> None:
    rng = np.random.default_rng(seed)
    index = CatalogIndex.build(1, catalog(rng, n), DIM, NOW_MS, 7 * 86_400_000)
    artifact = random_model(rng, n) if with_model else None
    model = AlignedModel.build(artifact, index) if artifact is not None else None
    profile = random_listener(rng, n, artifact)
    weights = RankingWeights(**dict.fromkeys(zeroed, 0.0))
    found = rank(profile, index, model, weights, limit=limit, genre=genre)
    for pick in found.items:
        check(profile, index, pick.position, pick.reason_code, pick.reason)
