"""Facet filters shared by all pages: the control panel and the pure mask over a region table."""
from __future__ import annotations

import numpy as np
import pandas as pd
import dash_bootstrap_components as dbc
from dash import html

from .. import ids
from ..i18n import facet_label, t
from ..state import AppState, KOMMUNALTYPEN, KREISTYPEN, SIZE_CLASSES, SIZE_CLASSES_FINE
from .widgets import dropdown


def east_west_rule(series: pd.Series, rule: str) -> pd.Series:
    """Apply the Berlin rule: 'west' (as in the Mikrozensus), 'east', or 'own' (Berlin its own group)."""
    if rule == "own":
        return series
    return series.where(series != "berlin", rule)


def mask(regions: pd.DataFrame, state: AppState) -> np.ndarray:
    """True where a unit passes every active filter (AND across facets, OR within one)."""
    m = np.ones(len(regions), dtype=bool)
    if regions.empty:
        return m
    if state.land:
        m &= regions["land_ags"].astype(str).isin(state.land).to_numpy()
    if state.kt:
        m &= regions["kommunaltyp"].isin(state.kt).to_numpy()
    if state.gr:
        col = "size_class" if state.gk == "bbsr" else "size_class_fine"
        m &= regions[col].isin(state.gr).to_numpy()
    if state.ew:
        m &= east_west_rule(regions["east_west"], state.br).isin(state.ew).to_numpy()
    if state.kty:
        kty = regions["bbsr_kreistyp"].map(lambda v: str(int(v)) if pd.notna(v) else "")
        m &= kty.isin(state.kty).to_numpy()
    return m


def size_options(scheme: str, lang: str) -> list[dict]:
    if scheme == "fine":
        return [{"label": facet_label("size_class_fine", v, lang), "value": v} for v in SIZE_CLASSES_FINE]
    return [{"label": facet_label("size_class", v, lang), "value": v} for v in SIZE_CLASSES]


def east_west_options(rule: str, lang: str) -> list[dict]:
    vals = ("west", "east", "berlin") if rule == "own" else ("west", "east")
    return [{"label": facet_label("east_west", v, lang), "value": v} for v in vals]


def panel(state: AppState, lands: list[tuple[str, str]], lang: str, page: str):
    """The filter controls (collapsible card). lands: [(land_ags, name)]."""
    lbl = lambda key, target: html.Label(t(key, lang), htmlFor=target, className="form-label small fw-semibold mb-0")
    F_LAND, F_KT, F_GK, F_GR, F_EW, F_BR, F_KTY = filter_ids(page)
    body = [
        lbl("f_land", F_LAND),
        dropdown(lang, id=F_LAND, options=[{"label": n, "value": a} for a, n in lands], value=list(state.land),
                     multi=True, placeholder=t("f_any", lang), className="mb-2"),
        lbl("f_kommunaltyp", F_KT),
        dropdown(lang, id=F_KT, options=[{"label": facet_label("kommunaltyp", v, lang), "value": v} for v in KOMMUNALTYPEN],
                     value=list(state.kt), multi=True, placeholder=t("f_any", lang), className="mb-2"),
        lbl("f_size_scheme", F_GK),
        dbc.RadioItems(id=F_GK, options=[{"label": t("f_size_scheme_bbsr", lang), "value": "bbsr"},
                                              {"label": t("f_size_scheme_fine", lang), "value": "fine"}],
                       value=state.gk, inline=True, className="small"),
        dropdown(lang, id=F_GR, options=size_options(state.gk, lang), value=list(state.gr), multi=True,
                     placeholder=t("f_any", lang), className="mb-2"),
        lbl("f_east_west", F_EW),
        dropdown(lang, id=F_EW, options=east_west_options(state.br, lang), value=list(state.ew), multi=True,
                     placeholder=t("f_any", lang), className="mb-1"),
        lbl("f_berlin_rule", F_BR),
        dbc.RadioItems(id=F_BR, options=[{"label": t(f"berlin_{r}", lang), "value": r} for r in ("west", "east", "own")],
                       value=state.br, className="small mb-2"),
        lbl("f_kreistyp", F_KTY),
        dropdown(lang, id=F_KTY, options=[{"label": f"{v} – {facet_label('bbsr_kreistyp', v, lang)}", "value": v}
                                             for v in KREISTYPEN],
                     value=list(state.kty), multi=True, placeholder=t("f_any", lang), className="mb-2"),
        html.Div(id=ids.pid(page, ids.FILTER_NOTE), className="small text-muted", **{"aria-live": "polite"}),
    ]
    return html.Fieldset([html.Legend(t("filters", lang), className="h6"), *body], className="filter-panel")


FILTER_STATE_FIELDS = ("land", "kt", "gk", "gr", "ew", "br", "kty")


def filter_ids(page: str) -> tuple[str, ...]:
    return tuple(ids.pid(page, b) for b in (ids.F_LAND, ids.F_KT, ids.F_GK, ids.F_GR, ids.F_EW, ids.F_BR, ids.F_KTY))


def filter_controls(page: str) -> list[tuple[str, str, str]]:
    """(id, prop, state field) of the filter panel on `page`, for URL sync and callbacks."""
    return [(cid, "value", f) for cid, f in zip(filter_ids(page), FILTER_STATE_FIELDS)]
