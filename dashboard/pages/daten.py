"""Daten & Methoden / Sources: indicator catalogue, definitions, sources, licences, Gebietsstand, gaps,
last ETL run and data freshness — all read from the warehouse, nothing hard-coded."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from .. import data
from ..i18n import fmt_date, indicator_label, t
from ..state import AppState

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
        })
    return rows


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
    return html.Div([
        html.H1(t("sources_title", lang), className="h4"),
        html.P(t("sources_gebietsstand", lang, date=fmt_date(gebietsstand, lang))),
        dbc.Alert(t("sources_known_gaps_general", lang), color="secondary", className="py-2 small"),
        html.H2(t("sources_catalogue", lang), className="h5"),
        dag.AgGrid(id="sources-grid", rowData=rows, columnDefs=cols, className="ag-theme-alpine",
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
                   style={"height": "260px"}),
    ])
