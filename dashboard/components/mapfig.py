"""Choropleth map figure: geometry by URL (fetched once, cached by the browser), values by Patch.

Trace 0 holds units with a value (z = class index on a stepped colour scale), trace 1 units without
one (grey). Filtered-out units stay on the map with low opacity. Only locations, z, customdata
and opacity change per interaction; `payload()` computes exactly those arrays.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..i18n import facet_label, fmt_date, fmt_number, t
from .palettes import NO_DATA, NO_DATA_LINE, discrete_colorscale

CENTER = {"lat": 51.2, "lon": 10.45}
ZOOM = 4.95
FADED = 0.22


def hovertemplate(lang: str) -> str:
    return ("<b>%{customdata[0]}</b><br>"
            f"{t('hover_kommunaltyp', lang)}: %{{customdata[1]}}<br>"
            f"{t('hover_size', lang)}: %{{customdata[2]}}<br>"
            f"{t('hover_value', lang)}: %{{customdata[3]}}<br>"
            f"{t('hover_flag', lang)}: %{{customdata[4]}}<br>"
            f"{t('hover_date', lang)}: %{{customdata[5]}}<br>"
            f"<i>{t('click_to_profile', lang)}</i><extra></extra>")


def base_figure(geojson_url: str, lang: str = "de", featureidkey: str = "id",
                center: dict | None = None, zoom: float = ZOOM, height: int | None = None,
                interactive: bool = True) -> go.Figure:
    """Empty two-trace choropleth; geometry comes from the content-hashed asset URL."""
    # without an asset URL an empty collection keeps plotly from fetching "" (the page shows a notice)
    geojson = geojson_url or {"type": "FeatureCollection", "features": []}
    common = dict(geojson=geojson, featureidkey=featureidkey, locations=[], z=[],
                  marker=dict(line=dict(width=0.2, color="#ffffff")), showscale=False,
                  hovertemplate=hovertemplate(lang) if interactive else None,
                  hoverinfo=None if interactive else "skip")
    fig = go.Figure([
        go.Choroplethmap(name="values", colorscale=discrete_colorscale([NO_DATA]), zmin=-0.5, zmax=0.5, **common),
        go.Choroplethmap(name="no_data", colorscale=[[0, NO_DATA], [1, NO_DATA]], zmin=0, zmax=1,
                         **{**common, "marker": dict(line=dict(width=0.3, color=NO_DATA_LINE))}),
    ])
    fig.update_layout(map=dict(style="white-bg", center=center or CENTER, zoom=zoom),
                      margin=dict(l=0, r=0, t=0, b=0), showlegend=False, uirevision="map",
                      paper_bgcolor="#ffffff", **({"height": height} if height else {}))
    return fig


def customdata(df: pd.DataFrame, lang: str, unit: str) -> list[list[str]]:
    """Hover fields per row: name, Kommunaltyp, size class, value, flag, reference date."""
    size_col = df["size_class"].where(df["size_class"].notna(), df.get("size_class_fine"))
    size_facet = np.where(df["size_class"].notna(), "size_class", "size_class_fine")
    out = []
    for name, kt, sz, sf, val, flag, date in zip(df["name"], df["kommunaltyp"], size_col, size_facet,
                                                  df["value"], df["flag"], df["reference_date"]):
        v = fmt_number(val, lang)
        out.append([str(name), facet_label("kommunaltyp", kt, lang), facet_label(sf, sz, lang),
                    f"{v} {unit}".strip() if v != t("missing_value", lang) else v,
                    str(flag) if isinstance(flag, str) and flag else "–",
                    fmt_date(date, lang) if pd.notna(date) else "–"])
    return out


def payload(df: pd.DataFrame, class_idx: np.ndarray, mask: np.ndarray, colours: list[str],
            lang: str, unit: str) -> dict:
    """Arrays for both traces. df: rows of the current territory with ags/name/facets/value/flag/reference_date;
    class_idx: class per row (-1 = no value); mask: True where the unit passes the filters."""
    has = class_idx >= 0
    cd = customdata(df, lang, unit)
    ags = df["ags"].astype(str).to_numpy()
    opacity = np.where(mask, 0.92, FADED)
    k = max(len(colours), 1)
    return {
        "values": {"locations": ags[has].tolist(), "z": class_idx[has].astype(int).tolist(),
                   "customdata": [c for c, h in zip(cd, has) if h],
                   "opacity": opacity[has].round(2).tolist(),
                   "colorscale": discrete_colorscale(colours), "zmin": -0.5, "zmax": k - 0.5},
        "no_data": {"locations": ags[~has].tolist(), "z": [0] * int((~has).sum()),
                    "customdata": [c for c, h in zip(cd, has) if not h],
                    "opacity": opacity[~has].round(2).tolist()},
    }


def apply_payload(fig_or_patch, p: dict):
    """Write a payload into a Figure dict or a dash Patch (same paths)."""
    for i, key in enumerate(("values", "no_data")):
        part = p[key]
        fig_or_patch["data"][i]["locations"] = part["locations"]
        fig_or_patch["data"][i]["z"] = part["z"]
        fig_or_patch["data"][i]["customdata"] = part["customdata"]
        fig_or_patch["data"][i]["marker"]["opacity"] = part["opacity"]
        if "colorscale" in part:
            fig_or_patch["data"][i]["colorscale"] = part["colorscale"]
            fig_or_patch["data"][i]["zmin"] = part["zmin"]
            fig_or_patch["data"][i]["zmax"] = part["zmax"]
    return fig_or_patch
