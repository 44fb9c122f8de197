"""Group time series (Vergleich): the chosen groups as lines over all years, each point a group figure from
warehouse.queries.group_series (same rules as the group table: ratio of sums, own-denominator weights,
booking clusters). Points labelled approximate are drawn hollow; census breaks (2011, 2022) are marked."""
from __future__ import annotations

import pandas as pd

from ..i18n import fmt_number
from . import figdict
from .charts import LAYOUT, group_labels, no_data_figure
from .palettes import FACET_COLOURS
from .profile_parts import CENSUS_BREAKS

GRAPH_ID = "cmp-group-series"


def group_series_figure(ts: pd.DataFrame, by: list[str], lang: str, lands: dict, ylabel: str,
                        empty_text: str) -> dict:
    """A figure dict (components/figdict.py)."""
    have = ts[ts["value"].notna()] if len(ts) else ts
    if have.empty or have["year"].nunique() < 2:
        return no_data_figure(empty_text)
    have = have.assign(group=group_labels(have, by, lang, lands))
    traces = []
    for i, (name, sub) in enumerate(have.groupby("group", sort=True)):
        sub = sub.sort_values("year")
        colour = FACET_COLOURS[i % len(FACET_COLOURS)]
        approx = sub["approximate"].astype(bool).tolist() if "approximate" in sub else [False] * len(sub)
        text = [f"{name} {y}: {fmt_number(v, lang)} (n={int(n)})" + (" ≈" if a else "")
                for y, v, n, a in zip(sub["year"], sub["value"], sub["n_with_value"], approx)]
        traces.append({"hovertemplate": "%{text}<extra></extra>", "line": {"color": colour},
                       "marker": {"color": ["white" if a else colour for a in approx],
                                  "line": {"color": colour, "width": 1.5}, "size": 7},
                       "mode": "lines+markers", "name": str(name), "text": text, "x": figdict.arr(sub["year"]),
                       "y": figdict.arr(sub["value"]), "type": "scatter"})
    y0, y1 = int(have["year"].min()), int(have["year"].max())
    shapes, notes = [], []
    for b in CENSUS_BREAKS:
        if y0 < b <= y1:
            shapes.append({"line": {"color": "#999", "dash": "dot"}, "type": "line", "x0": b - 0.5, "x1": b - 0.5,
                           "xref": "x", "y0": 0, "y1": 1, "yref": "y domain"})
            notes.append({"showarrow": False, "text": ("Zensus " if lang == "de" else "Census ") + str(b),
                          "x": b - 0.5, "xanchor": "center", "xref": "x", "y": 1, "yanchor": "bottom",
                          "yref": "y domain"})
    layout = {**LAYOUT, "yaxis": {"title": {"text": ylabel}}, "legend": {"orientation": "h", "y": -0.2}}
    if shapes:
        layout.update(shapes=shapes, annotations=notes)
    return figdict.figure(traces, layout)


def series_summary(ts: pd.DataFrame, by: list[str], lang: str, lands: dict) -> tuple[int, int, int]:
    """(groups, first year, last year) of the lines drawn."""
    have = ts[ts["value"].notna()]
    if have.empty:
        return 0, 0, 0
    return len(set(group_labels(have, by, lang, lands))), int(have["year"].min()), int(have["year"].max())
