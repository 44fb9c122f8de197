"""Pure computations of the capacity lens (/kapazitaet): quadrants, bivariate classes, peer percentiles,
a transparent composite with its weight sensitivity, share of protection seekers vs share of population.

No Dash, no warehouse: data frames in, data frames out, so every rule is unit-tested (tests/test_lens.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# 3×3 bivariate palettes by Joshua Stevens (as published with Mike Bostock's d3 bivariate choropleth):
# index = pressure class * 3 + capacity class (0 = low … 2 = high). "puor" (purple × gold) keeps both hues
# apart for deuteranopia and protanopia; "gnbu" (green × blue) is the second, also colour-blind-safe choice.
BIVARIATE = {
    "puor": ["#e8e8e8", "#e4d9ac", "#c8b35a", "#cbb8d7", "#c8ada0", "#af8e53", "#9972af", "#976b82", "#804d36"],
    "gnbu": ["#e8e8e8", "#b5c0da", "#6c83b5", "#b8d6be", "#90b2b3", "#567994", "#73ae80", "#5a9178", "#2a5a5b"],
}
QUADRANTS = ("hp_lc", "hp_hc", "lp_lc", "lp_hc")   # high/low pressure × high/low capacity


# -- quadrants -------------------------------------------------------------------------------------

def low_capacity(value: pd.Series, median: float, polarity: str) -> pd.Series:
    """Capacity below the median in the indicator's own direction: for higher_is_worse indicators
    (unemployment, travel time, places per staff) a value above the median means low capacity."""
    if polarity == "higher_is_worse":
        return value > median
    return value <= median


def quadrants(df: pd.DataFrame, cap_polarity: str) -> tuple[pd.DataFrame, dict]:
    """df: ags, x (pressure), y (capacity), population. Units with both values get a quadrant; the
    cross-hairs are the medians of exactly these units. High pressure = x above the median (a unit
    on the median counts as low); capacity follows the indicator's polarity (see low_capacity)."""
    d = df[df["x"].notna() & df["y"].notna()].copy()
    if d.empty:
        return d.assign(quadrant=pd.Series(dtype=str)), {"mx": None, "my": None}
    mx, my = float(d["x"].median()), float(d["y"].median())
    hp = d["x"] > mx
    lc = low_capacity(d["y"], my, cap_polarity)
    d["quadrant"] = np.select([hp & lc, hp & ~lc, ~hp & lc], ["hp_lc", "hp_hc", "lp_lc"], "lp_hc")
    return d, {"mx": mx, "my": my}


def quadrant_counts(d: pd.DataFrame) -> pd.DataFrame:
    """quadrant, n, population (sum) for all four quadrants (zeros included)."""
    quad = d["quadrant"].to_numpy(dtype=object) if len(d) else np.array([], dtype=object)
    pop = d["population"] if len(d) else pd.Series(dtype=float)
    rows = []
    for q in QUADRANTS:        # a mask per quadrant (a groupby of ~11,000 rows costs more than four masks)
        m = quad == q
        rows.append({"quadrant": q, "n": int(m.sum()), "population": float(pop[m].sum()) if m.any() else 0.0})
    return pd.DataFrame(rows)


# -- bivariate classes -----------------------------------------------------------------------------

def tertile_breaks(values: pd.Series) -> tuple[float, float] | None:
    v = values.dropna().astype(float)
    if len(v) < 3:
        return None
    return float(v.quantile(1 / 3)), float(v.quantile(2 / 3))


def parse_breaks(raw: str) -> tuple[float, float] | None:
    """'a,b' (user-set breaks, a < b, decimal comma or point accepted as 'a;b') → (a, b); None if invalid."""
    if not raw:
        return None
    parts = [p.strip().replace(" ", "") for p in raw.replace(";", "|").replace(",", "|").split("|") if p.strip()]
    if len(parts) == 4:        # "1,5;2,5" written with decimal commas: 1.5 and 2.5
        parts = [parts[0] + "." + parts[1], parts[2] + "." + parts[3]]
    if len(parts) != 2:
        return None
    try:
        a, b = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return (a, b) if a < b and np.isfinite(a) and np.isfinite(b) else None


def classify3(values: pd.Series, breaks: tuple[float, float] | None) -> np.ndarray:
    """0/1/2 by the two breaks (upper bound inclusive: v <= b1 → 0, v <= b2 → 1, else 2); -1 = no value."""
    v = values.astype(float).to_numpy()
    out = np.full(len(v), -1, dtype=int)
    if breaks is None:
        return out
    ok = ~np.isnan(v)
    out[ok] = np.where(v[ok] <= breaks[0], 0, np.where(v[ok] <= breaks[1], 1, 2))
    return out


def bivariate_classes(x: pd.Series, y: pd.Series, bx, by) -> np.ndarray:
    """Class index 0..8 (= pressure class * 3 + capacity class) or -1 where either value is missing."""
    cx, cy = classify3(x, bx), classify3(y, by)
    return np.where((cx >= 0) & (cy >= 0), cx * 3 + cy, -1)


# -- place card: percentiles within the peer group -----------------------------------------------

def percentile_in(values: pd.Series, v: float) -> float:
    """Share of peers (with a value) at or below v, in % (the unit itself counts as a peer; mid-rank for ties)."""
    return percentile_of(values.to_numpy(dtype=float, na_value=np.nan), v)


def percentile_of(values: np.ndarray, v: float) -> float:
    """percentile_in for a float array (NaN = no value)."""
    s = values[~np.isnan(values)]
    if not s.size or v is None or np.isnan(v):
        return float("nan")
    below, equal = float((s < v).sum()), float((s == v).sum())
    return 100.0 * (below + 0.5 * equal) / s.size


# -- composite -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ingredient:
    ind: str
    weight: float
    sign: int            # +1: higher raw value = higher composite; -1: reversed
    sign_overridden: bool = False


def parse_composite(items: tuple[str, ...] | list[str], polarity: dict[str, str]) -> list[Ingredient]:
    """URL items 'ind:weight' or 'ind:weight:+' / 'ind:weight:-' (sign override) → ingredients.
    Default sign from the catalogue's polarity: higher_is_worse → -1, else +1. Invalid items are skipped
    (the page's URL parser reports them)."""
    out = []
    for it in items:
        parts = str(it).split(":")
        ind = parts[0]
        if ind not in polarity or any(i.ind == ind for i in out):
            continue
        try:
            w = float(parts[1]) if len(parts) > 1 and parts[1] else 1.0
        except ValueError:
            continue
        if not np.isfinite(w) or w < 0:
            continue
        default = -1 if polarity[ind] == "higher_is_worse" else 1
        if len(parts) > 2 and parts[2] in ("+", "-", "p", "m"):
            sign = 1 if parts[2] in ("+", "p") else -1
            out.append(Ingredient(ind, w, sign, sign != default))
        else:
            out.append(Ingredient(ind, w, default, False))
    return out


def serialise_composite(ings: list[Ingredient]) -> tuple[str, ...]:
    def w(x: float) -> str:
        return f"{x:g}"
    return tuple(f"{i.ind}:{w(i.weight)}" + ((":+" if i.sign > 0 else ":-") if i.sign_overridden else "")
                 for i in ings)


def standardise(values: pd.DataFrame, groups: pd.Series | None, method: str) -> pd.DataFrame:
    """Column-wise z-scores or percentiles (0–100) within groups (None = all units together)."""
    def one(col: pd.Series) -> pd.Series:
        if method == "pct":
            return col.rank(pct=True, method="average") * 100.0
        sd = col.std(ddof=0)
        return (col - col.mean()) / sd if sd and np.isfinite(sd) else col * 0.0
    if groups is None:
        return values.apply(one)
    return values.groupby(groups.to_numpy(), group_keys=False).transform(one)


def composite_scores(std: pd.DataFrame, ings: list[Ingredient], weights: list[float] | None = None) -> pd.Series:
    """Weighted mean of the signed standardised values; only units with every ingredient get a score."""
    ws = np.asarray(weights if weights is not None else [i.weight for i in ings], dtype=float)
    if not len(ings) or ws.sum() <= 0:
        return pd.Series(np.nan, index=std.index)
    m = np.column_stack([std[i.ind].to_numpy(dtype=float) * i.sign for i in ings])
    score = (m * ws).sum(axis=1) / ws.sum()
    score[np.isnan(m).any(axis=1)] = np.nan
    return pd.Series(score, index=std.index)


def ranks(score: pd.Series) -> pd.Series:
    """1 = highest composite; ties share the better rank."""
    return score.rank(ascending=False, method="min")


def sensitivity(std: pd.DataFrame, ings: list[Ingredient], factor: float = 0.5) -> pd.DataFrame:
    """Each place's rank range when each weight alone varies by ±factor (2 × k scenarios plus the base):
    rank_min, rank_max. With one ingredient the ranking cannot change."""
    base = [i.weight for i in ings]
    scen = [base]
    for j, _ in enumerate(ings):
        for f in (1 - factor, 1 + factor):
            w = list(base)
            w[j] = base[j] * f
            scen.append(w)
    rk = pd.DataFrame({n: ranks(composite_scores(std, ings, w)) for n, w in enumerate(scen)})
    return pd.DataFrame({"rank_min": rk.min(axis=1), "rank_max": rk.max(axis=1)})


def composite_table(raw: pd.DataFrame, ings: list[Ingredient], groups: pd.Series | None, method: str) -> pd.DataFrame:
    """raw: index ags, one column per ingredient (raw values). Returns raw + standardised (std_<ind>) +
    contribution (con_<ind> = weight share × signed standardised value) + score, rank, rank_min, rank_max,
    sorted by rank; units missing an ingredient are dropped (counted by the caller)."""
    cols = [i.ind for i in ings]
    complete = raw[cols].notna().all(axis=1)
    r = raw[complete]
    g = groups[complete] if groups is not None else None
    std = standardise(r[cols].astype(float), g, method)
    out = r.copy()
    total = sum(i.weight for i in ings) or 1.0
    for i in ings:
        out[f"std_{i.ind}"] = std[i.ind]
        out[f"con_{i.ind}"] = std[i.ind] * i.sign * i.weight / total
    out["score"] = composite_scores(std, ings)
    out["rank"] = ranks(out["score"])
    out = out.join(sensitivity(std, ings))
    return out.sort_values(["rank", "score"], ascending=[True, False])


# -- share of protection seekers vs share of population -------------------------------------------

def share_vs_population(df: pd.DataFrame) -> pd.DataFrame:
    """df: key, name, seekers, population (same reference date). Adds share_seekers, share_population
    (in % of the total of the rows given) and ratio = share_seekers / share_population (1 = proportional),
    sorted by ratio, highest first. Rows without a count are kept at the end with ratio NULL."""
    d = df.copy()
    ok = d["seekers"].notna() & d["population"].notna() & (d["population"] > 0)
    ts, tp = d.loc[ok, "seekers"].sum(), d.loc[ok, "population"].sum()
    d["share_seekers"] = np.where(ok, d["seekers"] / ts * 100.0 if ts else np.nan, np.nan)
    d["share_population"] = np.where(ok, d["population"] / tp * 100.0 if tp else np.nan, np.nan)
    d["ratio"] = d["share_seekers"] / d["share_population"]
    return d.sort_values("ratio", ascending=False, na_position="last").reset_index(drop=True)


def merge_booking_clusters(kreise: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Kreis rows (ags, name, land_ags, seekers, population, flag) of one or more Länder. Within a Land, the
    Kreise whose cases are booked at a neighbour ('booked_elsewhere') are merged into the Land's one host
    ('includes_other_kreise'): counts and populations summed, the name lists all members. Where a Land has
    no single host, its booked Kreise are dropped; returns (rows, number dropped)."""
    d = kreise.reset_index(drop=True)
    d["members"] = d["name"]
    d["cluster"] = False
    flag = d["flag"].fillna("")
    dropped = 0
    keep = pd.Series(True, index=d.index)
    for land, sub in d.groupby("land_ags"):
        hosts = sub.index[flag[sub.index] == "includes_other_kreise"]
        guests = sub.index[flag[sub.index] == "booked_elsewhere"]
        if not len(guests):
            continue
        if len(hosts) != 1:
            keep[guests] = False
            dropped += len(guests)
            continue
        h = hosts[0]
        d.loc[h, "population"] = d.loc[[h, *guests], "population"].sum()
        d.loc[h, "members"] = " + ".join([d.loc[h, "name"], *d.loc[guests, "name"]])
        d.loc[h, "cluster"] = True
        keep[guests] = False
    return d[keep].reset_index(drop=True), dropped


def date_spread(dates: dict[str, str | None]) -> tuple[list[str], float] | None:
    """{label: ISO date} → (distinct dates sorted, years between the first and the last) when they differ."""
    ds = sorted({d for d in dates.values() if d})
    if len(ds) < 2:
        return None
    a, b = pd.Timestamp(ds[0]), pd.Timestamp(ds[-1])
    return ds, round((b - a).days / 365.25, 1)

