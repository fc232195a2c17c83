"""A listener's recommendations: cold start, or their terms ranked on the exact or approximate path, each
pick explained.

Per request the listener's ids are mapped to catalog positions once (`Listener`), every catalog-wide
term is written into the catalog index's preallocated buffers (`workspace`), and only the k chosen items
are explained. Nothing loops over catalog items in Python.
"""

from dataclasses import replace

from mixtape.catalog.index import CatalogIndex
from mixtape.learning.aligned import AlignedModel
from mixtape.models.profile import Profile
from mixtape.ranking import explore
from mixtape.ranking.approximate import Approximate
from mixtape.ranking.exact import cold_start_list, rank_exact
from mixtape.ranking.explain import reasons
from mixtape.ranking.fatigue import Fatigue
from mixtape.ranking.listener import Listener
from mixtape.ranking.request import Ranked, RankingRequest, Recommendations
from mixtape.ranking.sequencing import spaced
from mixtape.ranking.terms import Terms
from mixtape.ranking.workspace import workspace


def recommend(
    profile: Profile | None, index: CatalogIndex, model: AlignedModel | None, request: RankingRequest
) -> Recommendations:
    """The top `request.limit` items for a listener (`profile`: None for one never seen). The settings'
    index config may select the approximate (IVF) path for large catalogs; exact otherwise. With
    `explore` > 0, some places go to exploration picks (mixtape.ranking.explore)."""
    taken = explore.slots(request.settings.weights.explore, request.limit)
    if not taken:
        return _ranked(profile, index, model, request)
    found = _ranked(profile, index, model, explore.widened(request, taken))
    familiar = explore.familiar_genres(profile)
    items = explore.mix(found.items, request.limit, taken, index, familiar, request.explore_seed)
    # The picks land at seeded places: sequence the mixed list again so no artist recurs too near.
    artists = index.artist_of[[pick.position for pick in items]]
    spacing = request.settings.weights.artist_spacing
    return replace(
        found, items=[items[i] for i in spaced(artists, len(items), spacing, exhausted=True).tolist()]
    )


def _ranked(
    profile: Profile | None, index: CatalogIndex, model: AlignedModel | None, request: RankingRequest
) -> Recommendations:
    if len(index) == 0:
        return Recommendations(items=[], cold_start=True, model_version=None)
    if profile is None or not profile.has_positive_signal():
        return Recommendations(
            items=cold_start_list(profile, index, request), cold_start=True, model_version=None
        )
    settings = request.settings
    listener = Listener.resolve(profile, index)
    # What LISTENERS reasons point at, found while the listener's arrays are still in cache (after the
    # factor pass they are not).
    anchors = listener.strongest(model.known) if model is not None else None
    ivf = model.ivf(settings.index) if model is not None and settings.weights.factors else None
    fatigue = Fatigue.of(profile, index, request)  # items shown again and again without a play
    with workspace(index) as ws:
        daypart = profile.dayparts.get(request.daypart) if request.daypart is not None else None
        terms = Terms(profile, listener, index, model, settings, ws, dense_ok=ivf is None, daypart=daypart)
        if ivf is not None and terms.scaled_vector is not None:
            chosen, found = Approximate(terms, listener, ivf, request, fatigue).search()
            scores = found.tolist()
        else:
            chosen, scores = rank_exact(terms, listener, request, fatigue)
        terms.explain(chosen, ivf)
    why = reasons(chosen, terms, listener, anchors)
    items = [Ranked(p, s, r.code, r.text) for p, s, r in zip(chosen.tolist(), scores, why, strict=True)]
    return Recommendations(
        items=items, cold_start=False, model_version=model.version if model is not None else None
    )
