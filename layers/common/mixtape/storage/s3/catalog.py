"""Catalog snapshots in S3: the whole catalog table as one object, so a recommend container loads it with
one GET instead of a paginated Scan, whose pages grow with the catalog and whose items are parsed one
attribute map at a time.

`CatalogSnapshotFunction` publishes `catalog/<version>-<written_at_ms>.npz` (immutable), then the pointer
`catalog/current.json`, as the trainer publishes models. Readers (`SnapshotCatalogReader`) use the snapshot
only when it is of the table's current version and younger than `max_age_ms` (popularity keeps moving);
otherwise, and whenever S3 fails, they scan the table. A snapshot is labelled with the version
read before its scan, so its content is never older than its label: a reader that trusts it misses nothing.
"""

import io
import json
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
from botocore.exceptions import BotoCoreError

from mixtape.errors import StorageUnavailableError
from mixtape.models.catalog import CatalogRecord, PopularityEntries, genre_grouped, items_digest
from mixtape.models.trend import TrendEntries, parse_counter
from mixtape.runtime.observability import logger
from mixtape.storage.ports import CatalogReader
from mixtape.storage.s3.objects import S3Artifacts

POINTER_KEY = "catalog/current.json"
_NO_PLAYS: Mapping[int, float] = MappingProxyType({})
_NO_PLAYS_TREND: Mapping[str, float] = MappingProxyType({})
FORMAT = 1
# CatalogRecord's fields before `embedding`, in its order: one JSON list each.
_COLUMNS = (
    "item_id",
    "title",
    "artist_id",
    "artist_name",
    "genres",
    "explicit",
    "release_date",
    "duration_ms",
)


@dataclass(frozen=True, slots=True)
class SnapshotPointer:
    version: int
    key: str
    written_at_ms: int
    items: int


def snapshot_key(version: int, written_at_ms: int) -> str:
    return f"catalog/{version}-{written_at_ms}.npz"


def encode_snapshot(version: int, written_at_ms: int, records: Sequence[CatalogRecord]) -> bytes:
    """Columns: the text and scalar fields as one JSON document, embeddings and popularity as arrays. The
    records are written in catalog index order (`genre_grouped`), the order readers then make them in,
    and named by their `items_digest`, so a reader holding that index can take the popularity alone."""
    records = genre_grouped(records)
    columns = {name: [getattr(r, name) for r in records] for name in _COLUMNS}
    digest = items_digest(columns["item_id"])
    meta = {"format": FORMAT, "version": version, "written_at_ms": written_at_ms, "columns": columns}
    embedded = [i for i, r in enumerate(records) if r.embedding is not None]
    vectors = [np.asarray(records[i].embedding, dtype=np.float32) for i in embedded]
    buckets = [(i, epoch, value) for i, r in enumerate(records) for epoch, value in r.popularity.items()]
    counters = [(i, name, value) for i, r in enumerate(records) for name, value in r.trend.items()]
    hours = [(i, parsed[1], v) for i, name, v in counters if (parsed := parse_counter(name)) and parsed[0]]
    days = [(i, parsed[1], v) for i, name, v in counters if (parsed := parse_counter(name)) and not parsed[0]]
    buffer = io.BytesIO()
    np.savez_compressed(  # JSON text deflates well: less to GET, and inflating is cheaper than the transfer
        buffer,
        meta=np.frombuffer(json.dumps(meta, separators=(",", ":")).encode(), dtype=np.uint8),
        embedded=np.asarray(embedded, dtype=np.int64),
        embedding_sizes=np.asarray([len(v) for v in vectors], dtype=np.int64),
        embedding_values=np.concatenate(vectors) if vectors else np.zeros(0, dtype=np.float32),
        pop_item=np.asarray([b[0] for b in buckets], dtype=np.int64),
        pop_epoch=np.asarray([b[1] for b in buckets], dtype=np.int64),
        pop_value=np.asarray([b[2] for b in buckets], dtype=np.float64),
        items_digest=np.frombuffer(digest.encode(), dtype=np.uint8),
        **_trend_arrays("th", hours),
        **_trend_arrays("td", days),
    )
    return buffer.getvalue()


def _trend_arrays(prefix: str, rows: list[tuple[int, int, float]]) -> dict[str, Any]:
    """Trend counters as three arrays (item position, epoch hour or day, count) named by `prefix`."""
    return {
        f"{prefix}_item": np.asarray([r[0] for r in rows], dtype=np.int64),
        f"{prefix}_bucket": np.asarray([r[1] for r in rows], dtype=np.int64),
        f"{prefix}_value": np.asarray([r[2] for r in rows], dtype=np.float64),
    }


def _trend_entries(arrays: Any, prefix: str) -> TrendEntries | None:
    """A snapshot's trend counters of one kind; None in a snapshot written before they existed."""
    if f"{prefix}_item" not in arrays.files:
        return None
    return TrendEntries(arrays[f"{prefix}_item"], arrays[f"{prefix}_bucket"], arrays[f"{prefix}_value"])


def decode_popularity(data: bytes, digest: str) -> PopularityEntries | None:
    """The popularity entries of an `encode_snapshot` object whose items are the ones `digest` names (None
    when they are not, or the snapshot predates digests), without decoding the rest: a popularity-only
    reload skips decoding and indexing the whole catalog. ValueError for anything but a snapshot."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            if "items_digest" not in arrays.files or arrays["items_digest"].tobytes().decode() != digest:
                return None
            return PopularityEntries(
                arrays["pop_item"],
                arrays["pop_epoch"],
                arrays["pop_value"],
                _trend_entries(arrays, "th"),
                _trend_entries(arrays, "td"),
            )
    except (ValueError, KeyError, TypeError, EOFError, OSError, zipfile.BadZipFile, zlib.error) as error:
        raise ValueError(f"not a catalog snapshot: {error}") from error


def decode_snapshot(data: bytes) -> tuple[int, int, list[CatalogRecord]]:
    """(version, written_at_ms, records) of an `encode_snapshot` object; ValueError for anything else,
    truncated or corrupted objects included."""
    try:
        return _decode(data)
    except (ValueError, KeyError, TypeError, EOFError, OSError, zipfile.BadZipFile, zlib.error) as error:
        raise ValueError(f"not a catalog snapshot: {error}") from error


def _decode(data: bytes) -> tuple[int, int, list[CatalogRecord]]:
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        meta = json.loads(arrays["meta"].tobytes())
        if meta.get("format") != FORMAT:
            raise ValueError(f"unsupported catalog snapshot format {meta.get('format')!r}")
        columns = meta["columns"]
        n = len(columns["item_id"])
        vectors: list[npt.NDArray[np.float32] | None] = [None] * n
        values, ends = arrays["embedding_values"], np.cumsum(arrays["embedding_sizes"]).tolist()
        for i, start, end in zip(arrays["embedded"].tolist(), [0, *ends][:-1], ends, strict=True):
            vectors[i] = values[start:end]
        # Items that were never played share one empty mapping: a dict each would cost memory per item.
        popularity: list[Mapping[int, float]] = [_NO_PLAYS] * n
        items, epochs, values = (arrays[name].tolist() for name in ("pop_item", "pop_epoch", "pop_value"))
        for i, epoch, value in zip(items, epochs, values, strict=True):
            buckets = popularity[i]
            if buckets is _NO_PLAYS:
                buckets = popularity[i] = {}
            buckets[epoch] = value
        trend: list[Mapping[str, float]] = [_NO_PLAYS_TREND] * n
        for prefix in ("th", "td"):
            found = _trend_entries(arrays, prefix)
            if found is None:
                continue
            for i, bucket, value in zip(*(a.tolist() for a in found), strict=True):
                counters = trend[i]
                if counters is _NO_PLAYS_TREND:
                    counters = trend[i] = {}
                counters[f"{prefix}{bucket}"] = value
    fields = [columns[name] for name in _COLUMNS]
    fields[_COLUMNS.index("genres")] = list(map(tuple, columns["genres"]))
    # Records made at C speed (CatalogRecord is a named tuple): `_make` over zipped columns, no keyword
    # call per record.
    records = list(map(CatalogRecord._make, zip(*fields, vectors, popularity, trend, strict=True)))
    return int(meta["version"]), int(meta["written_at_ms"]), records


class S3CatalogSnapshots(S3Artifacts):
    def pointer(self) -> SnapshotPointer | None:
        found = self.read_pointer(POINTER_KEY)
        if found is None:
            return None
        return SnapshotPointer(
            version=int(found["version"]),
            key=str(found["key"]),
            written_at_ms=int(found["written_at_ms"]),
            items=int(found["items"]),
        )

    def load(self, key: str) -> tuple[int, int, list[CatalogRecord]]:
        return decode_snapshot(self.read(key))

    def load_popularity(self, key: str, digest: str) -> PopularityEntries | None:
        return decode_popularity(self.read(key), digest)

    def publish(self, version: int, written_at_ms: int, records: Sequence[CatalogRecord]) -> SnapshotPointer:
        """The snapshot first, then the pointer (`S3Artifacts`)."""
        pointer = SnapshotPointer(
            version=version,
            key=snapshot_key(version, written_at_ms),
            written_at_ms=written_at_ms,
            items=len(records),
        )
        self.write(pointer.key, encode_snapshot(version, written_at_ms, records))
        self.write_pointer(POINTER_KEY, asdict(pointer))
        return pointer


class SnapshotCatalogReader:
    """The catalog table read through its snapshot when the snapshot is current (one GetItem for the
    version, two S3 GETs), by a Scan of the table otherwise."""

    def __init__(
        self,
        table: CatalogReader,
        snapshots: S3CatalogSnapshots,
        max_age_ms: float,
        wall_clock_ms: Callable[[], int],
    ) -> None:
        self._table = table
        self._snapshots = snapshots
        self._max_age_ms = max_age_ms
        self._wall_clock_ms = wall_clock_ms

    def version(self) -> int:
        return self._table.version()

    def load_all(self) -> tuple[int, list[CatalogRecord]]:
        version = self._table.version()
        try:
            pointer = self._snapshots.pointer()
            if pointer is not None and self._usable(pointer, version):
                _, _, records = self._snapshots.load(pointer.key)
                return version, records
        except (StorageUnavailableError, BotoCoreError, ValueError, KeyError) as error:  # KeyError: pointer
            # The table is the source of truth: a missing or broken snapshot costs time, not correctness.
            logger.warning("catalog snapshot unusable, scanning the table", extra={"error": str(error)})
        return self._table.load_all()

    def load_popularity(self, version: int, items_digest: str) -> PopularityEntries | None:
        """The current snapshot's popularity when it is of `version` and lists the same items in the same
        order (`mixtape.storage.ports.PopularityReader`); None otherwise, and when S3 fails."""
        try:
            pointer = self._snapshots.pointer()
            if pointer is None or not self._usable(pointer, version):
                return None
            return self._snapshots.load_popularity(pointer.key, items_digest)
        except (StorageUnavailableError, BotoCoreError, ValueError, KeyError) as error:
            logger.warning("catalog snapshot popularity unusable, reloading", extra={"error": str(error)})
            return None

    def _usable(self, pointer: SnapshotPointer, version: int) -> bool:
        age_ms = self._wall_clock_ms() - pointer.written_at_ms
        return pointer.version == version and age_ms <= self._max_age_ms
