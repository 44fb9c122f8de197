"""Karte / Map: choropleth of one indicator, level and year with classification, legend and filters.

Geometry is referenced by its content-hashed URL (downloaded once, cached immutable) and drawn by
assets/ia_map.js inside Plotly's map; each interaction sends only the paint payload (class per unit,
formatted values, flags, faded units) to a store, and a clientside callback recolours via feature-state.
"""
from __future__ import annotations

import logging

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html, no_update

from .. import data, ids
from ..callbacks_util import expect, guard, lang_of, page_stores, register_url_sync, state_from
from ..components import classify, controls, filters, grid, legend, mapfig, palettes, reach, tabs
from ..components.footer import source_text
from ..i18n import fmt_date, indicator_label, indicator_unit, t
from ..state import CLASSIFICATIONS, K_MAX, K_MIN, PALETTES, AppState
from ..components.widgets import dropdown

dash.register_page(__name__, path="/", name="Karte", title="Integrationsatlas – Karte", layout=lambda **_: None)

log = logging.getLogger(__name__)
MAP_META = "map-meta"
MAP_GEO = "map-geo"
MAP_FIRST = "map-first"
MAP_WRAP = "map-wrap"
MAP_NO_BOUNDARY = "map-no-boundary"
TABS_VIEW = "karte-tabs"   # Karte | Tabelle (components/tabs.py), tab=table in the URL
PAGE = "karte"
MAP_CONTROLS = [(ids.pid(PAGE, ids.INDICATOR), "value", "ind"), (ids.pid(PAGE, ids.LEVEL), "value", "level"),
                (ids.pid(PAGE, ids.YEAR), "value", "year"),
                (ids.CLS, "value", "cls"), (ids.K, "value", "k"), (ids.PAL, "value", "pal"),
                *filters.filter_controls(PAGE)]


def map_controls(state: AppState, lang: str):
    lbl = lambda key, target: html.Label(t(key, lang), htmlFor=target, className="form-label small fw-semibold mb-0")
    return html.Div([
        lbl("classification", ids.CLS),
        dropdown(lang, id=ids.CLS, options=[{"label": t(f"cls_{c}", lang), "value": c} for c in CLASSIFICATIONS],
                     value=state.cls, clearable=False, className="mb-2"),
        lbl("classes", ids.K),
        dcc.Slider(id=ids.K, min=K_MIN, max=K_MAX, step=1, value=state.k,
                   marks={i: str(i) for i in range(K_MIN, K_MAX + 1)}, className="mb-2", allow_direct_input=False),
        lbl("palette", ids.PAL),
        dropdown(lang, id=ids.PAL, options=[{"label": t(f"pal_{p}", lang), "value": p} for p in PALETTES],
                     value=state.pal, clearable=False, className="mb-2"),
    ])


@data.warmer
def warm_classify() -> None:
    """Import mapclassify (and scipy behind it, ~3 s) before the first map, not during it."""
    import mapclassify  # noqa: F401


@data.memo(maxsize=64)     # the page layout per warehouse build and URL state (IA_CALLBACK_CACHE); with its first payload
def build(state: AppState, **_):
    lang = state.lang
    cat = data.catalogue()
    geo_url = data.geo_assets().get(state.level)
    first_paint, first_meta = first_payload(state, geo_url)
    fig = mapfig.host_figure()
    sidebar = [
        html.Label(t("search", lang), htmlFor=ids.SEARCH, className="form-label small fw-semibold mb-0"),
        controls.search_dropdown(ids.SEARCH, lang),
        controls.indicator_block(state, controls.catalogue_options(lang), cat, lang, PAGE),
        map_controls(state, lang),
        filters.panel(state, data.lands(), lang, PAGE),
    ]
    main = [
        html.Div([html.H1(id="map-title", className="h5 mb-1"),
                  reach.export_tools(ids.MAP, "map", lang, source_from=ids.MAP_FOOTER)],
                 className="d-flex justify-content-between align-items-start gap-2"),
        html.Div(id=ids.MAP_NOTICE, **{"aria-live": "polite"}),
        tabs.tab_view(TABS_VIEW, state, lang, [
            ("map", t("tab_map", lang), [
                html.Div([
                    dcc.Graph(id=ids.MAP, figure=fig, config={"displaylogo": False, "scrollZoom": True,
                                                              "modeBarButtonsToRemove": ["select2d", "lasso2d"]},
                              style={"height": "545px"}, className="map-graph"),
                    html.Div(id=ids.LEGEND, className="legend-overlay"),
                ], id=MAP_WRAP, className="position-relative map-wrap", style={} if geo_url else {"display": "none"},
                    role="application", tabIndex=0, **{"aria-label": t("map_keyboard_label", lang),
                                                       "aria-describedby": f"{ids.MAP_ALT} map-keys",
                                                       "data-ia-keyboard": "1"}),
                html.P(id=ids.MAP_ALT, className="visually-hidden"),
                html.P(t("map_keyboard_help", lang), id="map-keys", className="small text-muted mb-0"),
                html.P(id=ids.MAP_STATUS, className="small text-danger mb-0", role="status"),
            ]),
            ("table", t("tab_table", lang), [   # the table alternative: rows travel only while this tab is shown
                dag.AgGrid(id=ids.MAP_TABLE, rowData=[], columnDefs=table_columns(lang),
                           dashGridOptions=grid.options(lang, animateRows=False),
                           defaultColDef={"sortable": True, "filter": True, "resizable": True},
                           style={"height": "420px"}, className="ag-theme-alpine"),
            ]),
        ], label=t("tabs_label_map", lang), fallback=None if geo_url else "table"),
        html.P(id=ids.MAP_FOOTER, className="source-footer small text-muted mb-1"),
        html.P(id=MAP_NO_BOUNDARY, className="small text-muted mb-1"),
        page_stores("karte"),
        dcc.Store(id=MAP_META, data=first_meta),
        # read by iamap.prepare only: no callback writes it, so the geometry is added while update_map runs
        dcc.Store(id=MAP_GEO, data={"url": geo_url, "graph": ids.MAP, "tiles": data.geo_tiles(geo_url)}),
        dcc.Store(id=ids.MAP_PAINT), dcc.Store(id=ids.MAP_CLICK),
        # the first payload, painted by iamap.paintFirst as soon as the layout is rendered (no callback writes
        # it: a store update_map writes would wait for update_map's answer, which then is no_update)
        dcc.Store(id=MAP_FIRST, data=mapfig.for_transport(first_paint)),
    ]
    return dbc.Row([dbc.Col(sidebar, lg=3, md=4, className="sidebar"), dbc.Col(main, lg=9, md=8)])


@data.memo(maxsize=64)     # shared by the page layout and the map's still image (dashboard/poster.py)
def first_payload(state: AppState, geo_url: str | None) -> tuple[dict | None, dict]:
    """The first paint payload inside the page layout (the map paints as soon as the layout is rendered, one
    round trip earlier) and the meta store naming it, so update_map's first answer does not send it again."""
    meta = {"level": state.level, "url": geo_url, "lang": state.lang}
    if not geo_url or state.tab == "table":
        return None, meta
    try:
        p = full_outputs(state, state.lang)[0]
    except Exception:  # noqa: BLE001 - update_map then paints (and reports) as before
        log.warning("first map payload not built for %s", state, exc_info=True)
        return None, meta
    if not isinstance(p, dict):
        return None, meta
    return {**p, "status": ids.MAP_STATUS}, {**meta, "units_key": p["units_key"], "painted": mapfig.paint_digest(p)}


def filtered_values(st: AppState) -> tuple[pd.DataFrame, np.ndarray]:
    """Values at the state's level/year for every unit and the filter mask."""
    df = data.values_or_empty(st.ind, st.level, st.year)
    if df.empty:
        return df, np.zeros(0, dtype=bool)
    return df, filters.mask(df, st)


def table_columns(lang: str) -> list[dict]:
    """Columns of the table alternative (also at build time: a grid without columns has invalid ARIA)."""
    # the value right after the name: on a phone (390 px) name and value are what fits without scrolling
    return [{"field": "name", "headerName": t("col_name", lang), "flex": 2, "minWidth": 150},
            {"field": "value", "headerName": t("col_value", lang), "type": "numericColumn", "width": 110},
            {"field": "reference_date", "headerName": t("col_reference_date", lang), "width": 130},
            {"field": "flag", "headerName": t("col_flag", lang), "width": 110},
            {"field": "ags", "headerName": t("col_ags", lang), "width": 110}]


def table_rows(df: pd.DataFrame, m: np.ndarray, lang: str) -> tuple[list[dict], list[dict]]:
    cols = table_columns(lang)
    sub = df[m] if len(m) else df
    rows = [{"name": r.name, "ags": r.ags, "value": None if pd.isna(r.value) else round(float(r.value), 3),
             "flag": r.flag if isinstance(r.flag, str) else "", "reference_date": fmt_date(r.reference_date, lang)
             if pd.notna(r.reference_date) else ""} for r in sub.itertuples()]
    return rows, cols


@callback(Output(ids.MAP_PAINT, "data"), Output(MAP_META, "data"), Output(ids.LEGEND, "children"),
          Output(ids.MAP_FOOTER, "children"),
          Output(ids.MAP_NOTICE, "children"), Output(ids.MAP_ALT, "children"), Output(ids.pid(PAGE, ids.FILTER_NOTE), "children"),
          Output(MAP_WRAP, "style"), Output("map-title", "children"), Output(MAP_NO_BOUNDARY, "children"),
          *[Input(cid, prop) for cid, prop, _ in MAP_CONTROLS], State(ids.URL, "search"), State(MAP_META, "data"))
@guard(10, notice_at=4)
@data.memo_callback(maxsize=32)   # per warehouse build (IA_CALLBACK_CACHE); a Gemeinde payload is ~1 MB
def update_map(*args):
    *vals, search, meta = args
    meta = expect(MAP_META, meta)             # the store this callback writes: a dict or nothing
    st = state_from(MAP_CONTROLS, vals, search)
    out = outputs_for(st, lang_of(search), meta)
    p = out[0]
    if isinstance(p, dict) and (meta or {}).get("painted") == mapfig.paint_digest(p):
        out = (no_update, *out[1:])           # the layout brought this very payload: painted already
    else:
        out = (mapfig.for_transport(p), *out[1:])
    return out


@data.memo(maxsize=16)     # the page layout's first payload and update_map's first answer (a ~1 MB Gemeinde payload)
def full_outputs(st: AppState, lang: str) -> tuple:
    """map_outputs for a browser that holds no units yet; callers must not change what it returns."""
    return map_outputs(st, lang, None)


def outputs_for(st: AppState, lang: str, meta: dict | None) -> tuple:
    """map_outputs(st, lang, meta), computed once for the page layout and update_map's first answer: a browser
    that holds the payload's units (meta's units_key) gets it without the units block, which is all that meta
    changes (tests/test_map_transport.py checks the equality)."""
    out = full_outputs(st, lang)
    p = out[0]
    if isinstance(p, dict) and (meta or {}).get("units_key") == p.get("units_key"):
        out = ({k: v for k, v in p.items() if k not in mapfig.UNIT_KEYS}, *out[1:])
    return out


def map_outputs(st: AppState, lang: str, meta: dict | None) -> tuple:
    """update_map's ten outputs for a state (also used by build() for the first paint, without a round trip)."""
    ind_row = data.indicator(st.ind)
    unit = indicator_unit(ind_row, lang) if ind_row else ""
    df, m = filtered_values(st)
    meta_src = data.meta(st.ind, st.level, st.year) if ind_row else {}
    title = map_title(ind_row, st, meta_src, lang) if ind_row else ""
    notice = None
    if df.empty:
        notice = dbc.Alert(t("error_generic", lang), color="warning", className="py-1")
    idx, cls = classify.classify(df["value"] if len(df) else pd.Series(dtype=float), st.cls, st.k)
    colours = palettes.class_colours(st.pal, cls.k)
    geo_url = data.geo_assets().get(st.level)
    missing = data.no_boundary(st.level)
    shown = set(df["ags"].tolist())           # (a set: pandas' isin on arrow strings took ~0.2 s here)
    missing = missing[[a in shown for a in missing["ags"].tolist()]] if len(df) else missing.iloc[0:0]
    n_no_boundary = len(missing)
    no_boundary_text = html.Span(t("map_no_boundary_list", lang, units="; ".join(
        f"{r.name} ({r.ags})" for r in missing.itertuples())),
        title=" | ".join(sorted(set(missing["note"].dropna().astype(str))))) if n_no_boundary else ""
    n_filtered = int((~m).sum()) if len(m) else 0
    leg = legend.legend(cls, colours, lang, unit, n_no_data=int((idx < 0).sum()), n_no_boundary=n_no_boundary,
                        n_filtered=n_filtered, title=unit or t("legend", lang))
    alt = t("map_alt", lang, indicator=indicator_label(ind_row, lang) if ind_row else "", level=t("level_" + st.level, lang),
            year=st.year, n=int((idx >= 0).sum()))
    fnote = t("filtered_note", lang, n=int(m.sum()), m=len(m)) if n_filtered else ""
    if not geo_url:
        notice = dbc.Alert(t("map_no_geometry", lang), color="info", className="py-1")
        return (no_update, {"level": st.level, "url": None, "lang": lang}, leg, source_text(meta_src, lang),
                notice, alt, fnote, {"display": "none"}, title, no_boundary_text)
    p = mapfig.paint_payload(df, idx, m if len(m) else np.ones(len(df), bool), colours, lang, unit, geo_url,
                             browser_units_key=(meta or {}).get("units_key"), graph=ids.MAP,
                             click_target=ids.MAP_CLICK, tiles=data.geo_tiles(geo_url), units_version=data._ident())
    focus = [a for a in st.sel if len(a) == len(df["ags"].iloc[0])] if len(df) else []
    names = dict(zip(df["ags"].tolist(), df["name"].tolist())) if focus else {}
    labels = [{"name": str(names.get(a, a)), **c} for a in focus if (c := data.centroid(a, st.level))]
    p["focus"] = {"ags": focus, "bbox": data.bbox(focus, st.level), "labels": labels} if focus else None
    new_meta = {"level": st.level, "url": geo_url, "lang": lang, "units_key": p["units_key"]}
    return (p, new_meta, leg, source_text(meta_src, lang), notice, alt, fnote, {}, title, no_boundary_text)


def caption(st: AppState) -> tuple[str, str]:
    """The map's title and source line for a state (the still image's caption, dashboard/poster.py): the same
    texts update_map gives, so the image names its source, table, reference date and licence before Dash has
    rendered the page's own title and footer."""
    ind_row = data.indicator(st.ind)
    if not ind_row:
        return "", ""
    meta_src = data.meta(st.ind, st.level, st.year)
    return map_title(ind_row, st, meta_src, st.lang), source_text(meta_src, st.lang)


def map_title(ind_row, st, meta_src: dict, lang: str) -> str:
    """Indicator · level · the reference date of the values shown (a range when they differ)."""
    if meta_src.get("dates"):
        when = " – ".join(fmt_date(d, lang) for d in meta_src["dates"])
    else:
        when = fmt_date(meta_src["reference_date"], lang) if meta_src.get("reference_date") else str(st.year)
    return f"{indicator_label(ind_row, lang)} · {t('level_' + st.level, lang)} · {t('footer_date', lang)} {when}"


@callback(Output(ids.MAP_TABLE, "rowData"), Output(ids.MAP_TABLE, "columnDefs"),
          Input(tabs.value_id(TABS_VIEW), "data"), *[Input(cid, prop) for cid, prop, _ in MAP_CONTROLS],
          State(ids.URL, "search"))
@guard(2)
@data.memo_callback(maxsize=32)   # per warehouse build (IA_CALLBACK_CACHE)
def fill_map_table(tab, *args):
    """The table alternative to the map; its rows (one per unit) are sent only while it is open."""
    if tab != "table":
        return no_update, no_update
    *vals, search = args
    st = state_from(MAP_CONTROLS, vals, search)
    df, m = filtered_values(st)
    return table_rows(df, m, lang_of(search))


# an output Dash never shows (the store's own timestamp prop): without one, no initial call
clientside_callback(ClientsideFunction("iamap", "prepare"), Output(MAP_GEO, "modified_timestamp"), Input(MAP_GEO, "data"))
clientside_callback(ClientsideFunction("iamap", "paintFirst"), Output(MAP_FIRST, "modified_timestamp"),
                    Input(MAP_FIRST, "data"))
clientside_callback(ClientsideFunction("iamap", "paint"), Output(ids.MAP_STATUS, "children"),
                    Input(ids.MAP_PAINT, "data"))

register_url_sync("karte", MAP_CONTROLS)
tabs.register(TABS_VIEW, ("map", "table"))
