"""Turn ranked catalog positions into API items (metadata + score + reason)."""

from collections.abc import Sequence

from mixtape.catalog_index import CatalogIndex
from mixtape.models.api import ScoredItem
from mixtape.ranking import Ranked


def scored_items(index: CatalogIndex, ranked: Sequence[Ranked]) -> list[ScoredItem]:
    items = []
    for entry in ranked:
        record = index.records[entry.position]
        items.append(
            ScoredItem(
                item_id=record.item_id,
                title=record.title,
                artist_id=record.artist_id,
                artist_name=record.artist_name,
                genres=list(record.genres),
                explicit=record.explicit,
                release_date=record.release_date,
                duration_ms=record.duration_ms,
                score=round(entry.score, 6),
                reason=entry.reason,
                reason_code=entry.reason_code.value,
            )
        )
    return items
