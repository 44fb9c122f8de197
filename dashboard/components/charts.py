"""Pure figure builders for the compare page (no data access; data frames in, plotly figures out)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import facet_label, fmt_date, fmt_number, indicator_label, indicator_unit, t
from .filters import east_west_rule
from . import figdict
from .palettes import FACET_COLOURS

LAYOUT = dict(margin=dict(l=10, r=10, t=10, b=10), paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
              font=dict(size=12), showlegend=True)


def _facet_value_label(facet: str, value, lang: str, lands: dict) -> str:
    if facet == "land":
        return lands.get(str(value), str(value))
    return facet_label(facet, value, lang)


def group_labels(df: pd.DataFrame, by: list[str], lang: str, lands: dict) -> list[str]:
    """'Großstadt · West' style labels for each row of a group table."""
    if not by:
        return ["Alle" if lang == "de" else "All"] * len(df)
    return [" · ".join(_facet_value_label(f, row[f], lang, lands) for f in by) for _, row in df.iterrows()]


def group_bar_figure(agg: pd.DataFrame, lang: str, unit: str, title: str) -> dict:
    """Horizontal bars of the group value; n and population in the bar text (a figure dict, figdict.py)."""
    agg = agg.iloc[::-1]
    text = [f"{fmt_number(v, lang)} (n={int(n)}, {fmt_number(p, lang)} EW)" if lang == "de" else
            f"{fmt_number(v, lang)} (n={int(n)}, pop. {fmt_number(p, lang)})"
            for v, n, p in zip(agg["value"], agg["n"], agg["population"])]
    bar = {"hovertemplate": "%{y}: %{x}<extra></extra>", "marker": {"color": FACET_COLOURS[0]}, "orientation": "h",
           "text": text, "textposition": "auto", "x": figdict.arr(agg["value"]), "y": figdict.arr(agg["group"]),
           "type": "bar"}
    return figdict.figure([bar], {**LAYOUT, "showlegend": False,
                                  "xaxis": {"title": {"text": f"{title} ({unit})" if unit else title}}})


def _group_col(df: pd.DataFrame, by: list[str], berlin_rule: str, lang: str, lands: dict) -> pd.Series:
    if not by:
        return pd.Series(["Alle" if lang == "de" else "All"] * len(df), index=df.index)
    parts = []
    for f in by:
        col = df["land_ags"] if f == "land" else df[f]
        if f == "east_west":
            col = east_west_rule(col, berlin_rule)
        parts.append(_labels_of(col, f, lang, lands))
    out = parts[0]
    for p in parts[1:]:
        out = out + " · " + p
    return out


def _labels_of(col: pd.Series, facet: str, lang: str, lands: dict) -> pd.Series:
    """col.map(facet label) with one label per distinct value (11,000 Gemeinden have ~10 size classes)."""
    plain = col.dtype == object or (isinstance(col.dtype, pd.StringDtype) and col.dtype.na_value is np.nan)
    if col.empty or not plain:      # (nullable dtypes: map's own NA handling)
        return col.map(lambda v: _facet_value_label(facet, v, lang, lands))
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    labels = [_facet_value_label(facet, v, lang, lands) for v in uniques]
    if (codes < 0).any():
        labels.append(_facet_value_label(facet, np.nan, lang, lands))     # code -1: the missing value's label
    return pd.Series(np.array(labels, dtype=object)[codes], index=col.index)


def highlight_trace(hi: pd.DataFrame, x: str, y: str, lang: str) -> dict | None:
    """_add_highlight's trace as a figure dict trace (components/figdict.py); None when nothing is chosen."""
    if hi.empty:
        return None
    hi = hi.sort_values(x)
    return {"hovertemplate": "%{text}: %{x}<extra></extra>",
            "marker": {"color": "#D55E00", "line": {"color": "#000", "width": 1}, "size": 12, "symbol": "diamond"},
            "mode": "markers+text", "name": t("highlight", lang), "text": hi["name"].to_numpy(dtype=object),
            "textposition": ["top center" if i % 2 == 0 else "bottom center" for i in range(len(hi))],
            "x": np.asarray(hi[x]), "y": np.asarray(hi[y]), "type": "scatter"}


def swarm_offsets(x: np.ndarray, n_bins: int = 60, half_width: float = 0.42) -> np.ndarray:
    """Vertical offsets for a beeswarm: points are binned along x; within a bin they stack outwards
    (0, +d, −d, +2d, …) in x order. d is chosen so the fullest bin just fills ±half_width, so groups
    of 16 and of 10,000 units both fit their band without overlapping the next group."""
    x = np.asarray(x, dtype=float)
    out = np.zeros(len(x))
    if len(x) < 2 or np.nanmax(x) == np.nanmin(x):
        return out
    edges = np.linspace(np.nanmin(x), np.nanmax(x), n_bins + 1)
    b = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, n_bins - 1)
    order = np.lexsort((x, b))
    rank = np.empty(len(x), dtype=int)
    starts = np.r_[0, np.flatnonzero(np.diff(b[order])) + 1]
    for s, e in zip(starts, np.r_[starts[1:], len(x)]):
        rank[order[s:e]] = np.arange(e - s)
    level = (rank + 1) // 2
    sign = np.where(rank % 2 == 1, 1.0, -1.0)
    d = half_width / max(1, level.max())
    return np.where(rank == 0, 0.0, sign * level * min(d, 0.06))


def distribution_figure(values: pd.DataFrame, by: list[str], berlin_rule: str, lang: str, unit: str,
                        highlight: list[str], lands: dict, mode: str = "box") -> dict:
    """Distribution per group as box plot or beeswarm (mode "swarm": every unit a dot), first group on top as in
    the bars; chosen units as labelled diamonds on their group's line (a figure dict, figdict.py)."""
    df = values[values["value"].notna()].copy()
    if df.empty:
        return figdict.empty()
    df["group"] = _group_col(df, by, berlin_rule, lang, lands)
    groups = sorted(df["group"].unique())
    df["y"] = df["group"].map({g: i for i, g in enumerate(groups)}).astype(float)
    traces = []
    for i, (g, sub) in enumerate(_groups_in_order(df, groups)):
        colour = FACET_COLOURS[i % len(FACET_COLOURS)]
        common = {"customdata": figdict.arr(sub["name"]), "hovertemplate": "%{customdata}: %{x}<extra></extra>",
                  "name": g, "showlegend": False, "x": figdict.arr(sub["value"])}
        if mode == "swarm":
            traces.append({**common, "marker": {"color": colour, "opacity": 0.7, "size": 4 if len(sub) > 500 else 6},
                           "mode": "markers", "y": sub["y"].to_numpy() + swarm_offsets(sub["value"].to_numpy()),
                           "type": "scattergl"})
        else:
            traces.append({**common, "boxpoints": "outliers", "marker": {"color": colour}, "orientation": "h",
                           "y": figdict.arr(sub["y"]), "type": "box"})
    hi = highlight_trace(df[df["ags"].isin(highlight)], "value", "y", lang)
    if hi:
        traces.append(hi)
    return figdict.figure(traces, {**LAYOUT, "xaxis": {"title": {"text": unit}},
                                   "yaxis": {"range": [len(groups) - 0.4, -0.6], "ticktext": list(groups),
                                             "tickvals": list(range(len(groups)))}})


def _groups_in_order(df: pd.DataFrame, groups: list):
    """(group, rows) for each group in `groups` order, rows in the frame's order (as df[df.group == g])."""
    codes = df["group"].map({g: i for i, g in enumerate(groups)}).to_numpy()
    for i, g in enumerate(groups):
        yield g, df[codes == i]


def scatter_figure(dx: pd.DataFrame, dy: pd.DataFrame, colour: str, berlin_rule: str, lang: str,
                   xlabel: str, ylabel: str, highlight: list[str], lands: dict) -> dict:
    """Scatter of two indicators at the same level, coloured by a facet, chosen units labelled (a figure dict)."""
    df = dx[["ags", "name", "value", "land_ags", "kommunaltyp", "size_class", "size_class_fine", "east_west",
             "bbsr_kreistyp"]].merge(dy[["ags", "value"]], on="ags", suffixes=("_x", "_y"))
    df = df[df["value_x"].notna() & df["value_y"].notna()]
    if df.empty:
        return figdict.empty()
    df["group"] = _group_col(df, [colour], berlin_rule, lang, lands)
    traces = [{"customdata": figdict.arr(sub["name"]), "hovertemplate": "%{customdata}<br>%{x} / %{y}<extra></extra>",
               "marker": {"color": FACET_COLOURS[i % len(FACET_COLOURS)], "opacity": 0.6, "size": 5}, "mode": "markers",
               "name": g, "x": figdict.arr(sub["value_x"]), "y": figdict.arr(sub["value_y"]), "type": "scattergl"}
              for i, (g, sub) in enumerate(sorted(df.groupby("group"), key=lambda kv: kv[0]))]
    hi = highlight_trace(df[df["ags"].isin(highlight)], "value_x", "value_y", lang)
    if hi:
        traces.append(hi)
    return figdict.figure(traces, {**LAYOUT, "xaxis": {"title": {"text": xlabel}}, "yaxis": {"title": {"text": ylabel}},
                                   "legend": {"orientation": "h", "y": -0.2}})


def no_data_figure(text: str) -> dict:
    """An empty chart with a centred note (no axes)."""
    return figdict.figure([], {**LAYOUT, "showlegend": False, "xaxis": {"visible": False}, "yaxis": {"visible": False},
                               "annotations": [{"showarrow": False, "text": text, "x": 0.5, "xref": "paper", "y": 0.5,
                                                "yref": "paper"}]})


def timeseries_figure(ts: pd.DataFrame, lang: str, ylabel: str, empty_text: str) -> dict:
    if ts.empty or ts.groupby("ags")["year"].nunique().max() < 2:
        return no_data_figure(empty_text)
    traces = [{"line": {"color": FACET_COLOURS[i % len(FACET_COLOURS)]}, "mode": "lines+markers",
               "name": str(sub["name"].iloc[0]), "x": figdict.arr(sub["year"]), "y": figdict.arr(sub["value"]),
               "type": "scatter"} for i, (ags, sub) in enumerate(ts.groupby("ags"))]
    layout = {**LAYOUT, "yaxis": {"title": {"text": ylabel}}, "legend": {"orientation": "h", "y": -0.2}}
    if ts["year"].nunique() < 12:
        layout["xaxis"] = {"dtick": 1}
    return figdict.figure(traces, layout)


def selection_rows(units: list[tuple[str, str, pd.DataFrame]], catalogue: pd.DataFrame, lang: str):
    """Rows = indicators, columns = chosen units (latest year with a value each). units: (ags, name, observations)."""
    specs = {r["indicator_id"]: r for r in catalogue.to_dict("records")}
    # one pass per unit over plain lists (not one filtered, sorted frame per indicator and unit): the positions of
    # each indicator's rows with a value, in the frame's order
    per_unit = []
    for _ags, _name, obs in units:
        cols = [obs[c].tolist() for c in ("indicator_id", "year", "value", "reference_date")]
        pos: dict[str, list[int]] = {}
        for k, (i, v) in enumerate(zip(cols[0], cols[2])):
            if v == v and v is not None:
                pos.setdefault(i, []).append(k)
        per_unit.append((cols + [obs["year"].to_numpy()], pos, set(cols[0])))
    ids_ = sorted({i for _c, _p, have in per_unit for i in have if i in specs},
                  key=lambda i: indicator_label(specs[i], lang))
    rows = []
    for ind in ids_:
        row = {"indicator": indicator_label(specs[ind], lang) + f" ({indicator_unit(specs[ind], lang)})"}
        for (ags, _name, _obs), (cols, pos, _have) in zip(units, per_unit):
            ks = pos.get(ind)
            if ks:   # the last row after sorting by year, as sort_values("year") orders them (quicksort)
                last = ks[int(cols[4][np.asarray(ks)].argsort(kind="quicksort")[-1])]
                row[ags] = f"{fmt_number(cols[2][last], lang)} ({fmt_date(cols[3][last], lang)})"
            else:
                row[ags] = "–"
        rows.append(row)
    # pinned only beside unit columns: a grid whose only column is pinned has an empty (invalid) centre header row
    cols = [{"field": "indicator", "headerName": t("col_indicator", lang), "width": 260,
             **({"pinned": "left"} if units else {"flex": 1})}]
    cols += [{"field": ags, "headerName": name, "width": 170} for ags, name, _ in units]
    return rows, cols
