"""Tabelle / Table: sortable, filterable ranking; CSV/XLSX of exactly the rows shown (grid filter + sort)."""
from __future__ import annotations

from datetime import datetime, timezone

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from .. import data, ids
from ..callbacks_util import guard, lang_of, page_stores, register_url_sync, state_from, state_of
from ..components import controls, export, filters
from ..components.footer import source_text
from ..i18n import facet_label, fmt_date, indicator_label, indicator_unit, t
from ..state import AppState

dash.register_page(__name__, path="/tabelle", name="Tabelle", title="Integrationsatlas – Tabelle", layout=lambda **_: None)

PAGE = "tabelle"
TABLE_CONTROLS = [(ids.pid(PAGE, ids.INDICATOR), "value", "ind"), (ids.pid(PAGE, ids.LEVEL), "value", "level"),
                  (ids.pid(PAGE, ids.YEAR), "value", "year"), *filters.filter_controls(PAGE)]
TABLE_NOTICE = "table-notice"
EXPORT_COLUMNS = ("rank", "ags", "name", "land", "kommunaltyp", "size_class", "east_west", "bbsr_kreistyp",
                  "population_2024", "value", "unit", "flag", "reference_date", "table_code", "source", "licence")


def build(state: AppState, **_):
    lang = state.lang
    cat = data.catalogue()
    sidebar = [controls.indicator_block(state, data.indicators(), cat, lang, PAGE), filters.panel(state, data.lands(), lang, PAGE)]
    main = [
        html.H1(t("table_title", lang), className="h5 mb-1"),
        html.Div(id=TABLE_NOTICE, **{"aria-live": "polite"}),
        html.Div([
            dbc.Button(t("download_csv", lang), id=ids.BTN_CSV, color="primary", size="sm", className="me-2"),
            dbc.Button(t("download_xlsx", lang), id=ids.BTN_XLSX, color="secondary", size="sm", className="me-3"),
            html.Span(id=ids.TABLE_COUNT, className="small text-muted", **{"aria-live": "polite"}),
        ], className="mb-2"),
        dag.AgGrid(id=ids.GRID, rowData=[], columnDefs=column_defs(lang), className="ag-theme-alpine",
                   defaultColDef={"sortable": True, "filter": True, "resizable": True, "floatingFilter": True},
                   dashGridOptions={"animateRows": False, "ensureDomOrder": True}, style={"height": "560px"}),
        html.P(id=ids.TABLE_FOOTER, className="source-footer small text-muted mt-1"),
        page_stores("tabelle"),
        dcc.Download(id=ids.DOWNLOAD),
    ]
    return dbc.Row([dbc.Col(sidebar, lg=3, md=4, className="sidebar"), dbc.Col(main, lg=9, md=8)])


def ranking(df: pd.DataFrame, lang: str, unit: str, meta: dict) -> pd.DataFrame:
    """Rows for the grid: rank by value (1 = highest; ties share the rank), labels in the UI language."""
    out = pd.DataFrame({
        "ags": df["ags"].astype(str), "name": df["name"], "land": df.get("land"),
        "kommunaltyp": [facet_label("kommunaltyp", v, lang) for v in df["kommunaltyp"]],
        "size_class": [facet_label("size_class", a, lang) if pd.notna(a) else facet_label("size_class_fine", b, lang)
                       for a, b in zip(df["size_class"], df["size_class_fine"])],
        "east_west": [facet_label("east_west", v, lang) for v in df["east_west"]],
        "bbsr_kreistyp": [facet_label("bbsr_kreistyp", v, lang) if pd.notna(v) else "" for v in df["bbsr_kreistyp"]],
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


@callback(Output(ids.GRID, "rowData"), Output(ids.GRID, "columnDefs"), Output(ids.TABLE_FOOTER, "children"),
          Output(ids.pid(PAGE, ids.FILTER_NOTE), "children"), Output(TABLE_NOTICE, "children"),
          *[Input(cid, prop) for cid, prop, _ in TABLE_CONTROLS], State(ids.URL, "search"))
@guard(5, notice_at=4)
def update_table(*args):
    *vals, search = args
    st = state_from(TABLE_CONTROLS, vals, search)
    lang = lang_of(search)
    df = data.values_or_empty(st.ind, st.level, st.year)
    if df.empty:
        return [], column_defs(lang), "", "", dbc.Alert(t("error_generic", lang), color="warning")
    m = filters.mask(df, st)
    meta = data.meta(st.ind, st.level, st.year)
    rows = ranking(df[m], lang, indicator_unit(data.indicator(st.ind), lang), meta)
    note = t("filtered_note", lang, n=int(m.sum()), m=len(m)).split(";")[0] if (~m).any() else ""
    return rows.to_dict("records"), column_defs(lang), source_text(meta, lang), note, None


@callback(Output(ids.TABLE_COUNT, "children"), Input(ids.GRID, "virtualRowData"), State(ids.URL, "search"))
@guard(1)
def count_rows(rows, search):
    return t("rows_shown", lang_of(search), n=len(rows or []))


@callback(Output(ids.DOWNLOAD, "data"), Input(ids.BTN_CSV, "n_clicks"), Input(ids.BTN_XLSX, "n_clicks"),
          State(ids.GRID, "virtualRowData"), State(ids.URL, "search"), prevent_initial_call=True)
@guard(1)
def download(_csv, _xlsx, rows, search):
    """Exactly the rows the grid shows (after its own filter and sort), with provenance columns."""
    if not ctx.triggered_id:
        raise PreventUpdate
    st = state_of(search)
    meta = data.meta(st.ind, st.level, st.year)
    meta.update({"filters": str(st.filters()), "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "indicator": f"{st.ind} ({indicator_label(data.indicator(st.ind), 'de')})"})
    df = pd.DataFrame(rows or [], columns=list(EXPORT_COLUMNS))
    df = df[[c for c in EXPORT_COLUMNS if c in df.columns]]
    stem = f"integrationsatlas_{st.ind}_{st.level}_{st.year}"
    if ctx.triggered_id == ids.BTN_XLSX:
        return dcc.send_bytes(export.to_xlsx_bytes(df, meta), f"{stem}.xlsx")
    return dcc.send_bytes(export.to_csv_bytes(df, meta), f"{stem}.csv")


register_url_sync("tabelle", TABLE_CONTROLS)
_ = (no_update, fmt_date)
