"""Aufnahme & Kapazität / Arrival & capacity (/kapazitaet): where migration pressure meets integration capacity.

Research practice (Thünen Working Papers 59 and 135, IAB-Forschungsbericht 5/2022): pressure and capacity
side by side instead of one opaque index; a composite only with visible weights, its ingredients and its
sensitivity to the weights; every comparison names the reference date of each value.

Sections: quadrant scatter (medians as cross-hairs, quadrants counted with population), bivariate 3×3 map
on the shared map layer (assets/ia_map.js feature-state; geometry not re-sent), place card (percentiles in
the peer group), own composite (weights in the URL, rank range for ±50 % per weight), share of protection
seekers vs share of population per Land / per Kreis of one Land. Computations: components/lens.py.
"""
from __future__ import annotations

import io
from datetime import datetime, timezone

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import ALL, ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from etl.export import LICENCE_TEXT

from .. import data, ids
from ..callbacks_util import checked, expect, guard, lang_of, page_stores, state_of
from ..components import controls, figdict, filters, grid, lens, mapfig, reach
from ..components.charts import LAYOUT, _group_col, highlight_trace
from ..components.footer import source_text
from ..components.palettes import FACET_COLOURS, NO_DATA
from ..components.widgets import dropdown
from ..i18n import facet_label, fmt_date, fmt_number, indicator_label, indicator_unit, t
from ..state import FACETS, MAX_SELECTION, AppState, CraftedInput, from_controls, profile_path, serialise
from . import _shared

dash.register_page(__name__, path="/kapazitaet", name="Kapazität", title="Integrationsatlas – Aufnahme & Kapazität",
                   layout=lambda **_: None)

PAGE = "kapazitaet"
LENS_MAP_GEO = "lens-map-geo"   # the map geometry for iamap.prepare (layout only)
DEFAULT_PX = ("protection_seekers_per_1000", "ukrainian_protection_seekers_per_1000", "foreigners_share")
DEFAULT_CX = ("da_wohn_leer", "childcare_quota_u3_da", "unemployment_rate")
DEFAULT_CW = ("da_wohn_leer", "childcare_quota_u3_da", "unemployment_rate", "da_st_einnkr")
TOP_N = 25
LEVEL_LEN = {"kreis": 5, "gemeinde": 8}

CONTROLS = [(ids.LENS_LEVEL, "value", "ll"), (ids.LENS_PX, "value", "px"), (ids.LENS_CX, "value", "cx"),
            (ids.LENS_COL, "value", "col"), (ids.LENS_SEL, "value", "sel"), (ids.LENS_BX, "value", "bx"),
            (ids.LENS_BC, "value", "bc"), (ids.LENS_BP, "value", "bp"), (ids.LENS_PF, "value", "pf"),
            (ids.LENS_CZ, "value", "cz"), (ids.LENS_CG, "value", "cg"), (ids.LENS_SL, "value", "sl"),
            *filters.filter_controls(PAGE)]
W_ID = {"type": "lens-w", "ind": ALL}
S_ID = {"type": "lens-s", "ind": ALL}


# -- state helpers ------------------------------------------------------------------------------------

def _has(ind: str, level: str) -> bool:
    return bool(data.catalogue().available.get(ind, {}).get(level))


@data.memo(maxsize=64)     # per warehouse build; callers must not mutate the list (they concatenate copies)
def _role_options(role: str, level: str, lang: str) -> list[dict]:
    df = data.indicators()
    df = df[df["role"] == role]
    opts = [{"label": indicator_label(r, lang), "value": r["indicator_id"]}
            for r in df.to_dict("records") if _has(r["indicator_id"], level)]
    return sorted(opts, key=lambda o: o["label"].lower())


def _pick(v: str, defaults, role: str, level: str) -> str:
    if v and _has(v, level):
        return v
    for d in defaults:
        if _has(d, level):
            return d
    opts = _role_options(role, level, "de")
    return opts[0]["value"] if opts else ""


def resolved(st: AppState) -> AppState:
    """The state with the page defaults filled in (pressure, capacity, composite ingredients)."""
    px = _pick(st.px, DEFAULT_PX, "pressure", st.ll)
    cx = _pick(st.cx, DEFAULT_CX, "capacity", st.ll)
    cw = st.cw or tuple(f"{i}:1" for i in DEFAULT_CW if _has(i, st.ll))
    return st.with_(px=px, cx=cx, cw=cw)


def _polarity() -> dict[str, str]:
    df = data.indicators()
    return dict(zip(df["indicator_id"], df["polarity"].fillna("neutral")))


def _latest(ind: str, level: str) -> int | None:
    return data.latest_year(ind, level)


def _values(ind: str, level: str) -> tuple[pd.DataFrame, dict]:
    """Latest-year values of one indicator at `level` (all units of the current Gebietsstand) and its meta."""
    y = _latest(ind, level)
    if y is None:
        return pd.DataFrame(columns=["ags", "value", "flag", "reference_date"]), {}
    return data.values(ind, level, y), {**data.meta(ind, level, y), "year": y}


def _date_of(meta: dict) -> str | None:
    return meta.get("reference_date") or (meta.get("dates") or [None])[-1]


def _peer_key(df: pd.DataFrame, st: AppState, lang: str) -> pd.Series:
    """Peer group of each unit: the chosen facet, or size class × East/West (Kreise: Kommunaltyp × East/West)."""
    if st.pf:
        return _group_col(df, [st.pf], st.br, lang, dict(data.lands()))
    first = "kommunaltyp" if st.ll == "kreis" else "size_class"
    return _group_col(df, [first, "east_west"], st.br, lang, dict(data.lands()))


def mismatch_text(dates: dict[str, str | None], lang: str) -> str | None:
    """'Die Werte haben verschiedene Stichtage: A 31.12.2024, B 15.05.2022 – 2,6 Jahre auseinander.'"""
    spread = lens.date_spread(dates)
    if not spread:
        return None
    items = "; ".join(f"{k}: {fmt_date(v, lang)}" for k, v in dates.items() if v)
    return t("lens_mismatch", lang, items=items, years=fmt_number(spread[1], lang, 1))


# -- layout -----------------------------------------------------------------------------------------

def _lbl(key: str, target: str, lang: str):
    return html.Label(t(key, lang), htmlFor=target, className="form-label small fw-semibold mb-0")


def _table(grid_id: str, lang: str, height: int = 260):
    return html.Div([
        dag.AgGrid(id=grid_id, rowData=[], columnDefs=[{"field": "name", "headerName": t("col_name", lang)}],
                   className="ag-theme-alpine", style={"height": f"{height}px"}, dashGridOptions=grid.options(lang),
                   defaultColDef={"sortable": True, "resizable": True, "filter": True}),
        html.Button(t("download_csv", lang), id={"type": "lens-csv", "grid": grid_id}, type="button",
                    className="btn btn-outline-secondary btn-sm py-0 mt-1 mb-2"),
    ])


def _details(summary_key: str, lang: str, body, open_: bool = False):
    return html.Details([html.Summary(t(summary_key, lang), className="small"), body], open=open_,
                        className="mb-2")


@data.memo(maxsize=256)    # the page layout per warehouse build and URL state (IA_CALLBACK_CACHE)
def build(state: AppState, **_):
    st = resolved(state)
    lang = st.lang
    geo_url = data.geo_assets().get(st.ll)
    facet_opts = [{"label": t(f"facet_{f}", lang), "value": f} for f in FACETS]
    sel_opts = [{"label": data.label_for(a), "value": a} for a in st.sel]
    all_opts = sorted(_role_options("pressure", st.ll, lang) + _role_options("capacity", st.ll, lang),
                      key=lambda o: o["label"].lower())
    pol = _polarity()
    ings = lens.parse_composite(st.cw, pol)
    sidebar = [
        _lbl("lens_level", ids.LENS_LEVEL, lang),
        dbc.RadioItems(id=ids.LENS_LEVEL, value=st.ll, inline=True, className="small mb-2",
                       options=[{"label": t(f"level_{lv}", lang), "value": lv} for lv in ("kreis", "gemeinde")]),
        _lbl("lens_pressure", ids.LENS_PX, lang),
        dropdown(lang, id=ids.LENS_PX, options=_role_options("pressure", st.ll, lang), value=st.px, clearable=False,
                 className="mb-2"),
        _lbl("lens_capacity", ids.LENS_CX, lang),
        dropdown(lang, id=ids.LENS_CX, options=_role_options("capacity", st.ll, lang), value=st.cx, clearable=False,
                 className="mb-2"),
        _lbl("scatter_colour", ids.LENS_COL, lang),
        dropdown(lang, id=ids.LENS_COL, options=facet_opts, value=st.col, clearable=False, className="mb-2"),
        _lbl("lens_places", ids.LENS_SEL, lang),
        controls.search_dropdown(ids.LENS_SEL, lang, multi=True, value=list(st.sel), options=sel_opts),
        filters.panel(st, data.lands(), lang, PAGE),
    ]
    weights = html.Div(weight_rows(ings, pol, lang), id=ids.LENS_WEIGHTS)
    main = [
        html.H1(t("lens_title", lang), className="h5 mb-1", id="lens-title"),
        html.P(t("lens_intro", lang), className="small text-muted mb-1"),
        html.Div(id=ids.LENS_NOTICE, **{"aria-live": "polite"}),
        html.Div(id=ids.LENS_MISMATCH, **{"aria-live": "polite"}),
        dbc.Row([
            dbc.Col([reach.chart_figure(ids.LENS_QUAD, t("lens_quadrant", lang), lang, 470),
                     html.Div(id=ids.LENS_QUAD_COUNTS, className="lens-quad-counts"),
                     _details("lens_table_alt", lang, _table(ids.LENS_QUAD_TABLE, lang))], lg=6),
            dbc.Col([
                html.Div([html.H2(t("lens_bivariate", lang), className="h6 mb-0", id="lens-map-title"),
                          reach.export_tools(ids.LENS_MAP, "map", lang, title_from="lens-map-title",
                                             source_from=ids.LENS_MAP_FOOTER)],
                         className="d-flex justify-content-between align-items-center gap-2"),
                html.Div([
                    dcc.Graph(id=ids.LENS_MAP, figure=mapfig.host_figure(), style={"height": "430px"},
                              config={"displaylogo": False, "scrollZoom": True}, className="map-graph"),
                ], id=ids.LENS_MAP_WRAP, className="position-relative map-wrap", role="application", tabIndex=0,
                    style={} if geo_url else {"display": "none"},
                    **{"aria-label": t("map_keyboard_label", lang), "data-ia-keyboard": "1",
                       "aria-describedby": ids.LENS_MAP_ALT}),
                html.Div(id=ids.LENS_LEGEND, className="lens-bivariate-legend my-1"),
                html.P(id=ids.LENS_MAP_ALT, className="visually-hidden"),
                html.P(id=ids.LENS_MAP_STATUS, className="small text-danger mb-0", role="status"),
                html.P(id=ids.LENS_MAP_FOOTER, className="source-footer small text-muted mb-1"),
                dbc.Row([
                    dbc.Col([_lbl("lens_breaks_x", ids.LENS_BX, lang),
                             dcc.Input(id=ids.LENS_BX, value=st.bx, debounce=True, type="text", placeholder="a,b",
                                       className="form-control form-control-sm")], width=4),
                    dbc.Col([_lbl("lens_breaks_y", ids.LENS_BC, lang),
                             dcc.Input(id=ids.LENS_BC, value=st.bc, debounce=True, type="text", placeholder="a,b",
                                       className="form-control form-control-sm")], width=4),
                    dbc.Col([_lbl("palette", ids.LENS_BP, lang),
                             dbc.RadioItems(id=ids.LENS_BP, value=st.bp, className="small",
                                            options=[{"label": t(f"lens_pal_{p}", lang), "value": p}
                                                     for p in lens.BIVARIATE])], width=4),
                ], className="g-2"),
                html.P(t("lens_breaks_help", lang), className="small text-muted mb-1"),
            ], lg=6),
        ]),
        html.Hr(),
        html.H2(t("lens_card", lang), className="h6 mb-1"),
        dbc.Row([dbc.Col([_lbl("lens_peer", ids.LENS_PF, lang),
                          dropdown(lang, id=ids.LENS_PF, options=[{"label": t("lens_peer_default", lang), "value": ""}]
                                   + facet_opts, value=st.pf, clearable=False)], md=4),
                 dbc.Col(html.Div(id=ids.LENS_CARD_HEAD, className="small"), md=8)], className="g-2 mb-1"),
        reach.chart_figure(ids.LENS_CARD, t("lens_card_chart", lang), lang, 620),
        _details("lens_table_alt", lang, _table(ids.LENS_CARD_TABLE, lang, 300)),
        html.Hr(),
        html.H2(t("lens_composite", lang), className="h6 mb-1"),
        html.P(t("lens_composite_intro", lang), className="small text-muted mb-1"),
        dbc.Row([
            dbc.Col([_lbl("lens_ingredients", ids.LENS_ING, lang),
                     dropdown(lang, id=ids.LENS_ING, options=all_opts, value=[i.ind for i in ings], multi=True,
                              className="mb-1"),
                     weights], md=6),
            dbc.Col([_lbl("lens_standardise", ids.LENS_CZ, lang),
                     dbc.RadioItems(id=ids.LENS_CZ, value=st.cz, className="small mb-1",
                                    options=[{"label": t(f"lens_cz_{m}", lang), "value": m} for m in ("z", "pct")]),
                     _lbl("lens_within", ids.LENS_CG, lang),
                     dropdown(lang, id=ids.LENS_CG, options=[{"label": t("lens_within_all", lang), "value": ""}]
                              + facet_opts, value=st.cg, clearable=False)], md=6),
        ], className="g-2"),
        html.Div(id=ids.LENS_COMP_NOTE, **{"aria-live": "polite"}),
        reach.chart_figure(ids.LENS_COMP, t("lens_composite_chart", lang), lang, 560),
        _details("lens_table_alt", lang, _table(ids.LENS_COMP_TABLE, lang, 320), open_=True),
        html.Hr(),
        html.H2(t("lens_share", lang), className="h6 mb-1"),
        html.P(t("lens_share_intro", lang), className="small mb-1", id="lens-share-intro"),
        reach.chart_figure(ids.LENS_SHARE, t("lens_share_chart", lang), lang, 520),
        _details("lens_table_alt", lang, _table(ids.LENS_SHARE_TABLE, lang, 300)),
        dbc.Row([dbc.Col([_lbl("lens_share_land", ids.LENS_SL, lang),
                          dropdown(lang, id=ids.LENS_SL, options=[{"label": n, "value": a} for a, n in data.lands()],
                                   value=st.sl or None, clearable=True, placeholder=t("lens_share_land_none", lang))],
                         md=4)], className="g-2 mb-1"),
        html.Div(reach.chart_figure(ids.LENS_SHARE_K, t("lens_share_kreis_chart", lang), lang, 420),
                 id="lens-share-kreis-box"),
        _details("lens_table_alt", lang, _table(ids.LENS_SHARE_K_TABLE, lang, 260)),
        page_stores(PAGE),
        dcc.Download(id=ids.LENS_DOWNLOAD),
        dcc.Store(id=ids.LENS_MAP_META, data={"level": st.ll, "url": geo_url, "lang": lang}),
        # read by iamap.prepare only: no callback writes it, so the geometry is added while the map callback runs
        dcc.Store(id=LENS_MAP_GEO, data={"url": geo_url, "graph": ids.LENS_MAP, "tiles": data.geo_tiles(geo_url)}),
        dcc.Store(id=ids.LENS_MAP_PAINT), dcc.Store(id=ids.LENS_MAP_CLICK),
    ]
    return dbc.Row([dbc.Col(sidebar, lg=3, md=4, className="sidebar"), dbc.Col(main, lg=9, md=8)])


def weight_rows(ings: list[lens.Ingredient], pol: dict, lang: str):
    """One row per ingredient: label, weight input, sign (default from the catalogue's polarity)."""
    rows = []
    for i in ings:
        spec = data.indicator(i.ind)
        default = "-" if pol.get(i.ind) == "higher_is_worse" else "+"
        label = indicator_label(spec, lang) if spec else i.ind
        rows.append(html.Div([
            html.Label([html.Span(label, className="small flex-grow-1"),
                        html.Span(t("lens_weight_for", lang, ind=label), className="visually-hidden"),
                        dcc.Input(id={"type": "lens-w", "ind": i.ind}, type="number", min=0, step=0.1, value=i.weight,
                                  debounce=True, className="form-control form-control-sm", style={"width": "5.5em"})],
                       className="d-flex align-items-center gap-2 flex-grow-1 mb-0"),
            dcc.Dropdown(id={"type": "lens-s", "ind": i.ind}, value="+" if i.sign > 0 else "-", clearable=False,
                         searchable=False, style={"width": "9em"}, className="small",
                         options=[{"label": t("lens_sign_plus", lang) + (" *" if default == "+" else ""), "value": "+"},
                                  {"label": t("lens_sign_minus", lang) + (" *" if default == "-" else ""), "value": "-"}]),
        ], className="d-flex align-items-center gap-2 mb-1 lens-weight-row", **{"data-ind": i.ind}))
    if ings:
        rows.append(html.P(t("lens_sign_help", lang), className="small text-muted mb-1"))
    return rows


# -- URL sync (static controls + the composite's weight rows) ------------------------------------------

@callback(Output(ids.state_out(PAGE), "data"), *[Input(c, p) for c, p, _ in CONTROLS], Input(ids.LENS_ING, "value"),
          Input(W_ID, "value"), Input(S_ID, "value"), State(W_ID, "id"), State(S_ID, "id"), State(ids.URL, "search"),
          prevent_initial_call=True)
@guard(1)
def sync_url(*vals):
    *control_vals, ing, ws, ss, w_ids, s_ids, search = vals
    st = current_state(control_vals, ing, ws, ss, w_ids, s_ids, search)
    new = serialise(st, data.catalogue())
    if new == (search or ""):
        raise PreventUpdate
    return new


def current_state(control_vals, ing, ws, ss, w_ids, s_ids, search) -> AppState:
    base = state_of(search)
    st = from_controls(base, data.catalogue(), **{f: v for (_, _, f), v in zip(CONTROLS, control_vals)})
    if ing is not None:
        (ing,) = checked(sim=ing)             # the composite's ingredients: indicator ids
    st = st.with_(sel=tuple(st.sel)[:MAX_SELECTION], pf=st.pf or "", cg=st.cg or "", sl=st.sl or "",
                  bx=(st.bx or "").strip(), bc=(st.bc or "").strip())
    pol = _polarity()
    weight = {d["ind"]: w for d, w in zip(w_ids or [], ws or [])}
    sign = {d["ind"]: s for d, s in zip(s_ids or [], ss or [])}
    items = []
    for ind in (ing if ing is not None else [i.ind for i in lens.parse_composite(resolved(base).cw, pol)]):
        if ind not in pol:
            continue
        w = weight.get(ind)
        w = 1.0 if w in (None, "") else max(_weight(w), 0.0)
        default = "-" if pol[ind] == "higher_is_worse" else "+"
        s = sign.get(ind, default)
        items.append(lens.Ingredient(ind, w, 1 if s == "+" else -1, s != default))
    cw = lens.serialise_composite(items)
    default_cw = resolved(st.with_(cw=())).cw
    st = st.with_(cw=() if cw == default_cw else cw)
    # the defaults of px/cx are not written to the URL
    if st.px and st.px == _pick("", DEFAULT_PX, "pressure", st.ll):
        st = st.with_(px="")
    if st.cx and st.cx == _pick("", DEFAULT_CX, "capacity", st.ll):
        st = st.with_(cx="")
    return st


@callback(Output(ids.LENS_WEIGHTS, "children"), Input(ids.LENS_ING, "value"), State(W_ID, "id"), State(W_ID, "value"),
          State(S_ID, "id"), State(S_ID, "value"), State(ids.URL, "search"), prevent_initial_call=True)
@guard(1)
def ingredients_changed(ing, w_ids, ws, s_ids, ss, search):
    """Adding or removing an ingredient redraws the weight rows, keeping the weights already set."""
    lang = lang_of(search)
    (ing,) = checked(sim=ing)
    pol = _polarity()
    weight = {d["ind"]: w for d, w in zip(w_ids or [], ws or [])}
    sign = {d["ind"]: s for d, s in zip(s_ids or [], ss or [])}
    ings = []
    for ind in ing or []:
        default = "-" if pol.get(ind) == "higher_is_worse" else "+"
        s = sign.get(ind, default)
        w = weight.get(ind)
        ings.append(lens.Ingredient(ind, 1.0 if w in (None, "") else _weight(w), 1 if s == "+" else -1, s != default))
    return weight_rows(ings, pol, lang)


def _weight(w) -> float:
    """A weight input's value (a number input: int or float)."""
    if isinstance(w, bool) or not isinstance(w, (int, float)) or w != w or abs(w) > 1e6:
        raise CraftedInput("weight", w)
    return float(w)


@callback(Output(ids.LENS_PX, "options"), Output(ids.LENS_PX, "value"), Output(ids.LENS_CX, "options"),
          Output(ids.LENS_CX, "value"), Output(ids.LENS_ING, "options"), Input(ids.LENS_LEVEL, "value"),
          State(ids.LENS_PX, "value"), State(ids.LENS_CX, "value"), State(ids.URL, "search"), prevent_initial_call=True)
@guard(5)
def level_changed(level, px, cx, search):
    level, px, cx = checked(ll=level, px=px, cx=cx)
    lang = lang_of(search)
    po, co = _role_options("pressure", level, lang), _role_options("capacity", level, lang)
    return (po, _pick(px, DEFAULT_PX, "pressure", level), co, _pick(cx, DEFAULT_CX, "capacity", level),
            sorted(po + co, key=lambda o: o["label"].lower()))


_shared._register_filter_controls(PAGE)
_shared._register_search(ids.LENS_SEL, ("gemeinde", "kreis"), True)


def _state(vals, search) -> AppState:
    """The page's state from the callback's control values (static controls only; composite from the URL)."""
    st = from_controls(state_of(search), data.catalogue(), **{f: v for (_, _, f), v in zip(CONTROLS, vals)})
    return resolved(st.with_(pf=st.pf or "", cg=st.cg or "", sl=st.sl or ""))


# -- quadrant + bivariate map ---------------------------------------------------------------------------

def pair_frame(st: AppState) -> tuple[pd.DataFrame, dict, dict, np.ndarray]:
    """All units of the level with x (pressure), y (capacity), population (31.12.2024, GV100AD) and the filter mask."""
    dx, mx = _values(st.px, st.ll)
    dy, my = _values(st.cx, st.ll)
    reg = data.regions(st.ll)[["ags", "name", "land_ags", "kommunaltyp", "size_class", "size_class_fine",
                               "east_west", "bbsr_kreistyp", "population", "population_date"]]
    df = reg.merge(dx[["ags", "value", "flag", "reference_date"]].rename(
        columns={"value": "x", "flag": "x_flag", "reference_date": "x_date"}), on="ags", how="left")
    df = df.merge(dy[["ags", "value", "flag", "reference_date"]].rename(
        columns={"value": "y", "flag": "y_flag", "reference_date": "y_date"}), on="ags", how="left")
    return df, mx, my, filters.mask(df, st)


def quadrant_labels(lang: str) -> dict[str, str]:
    return {q: t(f"lens_q_{q}", lang) for q in lens.QUADRANTS}


@callback(Output(ids.LENS_QUAD, "figure"), Output(f"{ids.LENS_QUAD}-cap", "children"),
          Output(ids.LENS_QUAD_COUNTS, "children"), Output(ids.LENS_MISMATCH, "children"),
          Output(ids.LENS_QUAD_TABLE, "rowData"), Output(ids.LENS_QUAD_TABLE, "columnDefs"),
          Output(ids.LENS_MAP_PAINT, "data"), Output(ids.LENS_MAP_META, "data"), Output(ids.LENS_LEGEND, "children"),
          Output(ids.LENS_MAP_FOOTER, "children"), Output(ids.LENS_MAP_ALT, "children"), Output(ids.LENS_NOTICE, "children"),
          Output(ids.LENS_MAP_WRAP, "style"),
          *[Input(c, p) for c, p, _ in CONTROLS], State(ids.URL, "search"), State(ids.LENS_MAP_META, "data"))
@guard(13, notice_at=11)
@data.memo_callback()   # per warehouse build (IA_CALLBACK_CACHE)
def update_pair(*args):
    *vals, search, meta = args
    meta = expect(ids.LENS_MAP_META, meta)    # the store this callback writes: a dict or nothing
    st, lang = _state(vals, search), lang_of(search)
    if not st.px or not st.cx:
        return (go.Figure(), "", "", None, [], [], no_update, no_update, "", "", "",
                dbc.Alert(t("level_unavailable", lang), color="warning", className="py-1"), no_update)
    pol = _polarity()
    df, mx, my, m = pair_frame(st)
    sx, sy = data.indicator(st.px), data.indicator(st.cx)
    lx, ly = indicator_label(sx, lang), indicator_label(sy, lang)
    ux, uy = indicator_unit(sx, lang), indicator_unit(sy, lang)
    shown = df[m]
    quad, med = lens.quadrants(shown, pol.get(st.cx, "neutral"))
    counts = lens.quadrant_counts(quad)
    pop_date = str(df["population_date"].dropna().iloc[0])[:10] if df["population_date"].notna().any() else None
    fig = quadrant_figure(quad, med, st, lang, lx, ly, ux, uy)
    src = source_text(mx, lang) + " | " + source_text(my, lang)
    n_missing = int(len(shown) - len(quad))
    summary = t("lens_quad_summary", lang, n=len(quad), level=t(f"level_{st.ll}", lang), missing=n_missing,
                mx=fmt_number(med["mx"], lang), my=fmt_number(med["my"], lang))
    cap = reach.caption_children(summary, src, None, lang)
    count_list = quadrant_count_list(counts, st, lang, pop_date)
    warn_text = mismatch_text({lx: _date_of(mx), ly: _date_of(my)}, lang)
    warn = dbc.Alert(warn_text, color="warning", className="py-1 mb-1", id="lens-year-warning") if warn_text else None
    # bivariate map on the shared map layer
    geo_url = data.geo_assets().get(st.ll)
    # tertiles of the units in the quadrant view (shown, both values), unless the user set breaks
    bx = lens.parse_breaks(st.bx) or lens.tertile_breaks(quad["x"])
    by = lens.parse_breaks(st.bc) or lens.tertile_breaks(quad["y"])
    cls = lens.bivariate_classes(df["x"], df["y"], bx, by)
    rows, cols = quadrant_rows(quad, lang, lx, ly, ux, uy, dict(zip(df["ags"], cls)))   # table alternative to both
    colours = lens.BIVARIATE[st.bp]
    legend = bivariate_legend(cls[m], colours, bx, by, st, lang, lx, ly, ux, uy)
    map_src = src
    alt = t("lens_map_alt", lang, x=lx, y=ly, level=t(f"level_{st.ll}", lang), n=int((cls >= 0).sum()))
    if not geo_url:
        return (fig, cap, count_list, warn, rows, cols, no_update, {"level": st.ll, "url": None, "lang": lang}, legend,
                map_src, alt, dbc.Alert(t("map_no_geometry", lang), color="info", className="py-1"), {"display": "none"})
    pdf = df.assign(value=df["x"], flag=df["x_flag"], reference_date=df["x_date"])
    p = mapfig.paint_payload(pdf, cls, m, colours, lang, ux, geo_url, browser_units_key=(meta or {}).get("units_key"),
                             graph=ids.LENS_MAP, click_target=ids.LENS_MAP_CLICK, tiles=data.geo_tiles(geo_url))
    p["v"], p["unit"] = [f"{_num(a, lang, ux)} · {_num(b, lang, uy)}" for a, b in zip(df["x"], df["y"])], ""
    dates = [f"{fmt_date(a, lang) if pd.notna(a) else '–'} · {fmt_date(b, lang) if pd.notna(b) else '–'}"
             for a, b in zip(df["x_date"], df["y_date"])]
    p["date"] = dates[0] if len(set(dates)) == 1 else dates
    focus = [a for a in st.sel if len(a) == LEVEL_LEN[st.ll]]
    names = dict(zip(df["ags"], df["name"]))
    labels = [{"name": str(names.get(a, a)), **c} for a in focus if (c := data.centroid(a, st.ll))]
    # outlined and labelled, but no zoom: the bivariate pattern needs the whole country in view
    p["focus"] = {"ags": focus, "bbox": None, "labels": labels} if focus else None
    new_meta = {"level": st.ll, "url": geo_url, "lang": lang, "units_key": p["units_key"]}
    return (fig, cap, count_list, warn, rows, cols, mapfig.for_transport(p), new_meta, legend, map_src, alt, None, {})


def _num(v, lang: str, unit: str) -> str:
    s = fmt_number(v, lang)
    return f"{s} {unit}".strip() if s != t("missing_value", lang) else s


def quadrant_figure(quad: pd.DataFrame, med: dict, st: AppState, lang: str, lx: str, ly: str, ux: str, uy: str) -> dict:
    if quad.empty:
        return figdict.figure(layout={**LAYOUT, "showlegend": False})
    q = quad.copy()
    q["group"] = _group_col(q, [st.col], st.br, lang, dict(data.lands()))
    traces = [{"customdata": sub["name"].to_numpy(dtype=object),
               "hovertemplate": "%{customdata}<br>%{x} / %{y}<extra></extra>",
               "marker": {"color": FACET_COLOURS[i % len(FACET_COLOURS)], "opacity": 0.7, "size": 6}, "mode": "markers",
               "name": g, "x": np.asarray(sub["x"]), "y": np.asarray(sub["y"]), "type": "scattergl"}
              for i, (g, sub) in enumerate(sorted(q.groupby("group"), key=lambda kv: kv[0]))]
    hi = highlight_trace(q[q["ags"].isin(st.sel)].rename(columns={"x": "value_x", "y": "value_y"}), "value_x",
                         "value_y", lang)
    if hi:
        traces.append(hi)
    pol = _polarity().get(st.cx, "neutral")
    low_cap_top = pol == "higher_is_worse"   # where on the y axis "low capacity" lies
    notes = [{"bgcolor": "rgba(255,255,255,0.8)", "font": {"color": "#444", "size": 11}, "showarrow": False,
              "text": t(f"lens_q_{qn}", lang), "x": xr, "xanchor": "right" if xr > 0.5 else "left", "xref": "paper",
              "y": yr, "yanchor": "top" if yr > 0.5 else "bottom", "yref": "paper"}
             for qn, xr, yr in (("hp_lc", 0.99, 0.99 if low_cap_top else 0.01),
                                ("lp_hc", 0.01, 0.01 if low_cap_top else 0.99))]
    layout = {**LAYOUT, "xaxis": {"title": {"text": f"{lx} ({ux})" if ux else lx}},
              "yaxis": {"title": {"text": f"{ly} ({uy})" if uy else ly}}, "legend": {"orientation": "h", "y": -0.18},
              "shapes": [figdict.vline(med["mx"], {"color": "#555", "dash": "dash", "width": 1}),
                         figdict.hline(med["my"], {"color": "#555", "dash": "dash", "width": 1})],
              "annotations": notes}
    return figdict.figure(traces, layout)


def quadrant_count_list(counts: pd.DataFrame, st: AppState, lang: str, pop_date: str | None):
    level = t(f"level_{st.ll}", lang)
    items = []
    for r in counts.itertuples():
        items.append(html.Li([html.Strong(t(f"lens_q_{r.quadrant}", lang) + ": "),
                              t("lens_q_count", lang, n=r.n, level=level, pop=_mio(r.population, lang))],
                             **{"data-quadrant": r.quadrant, "data-n": str(r.n), "data-pop": str(int(r.population))}))
    note = t("lens_q_note", lang, date=fmt_date(pop_date, lang) if pop_date else "–")
    return [html.Ul(items, className="small mb-0", id="lens-quad-list"), html.P(note, className="small text-muted mb-1")]


def _mio(v: float, lang: str) -> str:
    if v >= 1e6:
        return f"{fmt_number(v / 1e6, lang, 1)} {'Mio. EW' if lang == 'de' else 'm inhabitants'}"
    return f"{fmt_number(v, lang, 0)} {'EW' if lang == 'de' else 'inhabitants'}"


def quadrant_rows(quad: pd.DataFrame, lang: str, lx, ly, ux, uy, bv: dict):
    cols = [{"field": "name", "headerName": t("col_name", lang), "flex": 2},
            {"field": "ags", "headerName": t("col_ags", lang), "width": 100},
            {"field": "x", "headerName": f"{lx} ({ux})", "type": "numericColumn"},
            {"field": "x_date", "headerName": f"{t('col_reference_date', lang)} ({lx})", "width": 140},
            {"field": "y", "headerName": f"{ly} ({uy})", "type": "numericColumn"},
            {"field": "y_date", "headerName": f"{t('col_reference_date', lang)} ({ly})", "width": 140},
            {"field": "quadrant", "headerName": t("lens_col_quadrant", lang), "width": 220},
            {"field": "bv", "headerName": t("lens_col_bv", lang), "width": 170},
            {"field": "population", "headerName": t("group_population", lang), "type": "numericColumn"}]
    labels = quadrant_labels(lang)
    dates: dict = {}

    def fd(v):          # one formatted date per distinct reference date (most units share one)
        try:
            return dates[v]
        except KeyError:
            dates[v] = out = fmt_date(v, lang)
            return out
        except TypeError:
            return fmt_date(v, lang)
    q = quad.sort_values("name")
    cols_ = (q[c].tolist() for c in ("name", "ags", "x", "x_date", "y", "y_date", "quadrant", "population"))
    rows = [{"name": nm, "ags": a, "x": round(float(x), 3), "x_date": fd(xd), "y": round(float(y), 3), "y_date": fd(yd),
             "quadrant": labels[qd], "bv": f"{bv[a] // 3 + 1} / {bv[a] % 3 + 1}" if bv.get(a, -1) >= 0 else "–",
             "population": int(p) if pd.notna(p) else None}
            for nm, a, x, xd, y, yd, qd, p in zip(*cols_)]
    return rows, cols


def bivariate_legend(cls: np.ndarray, colours: list[str], bx, by, st: AppState, lang: str, lx, ly, ux, uy):
    """3×3 grid: columns = pressure class (left → right rising), rows = capacity class (bottom → top rising)."""
    counts = np.bincount(cls[cls >= 0], minlength=9) if (cls >= 0).any() else np.zeros(9, int)
    cells = []
    for c in (2, 1, 0):                      # top row = high capacity value
        for p_ in (0, 1, 2):
            k = p_ * 3 + c
            cells.append(html.Div(str(int(counts[k])), className="lens-bv-cell", title=_cell_title(p_, c, bx, by, lang),
                                  style={"background": colours[k]}, **{"data-class": str(k), "data-colour": colours[k],
                                                                        "data-n": str(int(counts[k]))}))

    def rng(b, unit):
        if b is None:
            return "–"
        return f"≤ {fmt_number(b[0], lang)} | ≤ {fmt_number(b[1], lang)} | > {fmt_number(b[1], lang)} {unit}".strip()
    how = t("lens_breaks_user", lang) if (st.bx or st.bc) else t("lens_breaks_tertiles", lang)
    n_nd = int((cls < 0).sum())
    grid = html.Div([
        html.Div([html.Span("↑ " + t("lens_capacity_value", lang), className="lens-bv-ylab"),
                  html.Div(cells, className="lens-bv-grid", role="img",
                           **{"aria-label": t("lens_legend_aria", lang, x=lx, y=ly)})], className="d-flex gap-1"),
        html.Div("→ " + t("lens_pressure", lang), className="lens-bv-xlab ms-3"),
    ])
    text = html.Div([
        html.Div(f"→ {lx}: {rng(bx, ux)}", className="lens-bv-breaks"),
        html.Div(f"↑ {ly}: {rng(by, uy)}", className="lens-bv-breaks"),
        html.Div([html.Span(className="lens-bv-nd", style={"background": NO_DATA}), f" {t('no_data', lang)} ({n_nd})"]),
        html.Div(how + " · " + t("lens_legend_counts", lang), className="text-muted"),
    ])
    return html.Div([grid, text], id="lens-bv-legend", className="small d-flex gap-3 align-items-start")


def _cell_title(p_: int, c: int, bx, by, lang: str) -> str:
    names = [t("lens_low", lang), t("lens_mid", lang), t("lens_high", lang)]
    return f"{t('lens_pressure', lang)}: {names[p_]} · {t('lens_capacity_value', lang)}: {names[c]}"


# an output Dash never shows (the store's own timestamp prop): without one, no initial call
clientside_callback(ClientsideFunction("iamap", "prepare"), Output(LENS_MAP_GEO, "modified_timestamp"), Input(LENS_MAP_GEO, "data"))
clientside_callback(ClientsideFunction("iamap", "paint"), Output(ids.LENS_MAP_STATUS, "children"),
                    Input(ids.LENS_MAP_PAINT, "data"))


@callback(Output(ids.nav_out(PAGE), "data", allow_duplicate=True), Input(ids.LENS_MAP_CLICK, "data"),
          State(ids.URL, "search"), prevent_initial_call=True)
@guard(1)
def map_click(click, search):
    ags = str((expect("lens-map-click", click) or {}).get("ags") or "")
    if not ags.isdigit() or len(ags) not in (5, 8):
        raise PreventUpdate
    path, new = _shared.open_profile(ags, search)
    return {"pathname": path, "search": new}


# -- place card -----------------------------------------------------------------------------------------

def card_frame(st: AppState, ags: str, lang: str) -> pd.DataFrame:
    """Every pressure and capacity indicator of the place: raw value, date, percentile and median in its peer group.
    Per indicator one look-up in data.value_arrays (the level's values as arrays, built by the start-up warm-up):
    the peers' values are one mask over the regions, not a copied and filtered frame per indicator."""
    reg = data.regions(st.ll)
    peer = _peer_key(reg, st, lang)
    me = reg.index[reg["ags"] == ags]
    if not len(me):
        return pd.DataFrame()
    my_group = peer.loc[me[0]]
    in_group = (peer == my_group).to_numpy(dtype=bool)
    my_row = data.region_rows(st.ll).get(ags)
    rows = []
    df_ind = data.indicators()
    for r in df_ind[df_ind["role"].isin(["pressure", "capacity"])].to_dict("records"):
        ind = r["indicator_id"]
        if r.get("kind") == "count" or not _has(ind, st.ll):   # counts without a base would rank size, not load
            continue
        y = _latest(ind, st.ll)
        if y is None:
            continue
        va = data.value_arrays(ind, st.ll, y)
        if va.frame.empty:
            continue
        meta = {**data.meta(ind, st.ll, y), "year": y}
        peer_rows = va.region_row[in_group]
        pv = va.value[peer_rows[peer_rows >= 0]]
        pv = pv[~np.isnan(pv)]
        i = int(va.region_row[my_row]) if my_row is not None else -1
        val = float(va.value[i]) if i >= 0 else float("nan")
        flag = va.frame["flag"].iloc[i] if i >= 0 else None
        date = va.frame["reference_date"].iloc[i] if i >= 0 else None
        rows.append({"indicator_id": ind, "label": indicator_label(r, lang), "role": r["role"],
                     "polarity": r.get("polarity") or "neutral", "unit": indicator_unit(r, lang), "value": val,
                     "flag": flag if isinstance(flag, str) else "",
                     "reference_date": str(date)[:10] if i >= 0 and pd.notna(date) else _date_of(meta),
                     "percentile": lens.percentile_of(pv, val),
                     "peer_median": float(np.median(pv)) if pv.size else float("nan"), "n_peers": int(pv.size),
                     "group": my_group, "table_code": meta.get("table_code"), "source": meta.get("source"),
                     "licence": meta.get("licence")})
    out = pd.DataFrame(rows)
    return out.sort_values(["role", "label"], ascending=[False, True]).reset_index(drop=True) if len(out) else out


@callback(Output(ids.LENS_CARD, "figure"), Output(f"{ids.LENS_CARD}-cap", "children"), Output(ids.LENS_CARD_HEAD, "children"),
          Output(ids.LENS_CARD_TABLE, "rowData"), Output(ids.LENS_CARD_TABLE, "columnDefs"), Output(ids.LENS_CARD, "style"),
          *[Input(c, p) for c, p, _ in CONTROLS], State(ids.URL, "search"))
@guard(6, notice_at=2)
@data.memo_callback()   # per warehouse build (IA_CALLBACK_CACHE)
def update_card(*args):
    *vals, search = args
    st, lang = _state(vals, search), lang_of(search)
    places = [a for a in st.sel if len(a) == LEVEL_LEN[st.ll]]
    if not places:
        return go.Figure(), "", t("lens_card_none", lang), [], [], {"height": "120px"}
    ags = places[0]
    card = card_frame(st, ags, lang)
    if card.empty:          # an AGS of the right length that is no unit (sel= takes any AGS pattern from the URL)
        return go.Figure(), "", t("lens_card_none", lang), [], [], {"height": "120px"}
    reg = data.region(ags)
    name = reg.get("name", ags)
    lvl = "kreis" if len(ags) == 5 else "gemeinde"
    head = [html.Strong(name), " · ", t("lens_peer_is", lang, group=card["group"].iloc[0] if len(card) else "–",
                                           n=int(card["n_peers"].max()) if len(card) else 0), " · ",
            dcc.Link(t("lens_to_profile", lang), href=profile_path(lvl, ags) + serialise(st.with_(sel=(ags,)),
                                                                                          data.catalogue()),
                     id="lens-profile-link")]
    fig = card_figure(card, lang)
    have = card[card["value"].notna()]
    dates = sorted(set(have["reference_date"].dropna()))
    summary = t("lens_card_summary", lang, n=len(have), name=name,
                d0=fmt_date(dates[0], lang) if dates else "–", d1=fmt_date(dates[-1], lang) if dates else "–")
    if mismatch_text(dict(zip(have["label"], have["reference_date"])), lang):
        spread = lens.date_spread(dict(zip(have["label"], have["reference_date"])))
        summary += " " + t("lens_card_dates", lang, years=fmt_number(spread[1], lang, 1))
    src = "; ".join(sorted(set(filter(None, card["table_code"].dropna())))) if len(card) else ""
    cap = reach.caption_children(summary, f"{t('footer_table', lang)}: {src} · {t('footer_licence', lang)}: "
                                 f"{'; '.join(sorted(set(card['licence'].dropna()))) or 'dl-de/by-2-0'}", None, lang)
    cols = [{"field": "label", "headerName": t("col_indicator", lang), "flex": 2},
            {"field": "role", "headerName": t("lens_col_role", lang), "width": 110},
            {"field": "value", "headerName": t("col_value", lang), "type": "numericColumn"},
            {"field": "unit", "headerName": t("col_unit", lang), "width": 130},
            {"field": "reference_date", "headerName": t("col_reference_date", lang), "width": 120},
            {"field": "percentile", "headerName": t("lens_col_percentile", lang), "type": "numericColumn"},
            {"field": "peer_median", "headerName": t("lens_col_peer_median", lang), "type": "numericColumn"},
            {"field": "n_peers", "headerName": "n", "width": 80},
            {"field": "polarity", "headerName": t("lens_col_polarity", lang), "width": 150},
            {"field": "table_code", "headerName": t("footer_table", lang), "width": 160}]
    rows = [{"label": r.label, "role": t(f"lens_role_{r.role}", lang), "value": _round(r.value),
             "unit": r.unit, "reference_date": fmt_date(r.reference_date, lang) if r.reference_date else "",
             "percentile": _round(r.percentile, 1), "peer_median": _round(r.peer_median),
             "n_peers": r.n_peers, "polarity": t(f"lens_pol_{r.polarity}", lang), "table_code": r.table_code}
            for r in card.itertuples()]
    return fig, cap, head, rows, cols, {"height": f"{figdict.height(fig) or 400}px"}


def _round(v, d: int = 3):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else round(float(v), d)


def card_figure(card: pd.DataFrame, lang: str) -> dict:
    """Percentile of each indicator in the peer group (pressure diamonds, capacity circles), as a figure dict."""
    if card.empty:
        return figdict.empty()
    c = card[card["percentile"].notna()].iloc[::-1]
    traces = []
    for role, colour, symbol in (("pressure", "#CC79A7", "diamond"), ("capacity", "#0072B2", "circle")):
        sub = c[c["role"] == role]
        if sub.empty:
            continue
        arrows = {"higher_is_better": " ↑+", "higher_is_worse": " ↑−"}
        text = [f"{_num(v, lang, u)} ({fmt_date(d, lang)}); {t('lens_col_peer_median', lang)}: {_num(pm, lang, u)}"
                for v, u, d, pm in zip(sub["value"], sub["unit"], sub["reference_date"], sub["peer_median"])]
        traces.append({"hovertemplate": "%{y}: P%{x:.0f}<br>%{text}<extra></extra>",
                       "marker": {"color": colour, "size": 10, "symbol": symbol}, "mode": "markers",
                       "name": t(f"lens_role_{role}", lang), "text": text,
                       "x": sub["percentile"].to_numpy(dtype=float),
                       "y": np.array([lb + arrows.get(p, "") for lb, p in zip(sub["label"], sub["polarity"])],
                                     dtype=object),
                       "type": "scatter"})
    layout = {**LAYOUT, "xaxis": {"range": [0, 101], "dtick": 25, "title": {"text": t("lens_card_x", lang)}},
              "height": max(320, 22 * len(c) + 90), "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom"},
              "shapes": [figdict.vline(50, {"color": "#777", "dash": "dot", "width": 1})]}
    return figdict.figure(traces, layout)


# -- composite ------------------------------------------------------------------------------------------

@callback(Output(ids.LENS_COMP, "figure"), Output(f"{ids.LENS_COMP}-cap", "children"), Output(ids.LENS_COMP_NOTE, "children"),
          Output(ids.LENS_COMP_TABLE, "rowData"), Output(ids.LENS_COMP_TABLE, "columnDefs"),
          Input(ids.URL, "search"), Input(ids.LENS_COMP, "id"))
@guard(5, notice_at=2)
@data.memo_callback()   # per warehouse build (IA_CALLBACK_CACHE)
def update_composite(search, _rendered):
    """Driven by the URL alone: every control (weights, signs, filters) writes it first (sync_url)."""
    st, lang = resolved(state_of(search)), lang_of(search)
    pol = _polarity()
    ings = lens.parse_composite(st.cw, pol)
    if not ings:
        return go.Figure(), "", dbc.Alert(t("lens_comp_none", lang), color="info", className="py-1"), [], []
    reg = data.regions(st.ll)
    raw = reg.set_index("ags")[["name", "land_ags", "kommunaltyp", "size_class", "size_class_fine", "east_west",
                                "bbsr_kreistyp"]].copy()
    metas = {}
    for i in ings:
        v, meta = _values(i.ind, st.ll)
        raw[i.ind] = v.drop_duplicates("ags").set_index("ags")["value"].reindex(raw.index).astype(float)
        metas[i.ind] = meta
    m = filters.mask(raw.reset_index(), st)
    raw = raw[m]
    groups = _group_col(raw, [st.cg], st.br, lang, dict(data.lands())) if st.cg else None
    tab = lens.composite_table(raw, ings, groups, st.cz)
    n_drop = int(len(raw) - len(tab))
    labels = {i.ind: indicator_label(data.indicator(i.ind), lang) for i in ings}
    fig = composite_figure(tab.head(TOP_N), ings, labels, lang)
    stable = int(((tab["rank_max"] - tab["rank_min"]) == 0).head(10).sum())
    top10 = tab.head(10)
    summary = t("lens_comp_summary", lang, n=len(tab), drop=n_drop, stable=stable,
                wmax=int(top10["rank_max"].max()) if len(top10) else 0)
    dates = {labels[k]: _date_of(mt) for k, mt in metas.items()}
    warn = mismatch_text(dates, lang)
    weights_txt = "; ".join(f"{labels[i.ind]} × {fmt_number(i.weight, lang)} ({'+' if i.sign > 0 else '−'})" for i in ings)
    note = [html.P(t("lens_comp_weights", lang, w=weights_txt, how=t(f"lens_cz_{st.cz}", lang),
                     within=t(f"facet_{st.cg}", lang) if st.cg else t("lens_within_all", lang)),
                   className="small mb-1", id="lens-comp-weights")]
    if warn:
        note.append(dbc.Alert(warn, color="warning", className="py-1 mb-1", id="lens-comp-warning"))
    src = " | ".join(source_text(mt, lang) for mt in metas.values())
    cap = reach.caption_children(summary, src, None, lang)
    cols = [{"field": "rank", "headerName": t("lens_col_rank", lang), "width": 95, "pinned": "left"},
            {"field": "name", "headerName": t("col_name", lang), "width": 220, "pinned": "left"},
            {"field": "ags", "headerName": t("col_ags", lang), "width": 100},
            {"field": "score", "headerName": t("lens_col_score", lang), "type": "numericColumn", "width": 110},
            {"field": "rank_range", "headerName": t("lens_col_rank_range", lang), "width": 150}]
    for i in ings:
        u = indicator_unit(data.indicator(i.ind), lang)
        cols.append({"field": f"raw_{i.ind}", "headerName": f"{labels[i.ind]} ({u})", "type": "numericColumn"})
        cols.append({"field": f"std_{i.ind}", "headerName": f"{labels[i.ind]} ({t(f'lens_cz_short_{st.cz}', lang)}, "
                     f"{'+' if i.sign > 0 else '−'}, w={fmt_number(i.weight, lang)})", "type": "numericColumn"})
    rows = [{"rank": int(rk), "name": nm, "ags": ags, "score": _round(sc), "rank_range": f"{int(lo)}–{int(hi)}"}
            for ags, rk, nm, sc, lo, hi in zip(tab.index.tolist(), *(tab[c].tolist() for c in
                                                                   ("rank", "name", "score", "rank_min", "rank_max")))]
    for i in ings:          # column by column (plain lists), not a Series per row
        for row, a, b in zip(rows, tab[i.ind].tolist(), tab[f"std_{i.ind}"].tolist()):
            row[f"raw_{i.ind}"], row[f"std_{i.ind}"] = _round(a), _round(b)
    return fig, cap, note, rows, cols


def composite_figure(top: pd.DataFrame, ings, labels: dict, lang: str) -> dict:
    """Stacked contributions (weight share × signed standardised value) per place: the composite is the sum,
    never shown without its ingredients; the rank range (±50 % per weight) in the bar label."""
    if top.empty:
        return figdict.empty()
    d = top.iloc[::-1]
    ylab = [f"{rk:.0f}. {nm} ({lo:.0f}–{hi:.0f})" for rk, nm, lo, hi in
            zip(d["rank"].tolist(), d["name"].tolist(), d["rank_min"].tolist(), d["rank_max"].tolist())]
    traces = [{"hovertemplate": "%{y}<br>" + labels[i.ind] + ": %{x:.2f}<extra></extra>",
               "marker": {"color": FACET_COLOURS[k % len(FACET_COLOURS)]}, "name": labels[i.ind], "orientation": "h",
               "x": d[f"con_{i.ind}"].to_numpy(dtype=float), "y": list(ylab), "type": "bar"}
              for k, i in enumerate(ings)]
    traces.append({"marker": {"color": "#000", "line": {"width": 2}, "size": 14, "symbol": "line-ns-open"},
                   "mode": "markers", "name": t("lens_col_score", lang), "x": d["score"].to_numpy(dtype=float),
                   "y": list(ylab), "type": "scatter"})
    return figdict.figure(traces, {**LAYOUT, "barmode": "relative", "xaxis": {"title": {"text": t("lens_comp_x", lang)}},
                                   "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom"}, "height": 550})


# -- share of protection seekers vs share of population ----------------------------------------------------

def share_year() -> int | None:
    """Latest year with protection seekers and population at Kreis level (same reference date 31.12.)."""
    cat = data.catalogue()
    ys = set(cat.available.get("protection_seekers", {}).get("kreis", [])) & set(
        cat.available.get("population", {}).get("kreis", []))
    return max(ys) if ys else None


@data.memo(maxsize=8)     # the same for every visitor (callers must not mutate it)
def land_share(year: int) -> tuple[pd.DataFrame, dict]:
    """Per Land: protection seekers (Kreise summed: booking clusters lie inside one Land) and population of the
    same date, both as group figures (warehouse.queries.group_aggregate, kind count = sum); KS latest year."""
    ps = data.group_aggregate("protection_seekers", "kreis", year, ["land"], {}, "own")
    pop = data.group_aggregate("population", "kreis", year, ["land"], {}, "own")
    df = ps[["land", "value", "n", "n_with_value"]].rename(columns={"value": "seekers"}).merge(
        pop[["land", "value"]].rename(columns={"value": "population"}), on="land")
    lands = dict(data.lands())
    df["key"] = df["land"].astype(str)
    df["name"] = df["key"].map(lands)
    out = lens.share_vs_population(df)
    ks_year = _latest("koenigsteiner_schluessel_share", "land")
    ks_meta = {}
    if ks_year:
        ks = data.values("koenigsteiner_schluessel_share", "land", ks_year)
        out = out.merge(ks[["ags", "value"]].rename(columns={"ags": "key", "value": "ks"}), on="key", how="left")
        ks_meta = {**data.meta("koenigsteiner_schluessel_share", "land", ks_year), "year": ks_year}
    else:
        out["ks"] = np.nan
    return out, ks_meta


def kreis_share(year: int, land: str, lang: str) -> tuple[pd.DataFrame, int]:
    ps = data.values("protection_seekers", "kreis", year)
    pop = data.values("population", "kreis", year)
    k = ps[ps["land_ags"].astype(str) == land][["ags", "name", "land_ags", "kommunaltyp", "value", "flag"]].rename(
        columns={"value": "seekers"}).merge(pop[["ags", "value"]].rename(columns={"value": "population"}), on="ags")
    guest = k["flag"].fillna("") == "booked_elsewhere"     # "Kassel" the Landkreis next to "Kassel, documenta-Stadt"
    k.loc[guest, "name"] = [f"{nm} ({facet_label('kommunaltyp', kt, lang)})"
                            for nm, kt in zip(k.loc[guest, "name"], k.loc[guest, "kommunaltyp"])]
    merged, dropped = lens.merge_booking_clusters(k)
    merged["key"] = merged["ags"]
    merged["name"] = merged["members"]
    return lens.share_vs_population(merged), dropped


def share_figure(d: pd.DataFrame, lang: str, ks_year: int | None, height: int | None = None) -> dict:
    """Bars of the ratio, sorted; the bar text carries the counts (and the Königsteiner Schlüssel share with its year)."""
    d = d[d["ratio"].notna()].iloc[::-1]
    if d.empty:
        return figdict.figure(layout={"height": height} if height is not None else None)
    text = [t("lens_share_bar", lang, s=fmt_number(s, lang, 0), p=fmt_number(p, lang, 0), r=fmt_number(r, lang, 2))
            + (t("lens_share_bar_ks", lang, year=ks_year, ks=fmt_number(k, lang, 2), sp=fmt_number(sp, lang, 2))
               if ks_year and pd.notna(k) else "")
            for s, p, r, k, sp in zip(d["seekers"], d["population"], d["ratio"], d.get("ks", pd.Series(np.nan, d.index)),
                                      d["share_population"])]
    colours = ["#D55E00" if r > 1 else "#0072B2" for r in d["ratio"]]
    bar = {"cliponaxis": False, "hovertemplate": "%{y}: %{x:.2f}<extra></extra>", "marker": {"color": colours},
           "name": t("lens_share_ratio", lang), "orientation": "h", "text": text, "textfont": {"size": 10},
           "textposition": "outside", "x": d["ratio"].to_numpy(dtype=float), "y": d["name"].to_numpy(dtype=object),
           "type": "bar"}
    # room on the right for the counts beside each bar
    layout = {**LAYOUT, "showlegend": False, "bargap": 0.25,
              "xaxis": {"range": [0, float(d["ratio"].max()) * (2.3 if ks_year else 1.9)],
                        "title": {"text": t("lens_share_x", lang)}},
              "shapes": [figdict.vline(1, {"color": "#000", "width": 1.5})]}
    if height is not None:
        layout["height"] = height
    return figdict.figure([bar], layout)


@data.warmer
def warm_role_options() -> int:
    """The pressure/capacity dropdowns of both levels and languages (the page layout of every first visit)."""
    for role in ("pressure", "capacity"):
        for level in LEVEL_LEN:
            for lang in ("de", "en"):
                _role_options(role, level, lang)
    return 8


@data.warmer
def warm_land_share() -> int:
    """The Länder share chart's group figures (the same for every visitor of /kapazitaet: it has no selection)."""
    year = share_year()
    if year is not None:
        land_share(year)
    return 1


@callback(Output(ids.LENS_SHARE, "figure"), Output(f"{ids.LENS_SHARE}-cap", "children"),
          Output(ids.LENS_SHARE_TABLE, "rowData"), Output(ids.LENS_SHARE_TABLE, "columnDefs"),
          Output(ids.LENS_SHARE_K, "figure"), Output(f"{ids.LENS_SHARE_K}-cap", "children"),
          Output(ids.LENS_SHARE_K_TABLE, "rowData"), Output(ids.LENS_SHARE_K_TABLE, "columnDefs"),
          Output(ids.LENS_SHARE_K, "style"),
          Input(ids.LENS_SL, "value"), State(ids.URL, "search"))
@guard(9, notice_at=1)
@data.memo_callback()   # per warehouse build (IA_CALLBACK_CACHE)
def update_share(sl, search):
    (sl,) = checked(sl=sl)
    lang = lang_of(search)
    year = share_year()
    if year is None:
        return (go.Figure(), t("sum_empty", lang), [], [], go.Figure(), "", [], [], {"height": "60px"})
    d, ks_meta = land_share(year)
    fig = share_figure(d, lang, ks_meta.get("year"))
    mps, mpop = data.meta("protection_seekers", "kreis", year), data.meta("population", "kreis", year)
    ks_txt = (t("lens_share_ks", lang, year=ks_meta["year"]) + " " + source_text(ks_meta, lang)) if ks_meta else \
        t("lens_share_ks_none", lang)
    hi = d.iloc[0] if len(d) else None
    summary = t("lens_share_summary", lang, date=fmt_date(_date_of(mps), lang), n=int(d["ratio"].notna().sum()),
                hi=hi["name"] if hi is not None else "–", r=fmt_number(hi["ratio"], lang, 2) if hi is not None else "–")
    warn = mismatch_text({t("lens_share_seekers", lang): _date_of(mps), t("lens_share_pop", lang): _date_of(mpop),
                          t("lens_share_ks_short", lang): f"{ks_meta['year']}-12-31" if ks_meta else None}, lang)
    cap = [html.Span(summary, className="ia-summary d-block"),
           html.Span(t("lens_share_not_quota", lang), className="d-block fw-semibold", id="lens-share-not-quota"),
           html.Span(warn, className="d-block text-warning-emphasis", id="lens-share-warning") if warn else None,
           html.Span(source_text(mps, lang) + " | " + source_text(mpop, lang), className="ia-source d-block"),
           html.Span(ks_txt, className="ia-source d-block")]
    cols = share_columns(lang, ks_meta)
    rows = [{"name": r.name, "key": r.key, "seekers": _round(r.seekers, 0), "population": _round(r.population, 0),
             "share_seekers": _round(r.share_seekers, 2), "share_population": _round(r.share_population, 2),
             "ratio": _round(r.ratio, 3), "ks": _round(r.ks, 5)} for r in d.itertuples()]
    if not sl:
        return fig, cap, rows, cols, go.Figure(), t("lens_share_land_none", lang), [], share_columns(lang, {}), \
            {"height": "60px"}
    k, dropped = kreis_share(year, sl, lang)
    kfig = share_figure(k, lang, None, height=max(300, 24 * int(k["ratio"].notna().sum()) + 80))
    lname = dict(data.lands()).get(sl, sl)
    ksum = t("lens_share_kreis_summary", lang, land=lname, n=int(k["ratio"].notna().sum()),
             clusters=int(k.get("cluster", pd.Series(dtype=bool)).fillna(False).sum()), dropped=dropped)
    kcap = [html.Span(ksum, className="ia-summary d-block"), html.Span(t("lens_share_not_quota", lang), className="d-block"),
            html.Span(source_text(mps, lang) + " | " + source_text(mpop, lang), className="ia-source d-block")]
    krows = [{"name": r.name, "key": r.key, "seekers": _round(r.seekers, 0), "population": _round(r.population, 0),
              "share_seekers": _round(r.share_seekers, 2), "share_population": _round(r.share_population, 2),
              "ratio": _round(r.ratio, 3)} for r in k.itertuples()]
    return fig, cap, rows, cols, kfig, kcap, krows, share_columns(lang, {}, kreis=True), {"height": f"{figdict.height(kfig)}px"}


def share_columns(lang: str, ks_meta: dict, kreis: bool = False) -> list[dict]:
    cols = [{"field": "name", "headerName": t("col_name", lang), "flex": 2},
            {"field": "key", "headerName": t("col_ags", lang), "width": 90},
            {"field": "seekers", "headerName": t("lens_share_seekers", lang), "type": "numericColumn"},
            {"field": "population", "headerName": t("lens_share_pop", lang), "type": "numericColumn"},
            {"field": "share_seekers", "headerName": t("lens_share_s_pct", lang), "type": "numericColumn"},
            {"field": "share_population", "headerName": t("lens_share_p_pct", lang), "type": "numericColumn"},
            {"field": "ratio", "headerName": t("lens_share_ratio", lang), "type": "numericColumn"}]
    if ks_meta:
        cols.append({"field": "ks", "headerName": t("lens_share_ks_col", lang, year=ks_meta["year"]),
                     "type": "numericColumn"})
    return cols


# -- CSV of exactly what a table shows -----------------------------------------------------------------

GRIDS = (ids.LENS_QUAD_TABLE, ids.LENS_CARD_TABLE, ids.LENS_COMP_TABLE, ids.LENS_SHARE_TABLE, ids.LENS_SHARE_K_TABLE)


@callback(Output(ids.LENS_DOWNLOAD, "data"), Input({"type": "lens-csv", "grid": ALL}, "n_clicks"),
          *[State(g, "virtualRowData") for g in GRIDS], *[State(g, "columnDefs") for g in GRIDS],
          *[State(f"{c}-cap", "children") for c in (ids.LENS_QUAD, ids.LENS_CARD, ids.LENS_COMP, ids.LENS_SHARE,
                                                     ids.LENS_SHARE_K)],
          State(ids.URL, "search"), prevent_initial_call=True)
@guard(1)
def download(clicks, *states):
    trig = ctx.triggered_id
    if not isinstance(trig, dict) or not any(clicks or []):
        raise PreventUpdate
    n = len(GRIDS)
    rows_by, cols_by, caps = states[:n], states[n:2 * n], states[2 * n:3 * n]
    search = states[-1]
    k = GRIDS.index(trig["grid"])
    st = state_of(search)
    body = csv_bytes(rows_by[k] or [], cols_by[k] or [], _caption_text(caps[k]), search, st)
    return dcc.send_bytes(body, f"integrationsatlas_kapazitaet_{trig['grid'].replace('lens-', '')}.csv")


def _caption_text(children) -> list[str]:
    """The caption's lines (summary, sources with table code, reference date and licence) as plain text."""
    out = []

    def walk(c):
        if c is None:
            return
        if isinstance(c, str):
            out.append(c)
        elif isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
        elif isinstance(c, dict):
            walk(c.get("props", {}).get("children"))
        else:
            walk(getattr(c, "children", None))
    walk(children)
    return [s for s in out if s and s.strip()]


def csv_bytes(rows: list[dict], cols: list[dict], caption: list[str], search: str, st: AppState) -> bytes:
    """The grid's rows in its column order with its headers; '#' lines before them name the view, its sources
    (table codes, reference dates) and the licence — the same layout as etl.export.to_csv_bytes."""
    fields = [c["field"] for c in cols]
    df = pd.DataFrame(rows or [], columns=fields)[fields].rename(columns={c["field"]: c.get("headerName", c["field"])
                                                                         for c in cols})
    buf = io.StringIO()
    buf.write(f"# Titel / title: Integrationsatlas – Aufnahme & Kapazität ({PAGE_PATH}{search or ''})\n")
    for line in caption:
        buf.write(f"# {line}\n")
    buf.write(f"# Lizenz / licence: {LICENCE_TEXT}\n")
    buf.write(f"# Filter / filters: {st.filters() or '–'}\n")
    buf.write(f"# Erstellt / exported: {datetime.now(timezone.utc).isoformat(timespec='seconds')}\n")
    df.to_csv(buf, sep=";", index=False)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


PAGE_PATH = "/kapazitaet"
_ = (facet_label, no_update)
