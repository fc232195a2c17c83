"""Contains all the data models used in inputs/outputs"""

from .artist_affinity import ArtistAffinity
from .assignment import Assignment
from .blend_item import BlendItem
from .blend_response import BlendResponse
from .catalog_item import CatalogItem
from .daypart import Daypart
from .erasure_response import ErasureResponse
from .erasure_state import ErasureState
from .error_detail import ErrorDetail
from .error_response import ErrorResponse
from .event_batch import EventBatch
from .event_context import EventContext
from .event_type import EventType
from .export_response import ExportResponse
from .exported_event import ExportedEvent
from .exported_event_context_type_0 import ExportedEventContextType0
from .exported_heard import ExportedHeard
from .exported_profile import ExportedProfile
from .exported_profile_artists import ExportedProfileArtists
from .exported_profile_counts import ExportedProfileCounts
from .exported_profile_dayparts import ExportedProfileDayparts
from .exported_profile_dayparts_additional_property import ExportedProfileDaypartsAdditionalProperty
from .exported_profile_disliked import ExportedProfileDisliked
from .exported_profile_genres import ExportedProfileGenres
from .exported_profile_impressions import ExportedProfileImpressions
from .exported_profile_items import ExportedProfileItems
from .exported_recent_play import ExportedRecentPlay
from .field_error_view import FieldErrorView
from .filter_ import Filter
from .filtered_item import FilteredItem
from .gateway_error_response import GatewayErrorResponse
from .genre_affinity import GenreAffinity
from .get_trending_window import GetTrendingWindow
from .health_response import HealthResponse
from .http_validation_error import HTTPValidationError
from .ingest_response import IngestResponse
from .item_batch import ItemBatch
from .listening_event import ListeningEvent
from .preferences import Preferences
from .preferences_response import PreferencesResponse
from .profile_response import ProfileResponse
from .profile_response_counts import ProfileResponseCounts
from .ranking_context import RankingContext
from .reason_code import ReasonCode
from .recent_play import RecentPlay
from .recommendations_response import RecommendationsResponse
from .rerank_request import RerankRequest
from .rerank_request_filters import RerankRequestFilters
from .rerank_response import RerankResponse
from .reranked_item import RerankedItem
from .response_validation_error import ResponseValidationError
from .scored_item import ScoredItem
from .served_context import ServedContext
from .served_listener import ServedListener
from .similar_items_response import SimilarItemsResponse
from .trending_item import TrendingItem
from .trending_response import TrendingResponse
from .trending_response_window import TrendingResponseWindow
from .upsert_items_response import UpsertItemsResponse
from .validation_error import ValidationError

__all__ = (
    "ArtistAffinity",
    "Assignment",
    "BlendItem",
    "BlendResponse",
    "CatalogItem",
    "Daypart",
    "ErasureResponse",
    "ErasureState",
    "ErrorDetail",
    "ErrorResponse",
    "EventBatch",
    "EventContext",
    "EventType",
    "ExportedEvent",
    "ExportedEventContextType0",
    "ExportedHeard",
    "ExportedProfile",
    "ExportedProfileArtists",
    "ExportedProfileCounts",
    "ExportedProfileDayparts",
    "ExportedProfileDaypartsAdditionalProperty",
    "ExportedProfileDisliked",
    "ExportedProfileGenres",
    "ExportedProfileImpressions",
    "ExportedProfileItems",
    "ExportedRecentPlay",
    "ExportResponse",
    "FieldErrorView",
    "Filter",
    "FilteredItem",
    "GatewayErrorResponse",
    "GenreAffinity",
    "GetTrendingWindow",
    "HealthResponse",
    "HTTPValidationError",
    "IngestResponse",
    "ItemBatch",
    "ListeningEvent",
    "Preferences",
    "PreferencesResponse",
    "ProfileResponse",
    "ProfileResponseCounts",
    "RankingContext",
    "ReasonCode",
    "RecentPlay",
    "RecommendationsResponse",
    "RerankedItem",
    "RerankRequest",
    "RerankRequestFilters",
    "RerankResponse",
    "ResponseValidationError",
    "ScoredItem",
    "ServedContext",
    "ServedListener",
    "SimilarItemsResponse",
    "TrendingItem",
    "TrendingResponse",
    "TrendingResponseWindow",
    "UpsertItemsResponse",
    "ValidationError",
)
