"""Tabelle / Table: sortable, filterable ranking; CSV/XLSX of exactly the rows shown (grid filter + sort).

The grid uses AG Grid's infinite row model: the browser asks for blocks of BLOCK rows (`getRowsRequest` with
the grid's sort and filter) and `get_rows` answers from the ranking of the current selection, memoised per
warehouse build (data.memo), with sort and filter as parameterised SQL (components/grid.py). The whole table
(2,056 Bavarian Gemeinden, ~11,000 in Germany) never travels at once; downloads run the same query without a limit.
"""
from __future__ import annotations

from datetime import datetime, timezone

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from .. import data, ids
from ..callbacks_util import expect, guard, lang_of, page_stores, register_url_sync, state_from
from ..components import controls, export, filters, grid
from ..components.footer import source_text
from ..i18n import facet_label, fmt_date, indicator_label, indicator_unit, t
from ..state import AppState, serialise

dash.register_page(__name__, path="/tabelle", name="Tabelle", title="Integrationsatlas – Tabelle", layout=lambda **_: None)

PAGE = "tabelle"
TABLE_CONTROLS = [(ids.pid(PAGE, ids.INDICATOR), "value", "ind"), (ids.pid(PAGE, ids.LEVEL), "value", "level"),
                  (ids.pid(PAGE, ids.YEAR), "value", "year"), *filters.filter_controls(PAGE)]
TABLE_NOTICE = "table-notice"
TABLE_KEY = "table-key"          # the selection the grid shows; a change purges the grid's block cache
BLOCK = 100                       # rows per block the grid asks for
EXPORT_COLUMNS = ("rank", "ags", "name", "land", "kommunaltyp", "size_class", "east_west", "bbsr_kreistyp",
                  "population_2024", "value", "unit", "flag", "reference_date", "table_code", "source", "licence")


@data.memo(maxsize=256)    # the page layout per warehouse build and URL state (IA_CALLBACK_CACHE)
def build(state: AppState, **_):
    lang = state.lang
    cat = data.catalogue()
    sidebar = [controls.indicator_block(state, controls.catalogue_options(lang), cat, lang, PAGE), filters.panel(state, data.lands(), lang, PAGE)]
    main = [
        html.H1(t("table_title", lang), className="h5 mb-1"),
        html.Div(id=TABLE_NOTICE, **{"aria-live": "polite"}),
        html.Div([
            dbc.Button(t("download_csv", lang), id=ids.BTN_CSV, color="primary", size="sm", className="me-2"),
            dbc.Button(t("download_xlsx", lang), id=ids.BTN_XLSX, color="secondary", size="sm", className="me-3"),
            html.Span(id=ids.TABLE_COUNT, className="small text-muted", **{"aria-live": "polite"}),
        ], className="mb-2"),
        dag.AgGrid(id=ids.GRID, rowModelType="infinite", columnDefs=column_defs(lang), className="ag-theme-alpine",
                   defaultColDef={"sortable": True, "filter": True, "resizable": True, "floatingFilter": True,
                                  "filterParams": {"maxNumConditions": 1}},
                   dashGridOptions={"animateRows": False, "ensureDomOrder": True, "cacheBlockSize": BLOCK,
                                    "infiniteInitialRowCount": BLOCK, "maxBlocksInCache": 40,
                                    "blockLoadDebounceMillis": 50, "localeText": grid.locale_text(lang)},
                   style={"height": "560px"}),
        dcc.Store(id=TABLE_KEY),
        html.P(id=ids.TABLE_FOOTER, className="source-footer small text-muted mt-1"),
        page_stores("tabelle"),
        dcc.Download(id=ids.DOWNLOAD),
    ]
    return dbc.Row([dbc.Col(sidebar, lg=3, md=4, className="sidebar"), dbc.Col(main, lg=9, md=8)])


def _once(fn):
    """fn memoised per distinct argument for one call of ranking() (11,000 rows, a handful of facet values)."""
    memo: dict = {}

    def get(*key):
        try:
            return memo[key]
        except KeyError:
            memo[key] = out = fn(*key)
            return out
        except TypeError:          # an unhashable value
            return fn(*key)
    return get


def ranking(df: pd.DataFrame, lang: str, unit: str, meta: dict) -> pd.DataFrame:
    """Rows for the grid: rank by value (1 = highest; ties share the rank), labels in the UI language."""
    kt = _once(lambda v: facet_label("kommunaltyp", v, lang))
    sc = _once(lambda a, b: facet_label("size_class", a, lang) if pd.notna(a) else facet_label("size_class_fine", b, lang))
    ew = _once(lambda v: facet_label("east_west", v, lang))
    bt = _once(lambda v: facet_label("bbsr_kreistyp", v, lang) if pd.notna(v) else "")
    out = pd.DataFrame({
        "ags": df["ags"].astype(str), "name": df["name"], "land": df.get("land"),
        "kommunaltyp": [kt(v) for v in df["kommunaltyp"]],
        "size_class": [sc(a, b) for a, b in zip(df["size_class"], df["size_class_fine"])],
        "east_west": [ew(v) for v in df["east_west"]],
        "bbsr_kreistyp": [bt(v) for v in df["bbsr_kreistyp"]],
        "population_2024": df["population_2024"],
        "value": df["value"].astype(float).round(4), "unit": unit,
        "flag": df["flag"].fillna(""),
        "reference_date": [str(d)[:10] if pd.notna(d) else (meta.get("reference_date") or "") for d in df["reference_date"]],
        "table_code": df["table_code"].fillna(meta.get("table_code") or ""),
        "source": df["source"].fillna(meta.get("source") or "") if "source" in df else meta.get("source"),
        "licence": df["licence"].fillna(meta.get("licence") or "dl-de/by-2-0") if "licence" in df else "dl-de/by-2-0",
    })
    out.insert(0, "rank", out["value"].rank(ascending=False, method="min").astype("Int64"))
    return out.sort_values(["rank", "name"], na_position="last").reset_index(drop=True)


def column_defs(lang: str) -> list[dict]:
    names = {"rank": "col_rank", "ags": "col_ags", "name": "col_name", "land": "col_land",
             "kommunaltyp": "col_kommunaltyp", "size_class": "col_size_class", "east_west": "col_east_west",
             "bbsr_kreistyp": "col_kreistyp", "population_2024": "col_population", "value": "col_value",
             "unit": "col_unit", "flag": "col_flag", "reference_date": "col_reference_date",
             "table_code": "col_table_code", "source": "col_source", "licence": "col_licence"}
    defs = []
    for c in EXPORT_COLUMNS:
        d = {"field": c, "headerName": t(names[c], lang)}
        if c in ("rank", "population_2024", "value"):
            d.update({"type": "numericColumn", "filter": "agNumberColumnFilter", "width": 120})
        if c in ("source", "licence", "unit", "table_code"):
            d["hide"] = c in ("source", "unit")
        if c == "name":
            d.update({"pinned": "left", "width": 230})
        if c == "rank":
            d.update({"pinned": "left", "width": 90})
        defs.append(d)
    return defs


def _selection(st: AppState) -> AppState:
    """Only the fields the table depends on (the memo key): indicator, level, year, filters, language."""
    return AppState(lang=st.lang, ind=st.ind, level=st.level, year=st.year, land=st.land, kt=st.kt, gk=st.gk,
                    gr=st.gr, ew=st.ew, br=st.br, kty=st.kty)


@data.memo(maxsize=16)     # ~3 MB per Germany-wide Gemeinde selection
def table_frame(st: AppState) -> pd.DataFrame:
    """The ranking of the selection (every row the grid may ask for), in the order the grid shows by default."""
    df = data.values_or_empty(st.ind, st.level, st.year)
    if df.empty:
        return pd.DataFrame(columns=list(EXPORT_COLUMNS))
    m = filters.mask(df, st)
    meta = data.meta(st.ind, st.level, st.year)
    rows = ranking(df[m], st.lang, indicator_unit(data.indicator(st.ind), st.lang), meta)
    rows["rank"] = rows["rank"].astype("float64")        # NA-safe numeric column for DuckDB
    return rows[list(EXPORT_COLUMNS)]


@data.memo(maxsize=16)
def table_source(st: AppState) -> grid.GridSource:
    return grid.GridSource(table_frame(st))


@data.warmer
def warm_table() -> None:
    """The default selection of /tabelle (what a first visit shows) in both languages."""
    from ..callbacks_util import state_of
    for search in ("", "?lang=en"):
        table_source(_selection(state_of(search)))


@callback(Output(ids.GRID, "columnDefs"), Output(ids.TABLE_FOOTER, "children"),
          Output(ids.pid(PAGE, ids.FILTER_NOTE), "children"), Output(TABLE_NOTICE, "children"), Output(TABLE_KEY, "data"),
          *[Input(cid, prop) for cid, prop, _ in TABLE_CONTROLS], State(ids.URL, "search"))
@guard(5, notice_at=3)
@data.memo_callback()   # per warehouse build (IA_CALLBACK_CACHE)
def update_table(*args):
    """Headers, footer and notes of the selection; the rows come block by block through get_rows."""
    *vals, search = args
    st = state_from(TABLE_CONTROLS, vals, search)
    lang = lang_of(search)
    df = data.values_or_empty(st.ind, st.level, st.year)
    key = serialise(_selection(st), data.catalogue())
    if df.empty:
        return column_defs(lang), "", "", dbc.Alert(t("error_generic", lang), color="warning"), key
    m = filters.mask(df, st)
    meta = data.meta(st.ind, st.level, st.year)
    note = t("filtered_note", lang, n=int(m.sum()), m=len(m)).split(";")[0] if (~m).any() else ""
    return column_defs(lang), source_text(meta, lang), note, None, key


@callback(Output(ids.GRID, "getRowsResponse"), Output(ids.TABLE_COUNT, "children"),
          Input(ids.GRID, "getRowsRequest"), *[State(cid, prop) for cid, prop, _ in TABLE_CONTROLS],
          State(ids.URL, "search"))
@guard(2)
@data.memo_callback()   # per warehouse build (IA_CALLBACK_CACHE)
def get_rows(request, *args):
    """One block of rows for the infinite row model: the grid's filter and sort as parameterised SQL."""
    if not request:
        raise PreventUpdate
    expect("getRowsRequest", request)
    *vals, search = args
    st = state_from(TABLE_CONTROLS, vals, search)
    rows, n = grid.query(table_source(_selection(st)), request)
    return {"rowData": grid.records(rows), "rowCount": n}, t("rows_shown", lang_of(search), n=n)


# a new selection: drop the grid's cached blocks so it asks get_rows again (a fresh grid asks by itself)
clientside_callback(
    """function(key, id) {
        if (!key || !window.dash_ag_grid) { return window.dash_clientside.no_update; }
        dash_ag_grid.getApiAsync(id).then(function(api) {
            if (api.__iaKey !== undefined && api.__iaKey !== key) { api.purgeInfiniteCache(); }
            api.__iaKey = key;
        });
        return window.dash_clientside.no_update;
    }""",
    Output(TABLE_KEY, "id"), Input(TABLE_KEY, "data"), State(TABLE_KEY, "id"), prevent_initial_call=True)


@callback(Output(ids.DOWNLOAD, "data"), Input(ids.BTN_CSV, "n_clicks"), Input(ids.BTN_XLSX, "n_clicks"),
          State(ids.GRID, "getRowsRequest"), *[State(cid, prop) for cid, prop, _ in TABLE_CONTROLS],
          State(ids.URL, "search"), prevent_initial_call=True)
@guard(1)
def download(_csv, _xlsx, request, *args):
    """Every row of the current selection that passes the grid's own filter, in the grid's sort order, with
    provenance columns (not only the blocks loaded so far)."""
    if not ctx.triggered_id:
        raise PreventUpdate
    *vals, search = args
    expect("getRowsRequest", request)
    st = state_from(TABLE_CONTROLS, vals, search)
    meta = data.meta(st.ind, st.level, st.year)
    meta.update({"filters": str(st.filters()), "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "indicator": f"{st.ind} ({indicator_label(data.indicator(st.ind), 'de')})"})
    req = {k: (request or {}).get(k) for k in ("filterModel", "sortModel")}
    df, _ = grid.query(table_source(_selection(st)), req, limit=False)
    df = df[[c for c in EXPORT_COLUMNS if c in df.columns]]
    df["rank"] = df["rank"].astype("Int64")
    stem = f"integrationsatlas_{st.ind}_{st.level}_{st.year}"
    if ctx.triggered_id == ids.BTN_XLSX:
        return dcc.send_bytes(export.to_xlsx_bytes(df, meta), f"{stem}.xlsx")
    return dcc.send_bytes(export.to_csv_bytes(df, meta), f"{stem}.csv")


register_url_sync("tabelle", TABLE_CONTROLS)
_ = (no_update, fmt_date, dash)
