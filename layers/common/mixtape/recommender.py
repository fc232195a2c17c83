"""What the recommend function answers, one method per route, from the container's settings, stores and
caches. The handler (functions/recommend) adds only HTTP and metrics."""

import secrets
from dataclasses import dataclass
from functools import cached_property

import numpy as np

import mixtape
from mixtape import clock
from mixtape.api.lists import blend_response, rerank_response
from mixtape.api.profile_view import profile_response
from mixtape.api.replies import recommendations_json, similar_items_json
from mixtape.catalog.cache import CatalogCache
from mixtape.config import RecommendSettings
from mixtape.errors import NotFoundError
from mixtape.learning.aligned import AlignedModelCache
from mixtape.models.api import HealthResponse, ProfileResponse, ServedContext
from mixtape.models.blend import BlendResponse
from mixtape.models.context import RankingContext
from mixtape.models.experiment import recommendation_id, variant_header
from mixtape.models.profile import Profile
from mixtape.models.rerank import RerankRequest, RerankResponse
from mixtape.models.trending import TrendingItem, TrendingResponse, TrendWindowName
from mixtape.ranking import RankingRequest, RankingSettings, explore, recommend, similar_items
from mixtape.ranking.blend import blend
from mixtape.ranking.context import ContextResolver
from mixtape.ranking.rerank import rerank
from mixtape.storage.ports import ProfileStore


@dataclass(frozen=True, slots=True)
class RecommendationsReply:
    body: str  # a RecommendationsResponse, as JSON
    cold_start: bool
    variant: str | None = None  # the X-Mixtape-Variant header: the listener's experiment variants


def _heard(profile: Profile | None) -> int | None:
    """What picks the listener's activity level: None without a profile (cold start: no level)."""
    return None if profile is None else profile.items_heard()


@dataclass(frozen=True)
class Recommender:
    settings: RecommendSettings
    profiles: ProfileStore
    catalog: CatalogCache
    model: AlignedModelCache  # aligned to the catalog index in use

    @cached_property
    def contexts(self) -> ContextResolver:
        """The deployment's ranking settings and the presets and experiments merged over them."""
        return ContextResolver(self.settings)

    @property
    def ranking(self) -> RankingSettings:
        """The deployment's ranking settings, before any context."""
        return self.contexts.base

    def recommendations(
        self,
        user_id: str,
        *,
        limit: int,
        exclude_explicit: bool = False,
        genre: str | None = None,
        context: RankingContext | None = None,
    ) -> RecommendationsReply:
        context = context or RankingContext()
        index = self.catalog.get()
        model = self.model.get(index)
        profile = self.profiles.get(user_id)  # the request's one DynamoDB read
        resolved = self.contexts.resolve(user_id, context, _heard(profile))
        request = RankingRequest(
            limit=limit,
            exclude_explicit=exclude_explicit,
            genre=genre,
            settings=resolved.settings,
            daypart=resolved.daypart,
            explore_seed=explore.daily_seed(user_id, clock.now_ms()),
            now_ms=clock.now_ms(),
        )
        found = recommend(profile, index, model, request)
        served = {
            "recommendation_id": recommendation_id(secrets.token_hex(8), resolved.assignments),
            "context": ServedContext(
                surface=context.surface,
                device=context.device,
                daypart=resolved.daypart,
                explore=resolved.settings.weights.explore,
                activity=resolved.activity,
            ),
            "experiments": resolved.assignments,
        }
        body = recommendations_json(index, user_id, found, served)
        return RecommendationsReply(body, found.cold_start, variant_header(resolved.assignments))

    def rerank(self, user_id: str, ask: RerankRequest) -> RerankResponse:
        """The caller's candidates ranked for the listener, in the request's context (as recommendations)."""
        index = self.catalog.get()
        model = self.model.get(index)
        profile = self.profiles.get(user_id)  # one DynamoDB read, as for recommendations
        resolved = self.contexts.resolve(user_id, ask.context or RankingContext(), _heard(profile))
        apply_filters = ask.filters == "apply"
        found = rerank(
            profile,
            index,
            model,
            ask.item_ids,
            resolved.settings,
            apply_filters=apply_filters,
            daypart=resolved.daypart,
        )
        return rerank_response(index, user_id, found)

    def blend(self, user_ids: list[str], *, limit: int) -> BlendResponse:
        """One list for 2..10 listeners: one profile read each; each member ranked with their own activity
        level's weights, the group's list capped per artist by the deployment's."""
        index = self.catalog.get()
        model = self.model.get(index)
        members = [(u, self.profiles.get(u)) for u in user_ids]
        own = [self.contexts.of_activity(_heard(profile)) for _, profile in members]
        return blend_response(index, user_ids, blend(members, index, model, limit, self.ranking, own))

    def similar_items(self, item_id: str, *, limit: int) -> str:
        """A SimilarItemsResponse, as JSON."""
        index = self.catalog.get()
        position = index.position.get(item_id)
        if position is None:
            raise NotFoundError(f"no catalog item {item_id}")
        weights = self.settings.ranking
        ranked = similar_items(
            index,
            position,
            limit=limit,
            max_per_artist=weights.max_per_artist,
            artist_spacing=weights.artist_spacing,
        )
        return similar_items_json(index, item_id, ranked)

    def trending(self, window: TrendWindowName, *, limit: int, genre: str | None = None) -> TrendingResponse:
        """The window's trending items (of `genre`), best first, from the container's catalog index: no
        read beyond the catalog's own refresh."""
        index = self.catalog.get()
        trend = index.trending
        if trend is None:
            raise NotFoundError("no trending counts in this catalog")
        found = trend.windows[window]
        rows = np.arange(len(found.positions))
        if genre is not None:
            allowed = np.zeros(len(index.genre_set_size), dtype=np.bool_)
            allowed[index.genre_sets_of_genre.get(genre.lower(), np.empty(0, dtype=np.int32))] = True
            rows = rows[allowed[index.genre_set_of[found.positions]]]
        rising = self.settings.trending.rising_velocity
        items = [
            TrendingItem.model_validate(
                {
                    **index.records[int(found.positions[r])]._asdict(),
                    "listeners": round(float(found.listeners[r]), 3),
                    "previous_listeners": round(float(found.previous[r]), 3),
                    "velocity": round(float(found.velocity[r]), 3),
                    "rising": bool(found.velocity[r] >= rising),
                    "score": round(float(found.score[r]), 3),
                }
            )
            for r in rows[:limit].tolist()
        ]
        return TrendingResponse(
            window=window, genre=genre, as_of=trend.as_of_ms, catalog_version=index.version, items=items
        )

    def profile(self, user_id: str) -> ProfileResponse:
        profile = self.profiles.get(user_id)
        if profile is None or not profile.has_history():  # never seen, or erased
            raise NotFoundError(f"no profile for user {user_id}")
        return profile_response(profile, self.catalog.get(), self.settings.half_life_ms, clock.now_ms())

    def health(self) -> HealthResponse:
        """The catalog as this container serves it. Health loads it like any first request (it answered
        `null` until a recommendation had loaded it, e.g. right after the demo catalog was seeded); after
        that it costs nothing, and a changed catalog shows once the background refresh has loaded it."""
        index = self.catalog.get()
        model = self.model.loaded
        return HealthResponse(
            status="ok",
            version=mixtape.__version__,
            catalog_items=len(index),
            catalog_version=index.version,
            model_version=model.version if model else None,
        )
