"""The per-catalog buffers every request shares: a request never sees what an earlier one wrote, even one
that failed halfway. Compared with a fresh container (a new catalog index, hence new buffers), the next
request's items and scores must be exactly the same."""

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from mixtape.catalog.index import CatalogIndex
from mixtape.config import RankingIndex, RankingWeights
from mixtape.learning.aligned import AlignedModel
from mixtape.models.artifact import ModelArtifact
from mixtape.models.catalog import CatalogRecord
from mixtape.models.profile import Profile
from mixtape.ranking import Ranked, approximate, terms, workspace
from tests.unit.ranking.randomized import DIM, random_catalog, random_listener, random_model, rank

N = 200
# Every item is listed (no cap in effect), so a score changed anywhere in the catalog shows.
EVERY_ITEM = RankingWeights(max_per_artist=N)
# IVF with every list probed and every liked-genre item a candidate, for listeners like these.
IVF = RankingIndex(kind="ivf", ivf_min_items=1, n_lists=12, n_probe=12, rescore=N, genre_items=3 * N)


class InjectedError(RuntimeError):
    pass


def container(records: list[CatalogRecord], artifact: ModelArtifact) -> tuple[CatalogIndex, AlignedModel]:
    """What a container loads: its own catalog index (with its own buffers) and aligned model."""
    index = CatalogIndex.build(1, records, DIM, 0, 1.0)
    return index, AlignedModel.build(artifact, index)


def listing(
    profile: Profile, loaded: tuple[CatalogIndex, AlignedModel], config: RankingIndex
) -> list[Ranked]:
    index, model = loaded
    return rank(profile, index, model, EVERY_ITEM, limit=N, config=config).items


def fails_after(original: Callable[..., Any]) -> Callable[..., Any]:
    """`original`, then an exception: whatever it wrote stays written."""

    def failing(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        raise InjectedError

    return failing


def test_the_scratch_accumulator_is_clean_after_each_request() -> None:
    """EASE sums go through a per-catalog zeroed buffer: a second listener must not see the first's."""
    rng = np.random.default_rng(3)
    index = CatalogIndex.build(1, random_catalog(rng, 200), DIM, 0, 1.0)
    artifact = random_model(rng, 200)
    model = AlignedModel.build(artifact, index)
    first, second = random_listener(rng, 200, artifact), random_listener(rng, 200, artifact)
    alone = rank(second, index, model, limit=20).items
    rank(first, index, model, limit=20)
    after = rank(second, index, model, limit=20).items
    assert after == alone


EXACT, IVF_PATH = RankingIndex(), IVF
FAILURES = [  # where a request fails, on each path, after it wrote into the shared buffers
    pytest.param(EXACT, workspace.Workspace, "accumulate", id="exact: right after the EASE scatter-add"),
    pytest.param(EXACT, terms.Terms, "total", id="exact: in the sum of the terms"),
    pytest.param(EXACT, terms.Terms, "explain", id="exact: in the reason codes"),
    pytest.param(IVF_PATH, workspace.Workspace, "accumulate", id="ivf: right after the EASE scatter-add"),
    pytest.param(IVF_PATH, approximate.Approximate, "_rest", id="ivf: after the filters and artist table"),
    pytest.param(IVF_PATH, terms.Terms, "explain", id="ivf: in the reason codes"),
]


@pytest.mark.parametrize(("config", "owner", "name"), FAILURES)
@pytest.mark.parametrize("neighbors", ["sparse", "dense"])
def test_a_request_that_fails_halfway_leaves_the_next_one_as_in_a_fresh_container(
    config: RankingIndex, owner: type, name: str, neighbors: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workspace, "DENSE_NEIGHBORS", 0 if neighbors == "sparse" else 1_000_000)
    rng = np.random.default_rng(17)
    records, artifact = random_catalog(rng, N), random_model(rng, N)
    failed, listener = random_listener(rng, N, artifact), random_listener(rng, N, artifact)
    used, fresh = container(records, artifact), container(records, artifact)
    with monkeypatch.context() as patch:
        patch.setattr(owner, name, fails_after(getattr(owner, name)))
        with pytest.raises(InjectedError):
            listing(failed, used, config)
    after = listing(listener, used, config)
    assert after == listing(listener, fresh, config)
    assert len(after) > N // 2
