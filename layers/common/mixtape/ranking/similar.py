"""Items like one catalog item: embedding cosine, shared genres, same artist, a little popularity."""

import numpy as np

from mixtape.catalog.index import CatalogIndex
from mixtape.models.reason import Reason, ReasonCode
from mixtape.ranking.diversity import top_k_capped
from mixtape.ranking.explain import non_personal
from mixtape.ranking.request import Ranked


def similar_items(
    index: CatalogIndex, pos: int, *, limit: int, max_per_artist: int, artist_spacing: int = 0
) -> list[Ranked]:
    """The `limit` items most like the one at `pos` (never itself), at most `max_per_artist` per artist and
    no artist twice within `artist_spacing` places."""
    n = len(index)
    cosine = index.embeddings @ index.embeddings[pos] if index.has_embedding[pos] else np.zeros(n, np.float32)
    same_artist = (index.artist_of == index.artist_of[pos]).astype(np.float32)
    own_genres = index.records[pos].genres
    overlap = np.zeros(n, dtype=np.float32)
    for genre in own_genres:
        overlap[index.genre_members[genre]] += 1.0
    jaccard = overlap / (index.genre_count + max(len(own_genres), 1) - overlap)
    terms = {
        ReasonCode.SIMILAR: 0.7 * cosine,
        ReasonCode.SAME_ARTIST: 0.15 * same_artist,
        ReasonCode.SHARED_GENRE: 0.25 * jaccard,
        ReasonCode.POPULAR: 0.05 * index.popularity,
    }
    scores = sum(terms.values(), np.zeros(n, dtype=np.float32))
    scores[pos] = -np.inf
    source = index.records[pos]
    ranked = []
    for i in top_k_capped(scores, limit, index.artist_of, max_per_artist, spacing=artist_spacing):
        code = max(terms, key=lambda r: float(terms[r][i]))
        shared = next((g for g in index.records[i].genres if g in own_genres), None)
        if terms[code][i] <= 0 or (code is ReasonCode.SHARED_GENRE and shared is None):
            reason = non_personal(index, i)  # nothing in common that could be named
        else:
            reason = Reason.of(code, title=source.title, artist=source.artist_name, genre=shared or "")
        ranked.append(Ranked(i, float(scores[i]), reason.code, reason.text))
    return ranked
