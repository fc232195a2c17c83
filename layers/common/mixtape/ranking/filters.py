"""What a listener must not get: items they know, explicit items on request, items outside the requested
genre, and (in the terms) artists they turned against. Excluded items score -inf, which the top-k never
returns; positions only, no catalog-wide mask is built per request. Items heard beyond what the profile's
capped tables name are left out by the top-k instead (mixtape.ranking.listener.HeardCheck)."""

import numpy as np
import numpy.typing as npt

from mixtape.catalog.index import CatalogIndex, FloatArray
from mixtape.ranking.listener import Positions
from mixtape.ranking.request import RankingRequest
from mixtape.ranking.workspace import Workspace

_NO_SETS = np.empty(0, dtype=np.int32)


def filter_scores(
    scores: FloatArray, spare: FloatArray, index: CatalogIndex, known: Positions, request: RankingRequest
) -> FloatArray:
    """Catalog-wide scores with the excluded items at -inf. Returns the buffer holding the result: `spare`
    when a genre filter copied the genre's members into it."""
    if request.genre is not None:
        members = index.genre_members.get(request.genre.lower(), _NO_SETS)
        spare.fill(-np.inf)
        spare[members] = scores[members]
        scores = spare
    if request.exclude_explicit:
        scores[index.explicit_positions] = -np.inf
    if len(known):
        scores[known] = -np.inf
    return scores


def filter_candidates(
    scores: FloatArray,
    positions: Positions,
    genre_set: npt.NDArray[np.int32],
    explicit: npt.NDArray[np.int32],
    index: CatalogIndex,
    known: Positions,
    ws: Workspace,
    request: RankingRequest,
) -> None:
    """Candidates' scores (at catalog `positions`, with each one's genre set and explicit flag) set to
    -inf in place where excluded."""
    if request.genre is not None:
        allowed = np.zeros(len(index.genre_set_size), dtype=np.bool_)
        allowed[index.genre_sets_of_genre.get(request.genre.lower(), _NO_SETS)] = True
        scores[~allowed[genre_set]] = -np.inf
    if request.exclude_explicit:
        scores[explicit != 0] = -np.inf
    scores[ws.blocked(known)[positions]] = -np.inf
