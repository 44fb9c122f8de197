"""Class breaks for the choropleth (mapclassify) and the class of every value.

Why a wrapper: mapclassify fails or returns fewer classes than asked when there are few distinct
values; the map must still render, so k is capped to the number of distinct values and the
actual classes are reported back for the legend.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

METHODS = ("quantiles", "fisher_jenks", "equal_interval")
_SAMPLE = 600   # Fisher-Jenks is quadratic (pure Python without numba): classify a quantile sketch beyond this


@dataclass(frozen=True)
class Classes:
    lower: list[float]          # lower bound of each class (inclusive for the first)
    upper: list[float]          # upper bound of each class (inclusive)
    counts: list[int]
    method: str

    @property
    def k(self) -> int:
        return len(self.upper)


def classify(values: pd.Series | np.ndarray, method: str = "quantiles", k: int = 5) -> tuple[np.ndarray, Classes]:
    """Class index per value (-1 for missing) and the class table."""
    import mapclassify

    if method not in METHODS:
        raise ValueError(f"unknown classification {method!r}")
    arr = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    ok = ~np.isnan(arr)
    idx = np.full(arr.shape, -1, dtype=int)
    v = arr[ok]
    if v.size == 0:
        return idx, Classes([], [], [], method)
    n_unique = np.unique(v).size
    k = max(1, min(int(k), n_unique))
    if k == 1:
        idx[ok] = 0
        return idx, Classes([float(v.min())], [float(v.max())], [int(v.size)], method)
    if method == "quantiles":
        c = mapclassify.Quantiles(v, k=k)
    elif method == "equal_interval":
        c = mapclassify.EqualInterval(v, k=k)
    elif v.size > _SAMPLE:
        # deterministic sketch (evenly spaced quantiles incl. min and max), unlike FisherJenksSampled's random draw
        sketch = np.quantile(v, np.linspace(0, 1, _SAMPLE))
        c = mapclassify.FisherJenks(sketch, k=min(k, np.unique(sketch).size))
    else:
        c = mapclassify.FisherJenks(v, k=k)
    bins = [float(b) for b in np.asarray(c.bins)]
    bins[-1] = max(bins[-1], float(v.max()))
    # drop duplicate upper bounds (ties) so every class is non-empty and increasing
    uniq: list[float] = []
    for b in bins:
        if not uniq or b > uniq[-1]:
            uniq.append(b)
    cls = np.searchsorted(np.asarray(uniq), v, side="left")
    cls = np.clip(cls, 0, len(uniq) - 1)
    idx[ok] = cls
    counts = [int((cls == i).sum()) for i in range(len(uniq))]
    lower = [float(v.min())] + uniq[:-1]
    return idx, Classes(lower, uniq, counts, method)
