"""Daten & Methoden / Sources: indicator catalogue, definitions, sources, licences, Gebietsstand, gaps,
last ETL run and data freshness — all read from the warehouse, nothing hard-coded. With the filter panel
it also shows, per indicator, how many units of the filtered selection have a value and the selection's
group figure (ratio of sums, as on the Compare page)."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from etl.staleness import latest_per_level

from .. import data, ids
from ..callbacks_util import guard, lang_of, page_stores, register_url_sync, state_from
from ..components import filters, grid
from ..i18n import fmt_date, fmt_number, indicator_label, indicator_unit, t
from ..state import AppState

PAGE = "daten"
COVERAGE = "coverage-grid"
COVERAGE_LEVELS = ("gemeinde", "kreis")

dash.register_page(__name__, path="/daten", name="Daten & Methoden", title="Integrationsatlas – Daten & Methoden",
                   layout=lambda **_: None)


def _list(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if hasattr(v, "__iter__") and not isinstance(v, str):
        return ", ".join(str(x) for x in v)
    return str(v)


def catalogue_rows(ind: pd.DataFrame, lang: str) -> list[dict]:
    rows = []
    for r in ind.to_dict("records"):
        rows.append({
            "indicator": indicator_label(r, lang), "id": r["indicator_id"],
            "unit": r.get("unit_en") if lang == "en" else r.get("unit"),
            "kind": r.get("kind"),
            "definition": r.get("definition_en") if lang == "en" else r.get("definition_de"),
            "levels": _list(r.get("levels")), "years": _list(r.get("years")),
            "source": r.get("sources") or "", "table_codes": r.get("table_codes") or "",
            "licence": r.get("licence") or "", "gaps": r.get("gaps_en") if lang == "en" else r.get("gaps_de"),
            "latest": latest_per_level(r.get("latest_by_level"), unit="J." if lang == "de" else "y"),
            "role": t(f"role_{r['role']}", lang) if isinstance(r.get("role"), str) else "",
            "polarity": t(f"polarity_{r['polarity']}", lang) if isinstance(r.get("polarity"), str) else "",
            "differs": (r.get("differs_from_en") if lang == "en" else r.get("differs_from_de")) or "",
        })
    return rows


@data.memo(maxsize=256)    # the page layout per warehouse build and URL state (IA_CALLBACK_CACHE)
def build(state: AppState, **_):
    lang = state.lang
    ind = data.indicators()
    rows = catalogue_rows(ind, lang)
    cols = [{"field": "indicator", "headerName": t("col_indicator", lang), "pinned": "left", "width": 260,
             "wrapText": True, "autoHeight": True},
            {"field": "unit", "headerName": t("col_unit", lang), "width": 110},
            {"field": "definition", "headerName": t("sources_definition", lang), "width": 420, "wrapText": True,
             "autoHeight": True},
            {"field": "levels", "headerName": t("sources_levels", lang), "width": 160, "wrapText": True},
            {"field": "years", "headerName": t("sources_years", lang), "width": 180, "wrapText": True, "autoHeight": True},
            {"field": "latest", "headerName": t("sources_latest", lang), "width": 230, "wrapText": True,
             "autoHeight": True},
            {"field": "role", "headerName": t("sources_role", lang), "width": 120},
            {"field": "polarity", "headerName": t("sources_polarity", lang), "width": 150, "wrapText": True},
            {"field": "differs", "headerName": t("sources_differs", lang), "width": 300, "wrapText": True,
             "autoHeight": True},
            {"field": "gaps", "headerName": t("sources_gaps", lang), "width": 260, "wrapText": True, "autoHeight": True},
            {"field": "source", "headerName": t("col_source", lang), "width": 300, "wrapText": True, "autoHeight": True},
            {"field": "table_codes", "headerName": t("col_table_code", lang), "width": 160, "wrapText": True},
            {"field": "licence", "headerName": t("col_licence", lang), "width": 120},
            {"field": "id", "headerName": "id", "width": 200}]
    attributions = sorted({a.strip() for v in ind["attribution"].dropna() for a in str(v).split("|") if a.strip()})
    regions = data.regions("land")
    gebietsstand = str(regions["gebietsstand"].iloc[0])[:10] if len(regions) else ""
    runs = data.etl_runs()
    snaps = data.snapshots()
    run_block = html.P("–")
    if len(runs):
        r = runs.iloc[0]
        run_block = html.Ul([
            html.Li(f"{t('sources_last_run', lang)}: {r['run_id']} · {t('outcome', lang)}: {r['outcome']}"),
            html.Li(f"{t('started', lang)}: {str(r['started_at'])[:19]} · {t('finished', lang)}: {str(r['ended_at'])[:19]}"),
        ], className="small")
    snap_rows = []
    if len(snaps):
        for s in snaps.to_dict("records"):
            snap_rows.append({"dataset": s["dataset"], "file": s["filename"], "origin": s["origin"],
                              "fetched_at": str(s["fetched_at"])[:19] if s.get("fetched_at") is not None
                              and not pd.isna(s.get("fetched_at")) else "",
                              "sha256": str(s["sha256"])[:12]})
    coverage = html.Div([
        html.H2(t("coverage_title", lang), className="h5 mt-3"),
        html.P(t("coverage_help", lang), className="small text-muted mb-1"),
        dbc.Row([
            dbc.Col(filters.panel(state, data.lands(), lang, PAGE), lg=3, md=4),
            dbc.Col(dcc.Loading(dag.AgGrid(
                id=COVERAGE, rowData=[], className="ag-theme-alpine", style={"height": "420px"},
                dashGridOptions=grid.options(lang),
                defaultColDef={"sortable": True, "filter": True, "resizable": True},
                columnDefs=[{"field": "indicator", "headerName": t("col_indicator", lang), "width": 250, "wrapText": True,
                             "autoHeight": True},
                            {"field": "level", "headerName": t("level", lang), "width": 110},
                            {"field": "year", "headerName": t("year", lang), "width": 80},
                            {"field": "covered", "headerName": t("coverage_covered", lang), "width": 150},
                            {"field": "value", "headerName": t("coverage_value", lang), "width": 140},
                            {"field": "population", "headerName": t("coverage_population", lang), "width": 140},
                            {"field": "method", "headerName": t("coverage_method", lang), "width": 300, "wrapText": True,
                             "autoHeight": True}])), lg=9, md=8),
        ]),
    ])
    return html.Div([
        html.H1(t("sources_title", lang), className="h4"),
        html.P(t("sources_gebietsstand", lang, date=fmt_date(gebietsstand, lang))),
        dbc.Alert(t("sources_known_gaps_general", lang), color="secondary", className="py-2 small"),
        html.H2(t("sources_catalogue", lang), className="h5"),
        dag.AgGrid(id="sources-grid", rowData=rows, columnDefs=cols, className="ag-theme-alpine",
                   dashGridOptions=grid.options(lang),
                   defaultColDef={"sortable": True, "filter": True, "resizable": True},
                   style={"height": "430px"}),
        html.H2(t("footer_licence", lang), className="h5 mt-3"),
        html.P(t("sources_licence", lang), className="small mb-1"),
        html.Ul([html.Li(a) for a in attributions], className="small"),
        html.H2(t("sources_freshness", lang), className="h5 mt-3"),
        run_block,
        html.H3(t("sources_snapshots", lang), className="h6"),
        dag.AgGrid(id="snapshots-grid", rowData=snap_rows,
                   columnDefs=[{"field": c} for c in ("dataset", "file", "origin", "fetched_at", "sha256")],
                   className="ag-theme-alpine", defaultColDef={"sortable": True, "resizable": True, "flex": 1},
                   dashGridOptions=grid.options(lang),
                   style={"height": "260px"}),
        coverage,
        page_stores(PAGE),
    ])


def coverage_rows(st: AppState) -> list[dict]:
    """Per indicator and level (latest year): units of the filtered selection with a value, and the group figure."""
    return _coverage_rows(AppState(lang=st.lang, land=st.land, kt=st.kt, gk=st.gk, gr=st.gr, ew=st.ew, br=st.br,
                                   kty=st.kty))


@data.warmer
def warm_coverage() -> None:
    """The unfiltered coverage table (a first visit of /daten) in both languages."""
    for lang in ("de", "en"):
        coverage_rows(AppState(lang=lang))


@data.memo(maxsize=64)     # per warehouse build, filters and language (~120 group figures each)
def _coverage_rows(st: AppState) -> list[dict]:
    lang, cat, rows = st.lang, data.catalogue(), []
    specs = data.indicators().to_dict("records")
    wanted = {level: [(s["indicator_id"], cat.latest_year(s["indicator_id"], level)) for s in specs] for level in
              COVERAGE_LEVELS}
    figures = {level: data.group_aggregates(level, [it for it in items if it[1] is not None], [], st.filters(), st.br)
               for level, items in wanted.items()}          # one query per level, not one per indicator
    for spec in specs:
        for level in COVERAGE_LEVELS:
            year = cat.latest_year(spec["indicator_id"], level)
            if year is None:
                continue
            agg = figures[level][(spec["indicator_id"], int(year))]
            if agg.empty:
                continue
            a = agg.iloc[0]
            unit = indicator_unit(spec, lang)
            rows.append({"indicator": indicator_label(spec, lang), "level": t("level_" + level, lang), "year": year,
                         "covered": t("coverage_n_of_m", lang, n=int(a["n_with_value"]), m=int(a["n"])),
                         "value": (fmt_number(a["value"], lang) + (f" {unit}" if unit else ""))
                         if pd.notna(a["value"]) else t("missing_value", lang),
                         "population": fmt_number(a["population"], lang), "method": a["method"]})
    return rows


@callback(Output(COVERAGE, "rowData"), Output(ids.pid(PAGE, ids.FILTER_NOTE), "children"),
          *[Input(cid, prop) for cid, prop, _ in filters.filter_controls(PAGE)], State(ids.URL, "search"))
@guard(2, notice_at=1)
@data.memo_callback()   # per warehouse build (IA_CALLBACK_CACHE)
def update_coverage(*args):
    *vals, search = args
    st = state_from(filters.filter_controls(PAGE), vals, search)
    n = filters.mask(data.regions("gemeinde"), st)
    note = t("filtered_note_short", lang_of(search), n=int(n.sum()), m=len(n)) if not n.all() else ""
    return coverage_rows(st), note


register_url_sync(PAGE, filters.filter_controls(PAGE))
