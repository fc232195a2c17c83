"""Everything a listener has heard, whatever the profile's caps: a scalable Bloom filter of item ids.

A scalable Bloom filter (Almeida et al. 2007) is a list of layers, each a bit array sized for its own
capacity: the first small (a light listener's filter is a few hundred bytes), each next `growth` times
larger with a false-positive rate `tightening` times lower, so the rates sum to at most `error_rate`
however many layers there are. An item is added to the newest layer unless some layer already holds it.
A filter never forgets an item (no false negative) until it would pass `max_bytes`: then its oldest layers
are dropped, and the items heard longest ago may be recommended again.

Each item id is hashed once (blake2b, 128 bits: stable across processes, unlike Python's `hash`) into two
64-bit values; a layer with m bits and k hashes tests bit ⌊g_i·m / 2³²⌋ of g_i = the top 32 bits of
h1 + i·h2 (mod 2⁶⁴), i < k (Kirsch-Mitzenmacher double hashing; a multiply and a shift instead of a
64-bit modulo). A catalog precomputes its items' pairs, so a test is a few vectorised gathers.
"""

import hashlib
import math
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

HashPairs = npt.NDArray[np.uint64]  # (n, 2): each item's (h1, h2)
BoolArray = npt.NDArray[np.bool_]
FORMAT = 1  # first byte of the serialised filter
_HEADER = struct.Struct("<BH")  # format, number of layers
_LAYER = struct.Struct("<IIIBB")  # capacity, count, bits, hashes, level
_LN2_SQUARED = math.log(2) ** 2
_ROWS = 4096  # pairs tested at once: bounds the (rows, K) probe arrays


class HeardShape(BaseModel):
    """How a listener's filter grows. A layer keeps the parameters it was made with, so changing these
    changes only the layers made afterwards."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    initial_capacity: int = Field(default=64, ge=1, le=1 << 20, description="items the first layer holds")
    growth: int = Field(default=2, ge=2, le=8, description="each layer's capacity over the previous one's")
    error_rate: float = Field(default=0.01, gt=0, lt=0.5, description="bound on the false-positive rate")
    tightening: float = Field(default=0.9, gt=0, lt=1, description="each layer's rate over the previous")
    max_bytes: int = Field(
        default=320 * 1024, ge=1024, le=350 * 1024, description="oldest layers dropped past this"
    )

    def layer_rate(self, level: int) -> float:
        """The false-positive rate of the `level`-th layer ever made: the sum over levels is `error_rate`."""
        return self.error_rate * (1.0 - self.tightening) * self.tightening**level


def item_hashes(item_ids: Sequence[str]) -> HashPairs:
    """Each id's (h1, h2), h2 odd so that its k probes never repeat within a layer of even size."""
    blake2b = hashlib.blake2b
    digests = b"".join([blake2b(i.encode(), digest_size=16).digest() for i in item_ids])
    pairs = np.frombuffer(digests, dtype="<u8").reshape(len(item_ids), 2).astype(np.uint64)
    pairs[:, 1] |= np.uint64(1)
    return pairs


def _bit_of(
    hashes: npt.NDArray[np.uint64], bits: np.uint64 | npt.NDArray[np.uint64]
) -> npt.NDArray[np.uint64]:
    """Each 64-bit hash mapped to [0, bits): its top 32 bits scaled (bits < 2³², so no overflow)."""
    scaled: npt.NDArray[np.uint64] = ((hashes >> np.uint64(32)) * bits) >> np.uint64(32)
    return scaled


@dataclass(slots=True)
class _Layer:
    capacity: int
    count: int
    hashes: int  # k
    level: int  # how many layers came before it, dropped ones included: sets its rate
    bits: npt.NDArray[np.uint8]  # m = 8 · len(bits) bits

    @classmethod
    def sized(cls, capacity: int, rate: float, level: int) -> "_Layer":
        m = max(8, math.ceil(-capacity * math.log(rate) / _LN2_SQUARED))
        hashes = max(1, round(m / capacity * math.log(2)))
        return cls(capacity, 0, hashes, level, np.zeros((m + 7) // 8, dtype=np.uint8))

    @property
    def nbytes(self) -> int:
        return _LAYER.size + len(self.bits)

    def _probes(self, pairs: HashPairs) -> npt.NDArray[np.uint64]:
        steps = np.arange(self.hashes, dtype=np.uint64)
        return _bit_of(pairs[:, :1] + steps * pairs[:, 1:], np.uint64(len(self.bits) * 8))

    def add(self, pairs: HashPairs) -> None:
        probes = self._probes(pairs).ravel()
        masks = np.left_shift(1, (probes & np.uint64(7)).astype(np.uint8)).astype(np.uint8)
        np.bitwise_or.at(self.bits, probes >> np.uint64(3), masks)
        self.count += len(pairs)


@dataclass(frozen=True, slots=True)
class _Probe:
    """Every layer's probes as one: the bits concatenated, and per probe column its step, its layer's
    size and offset, so a test is one gather over all layers (not a few small numpy calls per layer)."""

    bits: npt.NDArray[np.uint8]
    steps: npt.NDArray[np.uint64]  # (K,) i of h1 + i·h2, K = every layer's k summed
    sizes: npt.NDArray[np.uint64]  # (K,) bits of the column's layer
    offsets: npt.NDArray[np.uint64]  # (K,) first bit of the column's layer
    starts: npt.NDArray[np.intp]  # (layers,) each layer's first column

    @classmethod
    def of(cls, layers: Sequence[_Layer]) -> "_Probe":
        ks = [x.hashes for x in layers]
        sizes = np.array([len(x.bits) * 8 for x in layers], dtype=np.uint64)
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.uint64)
        return cls(
            np.concatenate([x.bits for x in layers]),
            np.concatenate([np.arange(k, dtype=np.uint64) for k in ks]),
            np.repeat(sizes, ks),
            np.repeat(offsets, ks),
            np.concatenate(([0], np.cumsum(ks)[:-1])).astype(np.intp),
        )

    def contains(self, pairs: HashPairs) -> BoolArray:
        probes = _bit_of(pairs[:, :1] + self.steps * pairs[:, 1:], self.sizes) + self.offsets
        found = (self.bits[probes >> np.uint64(3)] >> (probes & np.uint64(7)).astype(np.uint8)) & 1
        held: BoolArray = np.asarray(np.logical_and.reduceat(found, self.starts, axis=1).any(axis=1))
        return held


class HeardFilter:
    """The filter itself: add ids (or hash pairs) as `shape` says, test hash pairs, (de)serialise to
    bytes (the layers carry their own parameters: reading needs no shape)."""

    __slots__ = ("_layers", "_probe")

    def __init__(self, layers: list[_Layer] | None = None) -> None:
        self._layers = layers or []
        self._probe: _Probe | None = None  # built on the first test, dropped by any change

    @classmethod
    def of(cls, item_ids: Iterable[str], shape: HeardShape) -> "HeardFilter":
        heard = cls()
        heard.add(item_ids, shape)
        return heard

    def copy(self) -> "HeardFilter":
        layers = [_Layer(x.capacity, x.count, x.hashes, x.level, x.bits.copy()) for x in self._layers]
        return HeardFilter(layers)

    def __len__(self) -> int:
        """Items added (an item already held, or a false positive, is not added again)."""
        return sum(layer.count for layer in self._layers)

    @property
    def nbytes(self) -> int:
        return _HEADER.size + sum(layer.nbytes for layer in self._layers)

    @property
    def layers(self) -> int:
        return len(self._layers)

    def contains(self, pairs: HashPairs) -> BoolArray:
        """Whether each hashed item may have been heard: always True for one that was (unless its layer
        was dropped at the size cap); True for one that was not with probability at most `error_rate`."""
        if not self._layers:
            return np.zeros(len(pairs), dtype=np.bool_)
        if self._probe is None:
            self._probe = _Probe.of(self._layers)
        probe = self._probe
        return np.concatenate([probe.contains(pairs[i : i + _ROWS]) for i in range(0, len(pairs), _ROWS)])

    def contains_ids(self, item_ids: Sequence[str]) -> BoolArray:
        return self.contains(item_hashes(item_ids))

    def add(self, item_ids: Iterable[str], shape: HeardShape) -> None:
        unique = list(dict.fromkeys(item_ids))
        if unique:
            self.add_hashes(item_hashes(unique), shape)

    def add_hashes(self, pairs: HashPairs, shape: HeardShape) -> None:
        """Add distinct items: the ones not held yet fill the newest layer, then new layers."""
        pairs = pairs[~self.contains(pairs)]
        while len(pairs):
            if not self._layers or self._layers[-1].count >= self._layers[-1].capacity:
                self._grow(shape)
            newest = self._layers[-1]
            room = newest.capacity - newest.count
            newest.add(pairs[:room])
            self._probe = None
            pairs = pairs[room:]

    def _grow(self, shape: HeardShape) -> None:
        """A new layer, `growth` times the newest (while half of `max_bytes` holds it), after dropping the
        oldest layers as long as the filter would pass `max_bytes` with it. Its level (its rate) is the
        lowest no kept layer has: the kept layers' rates stay distinct terms of the bounded sum."""
        last = self._layers[-1] if self._layers else None
        capacity = last.capacity * shape.growth if last else shape.initial_capacity
        strictest = last.level + 1 if last else 0
        if (
            last is not None
            and _Layer.sized(capacity, shape.layer_rate(strictest), 0).nbytes > shape.max_bytes // 2
        ):
            capacity = last.capacity  # growth stops: dropping the oldest layers makes room again
        needed = _Layer.sized(capacity, shape.layer_rate(strictest), 0).nbytes
        while self._layers and self.nbytes + needed > shape.max_bytes:
            self._layers.pop(0)
        self._probe = None
        used = {layer.level for layer in self._layers}
        level = next(i for i in range(len(used) + 1) if i not in used)
        self._layers.append(_Layer.sized(capacity, shape.layer_rate(level), level))

    def to_bytes(self) -> bytes:
        parts = [_HEADER.pack(FORMAT, len(self._layers))]
        parts.extend(
            _LAYER.pack(x.capacity, x.count, len(x.bits) * 8, x.hashes, x.level) for x in self._layers
        )
        parts.extend(x.bits.tobytes() for x in self._layers)
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> "HeardFilter":
        """The filter `to_bytes` wrote; ValueError for bytes that are not one."""
        try:
            return cls._read(data)
        except struct.error as error:
            raise ValueError(f"heard filter: {error}") from error

    @classmethod
    def _read(cls, data: bytes) -> "HeardFilter":
        form, count = _HEADER.unpack_from(data, 0)
        if form != FORMAT:
            raise ValueError(f"heard filter: unknown format {form}")
        offset = _HEADER.size
        heads = []
        for _ in range(count):
            heads.append(_LAYER.unpack_from(data, offset))
            offset += _LAYER.size
        layers = []
        for capacity, added, m, hashes, level in heads:
            size = m // 8
            if offset + size > len(data):
                raise ValueError("heard filter: missing bytes")
            bits = np.frombuffer(data, dtype=np.uint8, count=size, offset=offset).copy()
            layers.append(_Layer(capacity, added, hashes, level, bits))
            offset += size
        if offset != len(data):
            raise ValueError("heard filter: trailing or missing bytes")
        return cls(layers)
