"""The versioned model artifact: everything the ranker and fold-in need, in one uncompressed `.npz`.

One object, read in one GET and parsed without copying or decompressing the large arrays, so a new
container or a new version costs one S3 read. Written by the trainer, read by the recommend and the
profile-update functions.
"""

import io
import json
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

FORMAT = 1
FloatArray = npt.NDArray[np.float32]
# Item->item rows as the artifact stores them: (indptr, column indices, weights), CSR over item positions.
CsrRows = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32]]


@dataclass(frozen=True, slots=True)
class IvfPartition:
    """The k-means lists of an IVF index: `centroids` (n_lists, d) and each item's list
    (`labels`, -1 for an item to assign when the index is built). Computing it is most of an index
    build, so the trainer publishes it with the model (`partition`) and every container builds its
    index from it."""

    centroids: FloatArray
    labels: npt.NDArray[np.int32]

    @property
    def n_lists(self) -> int:
        return len(self.centroids)


def confidence(weight: npt.NDArray[np.float64], alpha: float, epsilon: float) -> npt.NDArray[np.float64]:
    """How sure we are a listener likes an item, from its (decayed) positive weight.

    1 + alpha * log(1 + w / eps); eps = 0 means binary confidence 1 + alpha for any positive weight,
    which `make eval` found better on Last.fm, where play counts are heavy-tailed.
    """
    positive = np.maximum(weight, 0.0)
    if epsilon == 0:
        return np.where(positive > 0, 1.0 + alpha, 1.0)
    return np.asarray(1.0 + alpha * np.log1p(positive / epsilon), dtype=np.float64)


@dataclass(frozen=True)
class ModelArtifact:
    version: str
    trained_at_ms: int
    item_ids: Sequence[str]
    factors: npt.NDArray[np.float32]  # (n, d) ALS item factors
    gram: npt.NDArray[np.float64]  # (d, d) factors^T @ factors, precomputed for fold-in
    regularization: float
    alpha: float
    epsilon: float
    neighbor_indptr: npt.NDArray[np.int64]  # (n + 1,) CSR rows of EASE item->item weights
    neighbor_indices: npt.NDArray[np.int32]
    neighbor_weights: npt.NDArray[np.float32]
    listeners: npt.NDArray[np.float32]  # (n,) listeners per item in the training data
    users: int
    interactions: int
    # The factors' IVF lists (k-means, ~√n of them): built here once, not in every recommend container
    # that serves the model through an IVF index (RankingIndex). None in artifacts written without them.
    ivf_lists: IvfPartition | None = None
    # (n,) how many sampled training listeners have the item in the model's top list
    # (mixtape.learning.exposure); None in artifacts written without it (no exposure debias then).
    exposure: npt.NDArray[np.float32] | None = None
    # (n, r) twice: left @ right.T approximates the EASE weights the rows above drop
    # (mixtape.learning.remainder); None when trained without it.
    remainder: tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]] | None = None

    @cached_property
    def position(self) -> dict[str, int]:
        return {item_id: i for i, item_id in enumerate(self.item_ids)}

    @property
    def dim(self) -> int:
        return int(self.factors.shape[1])

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "trained_at_ms": self.trained_at_ms,
            "items": len(self.item_ids),
            "users": self.users,
            "interactions": self.interactions,
            "factors": self.dim,
            "neighbors": len(self.neighbor_weights),
            "ivf_lists": self.ivf_lists.n_lists if self.ivf_lists is not None else None,
            "remainder_rank": self.remainder[0].shape[1] if self.remainder is not None else 0,
        }

    def to_bytes(self) -> bytes:
        meta = {
            "format": FORMAT,
            "version": self.version,
            "trained_at_ms": self.trained_at_ms,
            "regularization": self.regularization,
            "alpha": self.alpha,
            "epsilon": self.epsilon,
            "users": self.users,
            "interactions": self.interactions,
        }
        lists: dict[str, npt.NDArray[Any]] = {}
        if self.ivf_lists is not None:
            lists = {"ivf_centroids": self.ivf_lists.centroids, "ivf_labels": self.ivf_lists.labels}
        if self.exposure is not None:
            lists["exposure"] = self.exposure
        if self.remainder is not None:
            lists["remainder_left"], lists["remainder_right"] = self.remainder
        buffer = io.BytesIO()
        np.savez(
            buffer,
            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            item_ids=np.frombuffer("\n".join(self.item_ids).encode(), dtype=np.uint8),
            factors=self.factors,
            gram=self.gram,
            neighbor_indptr=self.neighbor_indptr,
            neighbor_indices=self.neighbor_indices,
            neighbor_weights=self.neighbor_weights,
            listeners=self.listeners,
            **lists,  # type: ignore[arg-type]  # numpy types **kwds as the allow_pickle flag
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "ModelArtifact":
        """The artifact `to_bytes` wrote; ValueError for anything else, truncated or damaged data included."""
        try:
            return cls._from_bytes(data)
        except (ValueError, KeyError, TypeError, EOFError, OSError, zipfile.BadZipFile, zlib.error) as error:
            raise ValueError(f"not a model artifact: {error}") from error

    @classmethod
    def _from_bytes(cls, data: bytes) -> "ModelArtifact":
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            meta = json.loads(arrays["meta"].tobytes())
            if meta.get("format") != FORMAT:
                raise ValueError(f"unsupported model format {meta.get('format')!r}")
            raw_ids = arrays["item_ids"].tobytes().decode()
            item_ids = raw_ids.split("\n") if raw_ids else []
            factors = arrays["factors"]
            lists = None
            if "ivf_labels" in arrays.files:
                lists = IvfPartition(arrays["ivf_centroids"], arrays["ivf_labels"])
                labels, n_lists = lists.labels, lists.n_lists
                if (
                    lists.centroids.shape != (n_lists, factors.shape[1])
                    or labels.shape != (len(item_ids),)
                    or (len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) < n_lists)
                ):
                    raise ValueError("IVF lists do not match the factors")
            shown = arrays["exposure"] if "exposure" in arrays.files else None
            if shown is not None and shown.shape != (len(item_ids),):
                raise ValueError("exposure does not match the items")
            remainder = None
            if "remainder_left" in arrays.files:
                remainder = (arrays["remainder_left"], arrays["remainder_right"])
                if remainder[0].shape != remainder[1].shape or remainder[0].shape[:1] != (len(item_ids),):
                    raise ValueError("the EASE remainder does not match the items")
            return cls(
                version=str(meta["version"]),
                trained_at_ms=int(meta["trained_at_ms"]),
                item_ids=item_ids,
                factors=factors,
                gram=arrays["gram"],
                regularization=float(meta["regularization"]),
                alpha=float(meta["alpha"]),
                epsilon=float(meta["epsilon"]),
                neighbor_indptr=arrays["neighbor_indptr"],
                neighbor_indices=arrays["neighbor_indices"],
                neighbor_weights=arrays["neighbor_weights"],
                listeners=arrays["listeners"],
                users=int(meta["users"]),
                interactions=int(meta["interactions"]),
                ivf_lists=lists,
                exposure=shown,
                remainder=remainder,
            )
