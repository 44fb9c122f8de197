"""Pure computations behind the profile: peer rank and similar municipalities."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .filters import east_west_rule


def peer_rank(values: pd.DataFrame, ags: str, berlin_rule: str = "west") -> tuple[int, int] | None:
    """Rank (1 = highest value) of `ags` among units with the same size class and East/West group.

    values: ags, value, size_class, size_class_fine, east_west. Units without a value are not ranked;
    Landkreise (no size_class) are grouped by size_class_fine. Ties share the best rank (method='min').
    """
    df = values.copy()
    df["ew"] = east_west_rule(df["east_west"], berlin_rule)
    df["size"] = df["size_class"].where(df["size_class"].notna(), df["size_class_fine"])
    me = df[df["ags"] == ags]
    if me.empty or pd.isna(me["value"].iloc[0]):
        return None
    size, ew = me["size"].iloc[0], me["ew"].iloc[0]
    peers = df[(df["size"] == size) & (df["ew"] == ew) & df["value"].notna()]
    ranks = peers["value"].rank(ascending=False, method="min")
    return int(ranks[peers["ags"] == ags].iloc[0]), int(len(peers))


def similar(matrix: pd.DataFrame, ags: str, n: int = 5, min_indicators: int = 2) -> pd.DataFrame:
    """n nearest units by Euclidean distance over z-standardised indicators (columns of `matrix`,
    index = ags). Only indicators where `ags` has a value count; other units need all of them.
    Distance is divided by sqrt(#indicators) so it is comparable across choices."""
    if ags not in matrix.index:
        return pd.DataFrame(columns=["ags", "distance"])
    me = matrix.loc[ags]
    cols = [c for c in matrix.columns if pd.notna(me[c])]
    if len(cols) < min_indicators:
        return pd.DataFrame(columns=["ags", "distance"])
    m = matrix[cols].dropna()
    sd = m.std(ddof=0).replace(0, np.nan)
    z = ((m - m.mean()) / sd).dropna(axis=1, how="all")
    if z.shape[1] < min_indicators or ags not in z.index:
        return pd.DataFrame(columns=["ags", "distance"])
    d = np.sqrt(((z - z.loc[ags]) ** 2).sum(axis=1) / z.shape[1])
    d = d.drop(index=ags).sort_values()
    return pd.DataFrame({"ags": d.index[:n], "distance": d.values[:n]})
