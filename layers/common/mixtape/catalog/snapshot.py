"""Keeping the catalog snapshot current: republish when the catalog version changed or the snapshot is
older than the refresh interval (popularity moves); otherwise one GetItem and one S3 GET, nothing more."""

from dataclasses import dataclass

from mixtape.storage.ports import CatalogReader
from mixtape.storage.s3.catalog import S3CatalogSnapshots


@dataclass(frozen=True, slots=True)
class SnapshotOutcome:
    published: bool
    version: int
    items: int
    reason: str  # "missing", "new version", "stale" or "current"


def refresh_snapshot(
    table: CatalogReader, snapshots: S3CatalogSnapshots, now_ms: int, refresh_ms: float
) -> SnapshotOutcome:
    current = snapshots.pointer()
    version = table.version()
    if current is None:
        reason = "missing"
    elif current.version != version:
        reason = "new version"
    elif now_ms - current.written_at_ms >= refresh_ms:
        reason = "stale"
    else:
        return SnapshotOutcome(published=False, version=version, items=current.items, reason="current")
    # load_all reads the version before it scans, so the snapshot's label is never newer than its content.
    version, records = table.load_all()
    snapshots.publish(version, now_ms, records)
    return SnapshotOutcome(published=True, version=version, items=len(records), reason=reason)
