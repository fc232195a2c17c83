"""Contains all the data models used in inputs/outputs"""

from .artist_affinity import ArtistAffinity
from .assignment import Assignment
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
from .genre_affinity import GenreAffinity
from .get_trending_window import GetTrendingWindow
from .health_response import HealthResponse
from .http_validation_error import HTTPValidationError
from .ingest_response import IngestResponse
from .item_batch import ItemBatch
from .listening_event import ListeningEvent
from .profile_response import ProfileResponse
from .profile_response_counts import ProfileResponseCounts
from .reason_code import ReasonCode
from .recent_play import RecentPlay
from .recommendations_response import RecommendationsResponse
from .response_validation_error import ResponseValidationError
from .scored_item import ScoredItem
from .served_context import ServedContext
from .similar_items_response import SimilarItemsResponse
from .trending_item import TrendingItem
from .trending_response import TrendingResponse
from .trending_response_window import TrendingResponseWindow
from .upsert_items_response import UpsertItemsResponse
from .validation_error import ValidationError

__all__ = (
    "ArtistAffinity",
    "Assignment",
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
    "GenreAffinity",
    "GetTrendingWindow",
    "HealthResponse",
    "HTTPValidationError",
    "IngestResponse",
    "ItemBatch",
    "ListeningEvent",
    "ProfileResponse",
    "ProfileResponseCounts",
    "ReasonCode",
    "RecentPlay",
    "RecommendationsResponse",
    "ResponseValidationError",
    "ScoredItem",
    "ServedContext",
    "SimilarItemsResponse",
    "TrendingItem",
    "TrendingResponse",
    "TrendingResponseWindow",
    "UpsertItemsResponse",
    "ValidationError",
)
