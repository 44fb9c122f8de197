"""Vergleich / Compare: group figures (ratio of sums with n and population), distributions with a
highlighted unit, scatter of two indicators, time series and up to 8 units side by side."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html

from etl.errors import UnknownSelection

from .. import data, ids
from ..callbacks_util import guard, lang_of, page_stores, register_url_sync, state_from
from ..components import controls, filters, grid, reach, tabs
from ..components.charts import (distribution_figure, group_bar_figure, group_labels, scatter_figure,
                                 selection_rows, timeseries_figure)
from ..components.footer import source_text
from ..components.group_series import GRAPH_ID as GROUP_TS, group_series_figure, series_summary
from ..i18n import fmt_number, indicator_label, indicator_unit, t
from ..state import DIST_MODES, FACETS, MAX_SELECTION, AppState, serialise
from ..components.widgets import dropdown

dash.register_page(__name__, path="/vergleich", name="Vergleich", title="Integrationsatlas – Vergleich",
                   layout=lambda **_: None)

CMP_NOTICE = "cmp-notice"
CMP_TITLE = "cmp-title"
SEL_TITLE = "cmp-selection-title"
TABS_VIEW = "vergleich-tabs"   # Diagramme | Tabelle (components/tabs.py)
PAGE = "vergleich"
CMP_CONTROLS = [(ids.pid(PAGE, ids.INDICATOR), "value", "ind"), (ids.pid(PAGE, ids.LEVEL), "value", "level"),
                (ids.pid(PAGE, ids.YEAR), "value", "year"),
                (ids.CMP_BY, "value", "by"), (ids.CMP_SEL, "value", "sel"), (ids.CMP_X, "value", "x"),
                (ids.CMP_Y, "value", "y"), (ids.CMP_COL, "value", "col"), (ids.CMP_DIST_MODE, "value", "dist"),
                *filters.filter_controls(PAGE)]


@data.memo(maxsize=256)    # the page layout per warehouse build and URL state (IA_CALLBACK_CACHE)
def build(state: AppState, **_):
    lang = state.lang
    cat = data.catalogue()
    all_opts = controls.catalogue_options(lang)
    ind_opts = [o for o in all_opts if not o["disabled"]]
    facet_opts = [{"label": t(f"facet_{f}", lang), "value": f} for f in FACETS]
    sel_opts = [{"label": data.label_for(a), "value": a} for a in state.sel]
    lbl = lambda key, target: html.Label(t(key, lang), htmlFor=target, className="form-label small fw-semibold mb-0")
    sidebar = [
        controls.indicator_block(state, all_opts, cat, lang, PAGE),
        lbl("compare_by", ids.CMP_BY),
        dropdown(lang, id=ids.CMP_BY, options=facet_opts, value=list(state.by), multi=True, className="mb-2"),
        lbl("selection", ids.CMP_SEL),
        controls.search_dropdown(ids.CMP_SEL, lang, multi=True, value=list(state.sel), options=sel_opts),
        lbl("scatter_x", ids.CMP_X),
        dropdown(lang, id=ids.CMP_X, options=ind_opts, value=state.x or state.ind, clearable=False, className="mb-1"),
        lbl("scatter_y", ids.CMP_Y),
        dropdown(lang, id=ids.CMP_Y, options=ind_opts, value=state.y or _default_y(state, cat), clearable=False,
                     className="mb-1"),
        lbl("scatter_colour", ids.CMP_COL),
        dropdown(lang, id=ids.CMP_COL, options=facet_opts, value=state.col, clearable=False, className="mb-2"),
        filters.panel(state, data.lands(), lang, PAGE),
    ]
    main = [
        html.H1(t("nav_compare", lang), id=CMP_TITLE, className="h5 mb-1"),
        html.Div(id=CMP_NOTICE, **{"aria-live": "polite"}),
        dbc.Row([
            dbc.Col([reach.chart_figure(ids.CMP_BARS, t("compare_groups", lang), lang)], lg=6),
            dbc.Col([reach.chart_figure(ids.CMP_DIST, t("distribution", lang), lang, 455, extra=dbc.RadioItems(
                id=ids.CMP_DIST_MODE, value=state.dist, inline=True, className="small",
                options=[{"label": t(f"dist_{m}", lang), "value": m} for m in DIST_MODES]))], lg=6),
        ]),
        dbc.Row([
            dbc.Col([reach.chart_figure(ids.CMP_SCATTER, t("scatter", lang), lang, 360,
                                        extra=html.Div(id=ids.CMP_SCATTER_NOTE))], lg=6),
            dbc.Col([reach.chart_figure(ids.CMP_TS, t("timeseries", lang), lang, 360)], lg=6),
        ]),
        html.Figure([html.H2(t("group_series", lang), className="h6 mb-0", id=f"{GROUP_TS}-title"),
                     dcc.Graph(id=GROUP_TS, config={"displaylogo": False}, style={"height": "360px"}),
                     html.Figcaption(id=f"{GROUP_TS}-cap", className="source-footer small text-muted")],
                    className="mb-2", role="group", **{"aria-labelledby": f"{GROUP_TS}-title",
                                                       "aria-describedby": f"{GROUP_TS}-cap"}),
        page_stores("vergleich"),
        html.H2(t("selection_table", lang), className="h6 mt-2", id=SEL_TITLE),
        dag.AgGrid(id=ids.CMP_SEL_TABLE, rowData=[], columnDefs=selection_rows([], data.indicators(), lang)[1],
                   className="ag-theme-alpine", dashGridOptions=grid.options(lang),
                   style={"height": "300px"}, defaultColDef={"resizable": True, "wrapText": True, "autoHeight": True}),
    ]
    return dbc.Row([dbc.Col(sidebar, lg=3, md=4, className="sidebar"), dbc.Col(_tabbed(main, state, lang), lg=9, md=8)])


def _tabbed(main: list, state: AppState, lang: str) -> list:
    """Diagramme | Tabelle (components/tabs.py, tab=table in the URL): every chart (rows of figures, figures)
    in the chart tab; the group figures as a table and the chosen places side by side in the table tab;
    the heading, notices and stores stay above both."""
    head, charts = [], []
    tables = [html.H2(t("group_table", lang), className="h6", id=f"{ids.CMP_GROUP_TABLE}-title"),
              dag.AgGrid(id=ids.CMP_GROUP_TABLE, rowData=[], columnDefs=group_columns(lang), className="ag-theme-alpine",
                         dashGridOptions=grid.options(lang, domLayout="autoHeight"),
                         defaultColDef={"sortable": True, "resizable": True})]
    for c in main:
        if isinstance(c, (dbc.Row, html.Figure)):
            charts.append(c)
        elif getattr(c, "id", None) in (SEL_TITLE, ids.CMP_SEL_TABLE):
            tables.append(c)
        else:
            head.append(c)
    return head + [tabs.tab_view(TABS_VIEW, state, lang, [("chart", t("tab_chart", lang), charts),
                                                          ("table", t("tab_table", lang), tables)],
                                 label=t("tabs_label_compare", lang))]


def group_columns(lang: str) -> list[dict]:
    """Columns of the group table (also given at build time: a grid without columns has invalid ARIA)."""
    return [{"field": "group", "headerName": t("compare_groups", lang), "width": 190, "pinned": "left",
             "wrapText": True, "autoHeight": True},   # long group labels wrap; 190 px leave room for values on phones
            {"field": "value", "headerName": t("group_value", lang), "type": "numericColumn"},
            {"field": "n", "headerName": t("group_n", lang), "type": "numericColumn", "width": 80},
            {"field": "n_with_value", "headerName": "n (Wert)" if lang == "de" else "n (value)", "width": 100},
            {"field": "population", "headerName": t("group_population", lang), "type": "numericColumn"},
            {"field": "method", "headerName": t("group_method", lang), "width": 420}]


def _default_y(state: AppState, cat) -> str:
    for ind, have in cat.available.items():
        if ind != state.ind and have.get(state.level):
            return ind
    return state.ind


def _state(vals, search) -> AppState:
    return state_from(CMP_CONTROLS, vals, search)


@callback(Output(ids.CMP_BARS, "figure"), Output(f"{ids.CMP_BARS}-cap", "children"), Output(ids.CMP_GROUP_TABLE, "rowData"),
          Output(ids.CMP_GROUP_TABLE, "columnDefs"), Output(ids.CMP_DIST, "figure"), Output(f"{ids.CMP_DIST}-cap", "children"),
          Output(CMP_NOTICE, "children"), Output(CMP_TITLE, "children"),
          *[Input(c, p) for c, p, _ in CMP_CONTROLS], State(ids.URL, "search"))
@guard(8, notice_at=6)
@data.memo_callback()   # per warehouse build (IA_CALLBACK_CACHE)
def update_groups(*args):
    *vals, search = args
    st, lang = _state(vals, search), lang_of(search)
    notice = t("selection_capped", lang) if vals[4] and len(vals[4]) > MAX_SELECTION else None
    if st.year is None:
        return go.Figure(), "", [], [], go.Figure(), "", t("error_generic", lang), t("nav_compare", lang)
    spec = data.indicator(st.ind)
    unit = indicator_unit(spec, lang)
    by = list(st.by)[:2]
    try:
        agg = data.group_aggregate(st.ind, st.level, st.year, by, st.filters(), st.br)
    except UnknownSelection:   # a year the indicator has not at this level (the year list follows with the level)
        return (go.Figure(), "", [], [], go.Figure(), "", f"{st.year}: {t('year_unavailable', lang)}",
                t("nav_compare", lang))
    agg["group"] = group_labels(agg, by, lang, dict(data.lands()))
    meta = data.meta(st.ind, st.level, st.year)
    caption = source_text(meta, lang)
    bars = group_bar_figure(agg, lang, unit, indicator_label(spec, lang))
    cols = group_columns(lang)
    rows = agg.assign(value=agg["value"].astype(float).round(3))[["group", "value", "n", "n_with_value", "population",
                                                                  "method"]].to_dict("records")
    vals_df = data.values(st.ind, st.level, st.year)
    vals_df = vals_df[filters.mask(vals_df, st)]
    dist = distribution_figure(vals_df, by, st.br, lang, unit, highlight=list(st.sel), lands=dict(data.lands()),
                               mode=st.dist)
    title = t("compare_title", lang, indicator=indicator_label(spec, lang), level=t("level_" + st.level, lang), year=st.year)
    href = _data_href(st)
    return (bars, reach.caption_children(bars_summary(agg, lang, unit), caption, href, lang), rows, cols, dist,
            reach.caption_children(dist_summary(vals_df, dist, lang, unit), caption, href, lang), notice, title)


def _data_href(st: AppState) -> str:
    """The data behind a chart: the table page with the same state."""
    return "/tabelle" + serialise(st, data.catalogue())


def _with_unit(v, lang: str, unit: str) -> str:
    return f"{fmt_number(v, lang)} {unit}".strip()


def bars_summary(agg: pd.DataFrame, lang: str, unit: str) -> str:
    """One sentence: number of groups, the highest and the lowest group value."""
    have = agg[agg["value"].notna()]
    if have.empty:
        return t("sum_empty", lang)
    hi, lo = have.loc[have["value"].idxmax()], have.loc[have["value"].idxmin()]
    return t("sum_bars", lang, n=len(agg), hi=_with_unit(hi["value"], lang, unit), hi_g=hi["group"],
             lo=_with_unit(lo["value"], lang, unit), lo_g=lo["group"])


def dist_summary(vals_df: pd.DataFrame, fig, lang: str, unit: str) -> str:
    v = vals_df["value"].dropna()
    if v.empty:
        return t("sum_empty", lang)
    groups = len({tr.get("name") for tr in fig["data"] if tr.get("name") != t("highlight", lang)})
    return t("sum_dist", lang, n=len(v), g=groups, med=_with_unit(float(v.median()), lang, unit))


@callback(Output(ids.CMP_SCATTER, "figure"), Output(f"{ids.CMP_SCATTER}-cap", "children"), Output(ids.CMP_SCATTER_NOTE, "children"),
          Output(ids.CMP_TS, "figure"), Output(f"{ids.CMP_TS}-cap", "children"), Output(ids.CMP_SEL_TABLE, "rowData"),
          Output(ids.CMP_SEL_TABLE, "columnDefs"),
          *[Input(c, p) for c, p, _ in CMP_CONTROLS], State(ids.URL, "search"))
@guard(7, notice_at=2)
@data.memo_callback()   # per warehouse build (IA_CALLBACK_CACHE)
def update_scatter_series(*args):
    *vals, search = args
    st, lang = _state(vals, search), lang_of(search)
    cat = data.catalogue()
    x, y = st.x or st.ind, st.y or _default_y(st, cat)
    note = None
    yx, yy = cat.latest_year(x, st.level), cat.latest_year(y, st.level)
    if yx is None or yy is None:
        scatter, cap = go.Figure(), ""
        note = dbc.Alert(t("level_unavailable", lang), color="warning", className="py-1")
    else:
        dx, dy = data.values(x, st.level, yx), data.values(y, st.level, yy)
        mx, my = data.meta(x, st.level, yx), data.meta(y, st.level, yy)
        if mx.get("reference_date") != my.get("reference_date"):
            note = dbc.Alert(t("scatter_years_differ", lang, x=mx.get("reference_date"), y=my.get("reference_date")),
                             color="warning", className="py-1", id="scatter-warning")
        dx = dx[filters.mask(dx, st)]
        scatter = scatter_figure(dx, dy, st.col, st.br, lang, indicator_label(data.indicator(x), lang),
                                 indicator_label(data.indicator(y), lang), highlight=list(st.sel),
                                 lands=dict(data.lands()))
        both = dx[["ags", "value"]].merge(dy[["ags", "value"]], on="ags").dropna()
        r = both["value_x"].corr(both["value_y"]) if len(both) > 2 else float("nan")
        summary = t("sum_scatter", lang, n=len(both), r=fmt_number(r, lang, 2)) if len(both) else t("sum_empty", lang)
        cap = reach.caption_children(summary, source_text(mx, lang) + " | " + source_text(my, lang), _data_href(st), lang)
    sel_level = [a for a in st.sel if len(a) == {"gemeinde": 8, "kreis": 5, "land": 2}[st.level]]
    ts = data.series(st.ind, st.level, sel_level)
    ts_fig = timeseries_figure(ts, lang, indicator_label(data.indicator(st.ind), lang), t("timeseries_none", lang))
    ts_sum = (t("sum_ts", lang, n=ts["ags"].nunique(), y0=int(ts["year"].min()), y1=int(ts["year"].max()))
              if len(ts) and ts["value"].notna().any() else t("timeseries_none", lang))
    ts_cap = reach.caption_children(ts_sum, source_text(data.meta(st.ind), lang), _data_href(st), lang)
    units = []
    for a in st.sel:
        lvl = {8: "gemeinde", 5: "kreis", 2: "land"}[len(a)]
        reg = data.region(a)
        units.append((a, reg.get("name", a), data.unit_observations(a, lvl)))
    rows, cols = selection_rows(units, data.indicators(), lang)
    return scatter, cap, note, ts_fig, ts_cap, rows, cols



@callback(Output(GROUP_TS, "figure"), Output(f"{GROUP_TS}-cap", "children"),
          *[Input(c, p) for c, p, _ in CMP_CONTROLS], State(ids.URL, "search"))
@guard(2, notice_at=1)
@data.memo_callback()   # per warehouse build (IA_CALLBACK_CACHE)
def update_group_series(*args):
    """The chosen groups as lines over all years; each point a group figure (warehouse.queries.group_series)."""
    *vals, search = args
    st, lang = _state(vals, search), lang_of(search)
    by = list(st.by)[:2]
    spec = data.indicator(st.ind)
    lands = dict(data.lands())
    ts = data.group_series(st.ind, st.level, by, st.filters(), st.br)
    fig = group_series_figure(ts, by, lang, lands, f"{indicator_label(spec, lang)} ({indicator_unit(spec, lang)})",
                              t("group_series_none", lang))
    g, y0, y1 = series_summary(ts, by, lang, lands)
    summary = t("sum_group_series", lang, g=g, y0=y0, y1=y1) if g else t("group_series_none", lang)
    approx = sorted(ts.loc[ts["approximate"].astype(bool), "year"].unique()) if len(ts) else []
    method = ts["method_de" if lang == "de" else "method_en"].iloc[-1] if len(ts) else ""
    note = ((" Näherungswerte (hohl): " if lang == "de" else " Approximate (hollow): ")
            + ", ".join(map(str, approx)) + ".") if approx else ""
    return fig, [html.Span(summary + note, className="d-block"), html.Span(method, className="d-block"),
                 html.Span(source_text(data.meta(st.ind), lang), className="d-block")]


register_url_sync("vergleich", CMP_CONTROLS)
tabs.register(TABS_VIEW, ("chart", "table"))
_ = pd
