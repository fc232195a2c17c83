"""The taste profile as the API shows it: affinities decayed to now, names from the catalog."""

import heapq

from mixtape.catalog.index import CatalogIndex
from mixtape.models.api import ArtistAffinity, GenreAffinity, ProfileResponse, RecentPlay
from mixtape.models.profile import Profile

TOP_N = 20


def profile_response(
    profile: Profile, index: CatalogIndex, half_life_ms: float, now_ms: int
) -> ProfileResponse:
    decay = profile.decay_factor(now_ms, half_life_ms)
    top_artists = heapq.nlargest(TOP_N, profile.artists.items(), key=lambda kv: kv[1])
    top_genres = heapq.nlargest(TOP_N, profile.genres.items(), key=lambda kv: kv[1])

    def artist_name(artist_id: str) -> str | None:
        pos = index.artist_position.get(artist_id)
        return index.artist_names[pos] if pos is not None else None

    recent = []
    for entry in profile.recent:
        pos = index.position.get(entry.item_id)
        record = index.records[pos] if pos is not None else None
        recent.append(
            RecentPlay(
                item_id=entry.item_id,
                title=record.title if record else None,
                artist_name=record.artist_name if record else None,
                timestamp=entry.ts,
            )
        )
    return ProfileResponse(
        user_id=profile.user_id,
        version=profile.version,
        updated_at=profile.updated_at,
        last_event_at=profile.last_event_at,
        top_artists=[
            ArtistAffinity(artist_id=a, artist_name=artist_name(a), affinity=round(v * decay, 6))
            for a, v in top_artists
        ],
        top_genres=[GenreAffinity(genre=g, affinity=round(v * decay, 6)) for g, v in top_genres],
        counts=dict(profile.counts),
        recent_items=recent,
        disliked_items=sorted(profile.disliked, key=lambda i: -profile.disliked[i]),
        has_taste_vector=profile.taste_vector() is not None,
    )
