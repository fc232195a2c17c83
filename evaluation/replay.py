"""A split's training part replayed through the served stack: catalog, plays and likes, one trainer run.

Every listener's complete training history goes through POST /v1/events: their plays (with `count`, as
the importer sends them) and one `like` per tagged artist, in one group so the profile updater folds a
listener in one commit.
"""

import time
from collections.abc import Callable, Sequence
from typing import Any

from evaluation.protocol import Split
from evaluation.served import ServedStack
from local import lastfm
from local.lastfm_import.plan import IMPORT_SOURCE, catalog_item, pack_groups, play_events
from mixtape.config import Experiment


def like_event(tagged: lastfm.Tagged, timestamp_ms: int) -> dict[str, Any]:
    """A tagged artist as one `like`; the id depends only on the data (a re-run is deduplicated)."""
    return {
        "event_id": f"lfm-like-{tagged.user_id}-{tagged.artist_id}",
        "user_id": lastfm.user_id_for(tagged.user_id),
        "item_id": lastfm.item_id_for(tagged.artist_id),
        "type": "like",
        "timestamp": timestamp_ms,
        "context": {"source": IMPORT_SOURCE},
    }


def history_events(part: Split, now_ms: int) -> list[list[dict[str, Any]]]:
    """Per listener, their training plays then their training likes."""
    by_user: dict[int, list[dict[str, Any]]] = {}
    for play in part.train:
        by_user.setdefault(play.user_id, []).extend(play_events(play, now_ms))
    for tagged in part.likes:
        by_user.setdefault(tagged.user_id, []).append(like_event(tagged, now_ms))
    return list(by_user.values())


def replayed_stack(
    data: lastfm.LastFm, part: Split, log: Callable[[str], None], stack: ServedStack
) -> ServedStack:
    """`stack` (fresh) with the split's catalog and training history applied; no model yet."""
    started = time.perf_counter()
    stack.put_items([catalog_item(data.artists[a]) for a in part.catalog])
    groups = history_events(part, int(time.time() * 1000))
    accepted, duplicates = stack.post_events(pack_groups(groups, 500))
    delivered = stack.drain()
    log(
        f"  served: {accepted:,} events accepted ({duplicates} duplicates), {delivered:,} profile-update "
        f"messages in {time.perf_counter() - started:.1f}s"
    )
    return stack


def trained_stack(
    data: lastfm.LastFm,
    part: Split,
    log: Callable[[str], None],
    experiments: Sequence[Experiment] = (),
) -> ServedStack:
    """A fresh served stack with the split's training history replayed through it and a model trained."""
    stack = replayed_stack(data, part, log, ServedStack(experiments=experiments))
    started = time.perf_counter()
    summary = stack.train()
    log(
        f"  model {summary['version']} ({summary['items']:,} items, {summary['interactions']:,} "
        f"interactions) in {time.perf_counter() - started:.1f}s"
    )
    return stack
