"""Item → item rows (CSR arrays over `ids`) as nested dicts, to compare two trainers' rows by id."""

import numpy as np


def csr_rows(
    indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, ids: list[str]
) -> dict[str, dict[str, float]]:
    return {
        item_id: {
            ids[c]: float(w)
            for c, w in zip(
                indices[indptr[r] : indptr[r + 1]], weights[indptr[r] : indptr[r + 1]], strict=True
            )
        }
        for r, item_id in enumerate(ids)
    }
