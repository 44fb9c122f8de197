"""Group time series (Vergleich): the chosen groups as lines over all years, each point a group figure from
warehouse.queries.group_series (same rules as the group table: ratio of sums, own-denominator weights,
booking clusters). Points labelled approximate are drawn hollow; census breaks (2011, 2022) are marked."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..i18n import fmt_number
from .charts import LAYOUT, group_labels
from .palettes import FACET_COLOURS
from .profile_parts import CENSUS_BREAKS

GRAPH_ID = "cmp-group-series"


def group_series_figure(ts: pd.DataFrame, by: list[str], lang: str, lands: dict, ylabel: str,
                        empty_text: str) -> go.Figure:
    fig = go.Figure()
    have = ts[ts["value"].notna()] if len(ts) else ts
    if have.empty or have["year"].nunique() < 2:
        fig.add_annotation(text=empty_text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        fig.update_layout(**{**LAYOUT, "showlegend": False}, xaxis_visible=False, yaxis_visible=False)
        return fig
    have = have.assign(group=group_labels(have, by, lang, lands))
    for i, (name, sub) in enumerate(have.groupby("group", sort=True)):
        sub = sub.sort_values("year")
        colour = FACET_COLOURS[i % len(FACET_COLOURS)]
        approx = sub["approximate"].astype(bool).tolist() if "approximate" in sub else [False] * len(sub)
        text = [f"{name} {y}: {fmt_number(v, lang)} (n={int(n)})" + (" ≈" if a else "")
                for y, v, n, a in zip(sub["year"], sub["value"], sub["n_with_value"], approx)]
        fig.add_trace(go.Scatter(
            x=sub["year"], y=sub["value"], mode="lines+markers", name=str(name), text=text,
            hovertemplate="%{text}<extra></extra>", line=dict(color=colour),
            marker=dict(color=["white" if a else colour for a in approx], line=dict(color=colour, width=1.5), size=7)))
    y0, y1 = int(have["year"].min()), int(have["year"].max())
    for b in CENSUS_BREAKS:
        if y0 < b <= y1:
            fig.add_vline(x=b - 0.5, line_dash="dot", line_color="#999",
                          annotation_text=("Zensus " if lang == "de" else "Census ") + str(b),
                          annotation_position="top")
    fig.update_layout(**LAYOUT, yaxis_title=ylabel, legend=dict(orientation="h", y=-0.2))
    return fig


def series_summary(ts: pd.DataFrame, by: list[str], lang: str, lands: dict) -> tuple[int, int, int]:
    """(groups, first year, last year) of the lines drawn."""
    have = ts[ts["value"].notna()]
    if have.empty:
        return 0, 0, 0
    return len(set(group_labels(have, by, lang, lands))), int(have["year"].min()), int(have["year"].max())
