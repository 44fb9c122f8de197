"""Status / steward console (/status): freshness per dataset, recent runs with diffs and validation
findings, the schedule, and token-protected actions (refresh one dataset, pause/resume, roll back).

Read-only for everyone. Actions go through dashboard.steward.perform(), which checks the token on the
server (the same function serves POST /api/steward/<action>); the buttons are shown to everyone, and
without a configured or a correct token the server refuses (401/403) and the reason is shown.
"""
from __future__ import annotations

import datetime as dt

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from .. import data, ids
from ..callbacks_util import lang_of, page_stores
from ..components import grid
from ..i18n import fmt_date, fmt_number, t
from ..state import AppState

PAGE = "status"

dash.register_page(__name__, path="/status", name="Status", title="Integrationsatlas – Status",
                   layout=lambda **_: None)


def _age(latest, lang: str, today: dt.date | None = None) -> str:
    if latest is None or (isinstance(latest, float) and pd.isna(latest)) or latest is pd.NaT:
        return ""
    d = pd.Timestamp(latest).date()
    days = ((today or dt.date.today()) - d).days
    return t("st_months", lang, n=round(days / 30.44)) if days > 62 else t("st_days", lang, n=days)


def _dates(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    v = list(v)
    if len(v) <= 4:
        return ", ".join(v)
    return f"{len(v)}: {v[0]} … {v[-1]}"


def last_outcomes(runs: list[dict]) -> dict[str, str]:
    """dataset → 'updated 2026-12-01 (run id)' from the newest run in which it was not skipped."""
    out: dict[str, str] = {}
    for r in runs:
        for ds, d in (r.get("datasets") or {}).items():
            if ds in out or d.get("outcome") == "skipped":
                continue
            out[ds] = f"{d.get('outcome')} {str(r.get('started_at', ''))[:10]}"
    return out


def dataset_rows(lang: str) -> list[dict]:
    st = data.dataset_status()
    sched = data.schedule_overview()["by_dataset"]
    last = last_outcomes(data.run_history(30))
    rows = []
    for r in st.to_dict("records"):
        ds = r["dataset"]
        nxt = sched.get(ds)
        fetched = r.get("last_fetched")
        rows.append({
            "dataset": ds, "publisher": r.get("publisher") or "", "tables": r.get("table_codes") or "",
            "fetched": str(fetched)[:16].replace("T", " ") if fetched and not pd.isna(fetched)
            else t("st_mirror", lang) if "mirror" in str(r.get("origin") or "") else "",
            "dates": _dates(r.get("reference_dates")),
            "latest": fmt_date(r["latest_reference_date"], lang) if not pd.isna(r.get("latest_reference_date")) else "",
            "age": _age(r.get("latest_reference_date"), lang),
            "next": (t("st_paused", lang) + f" ({nxt['entry']})" if nxt and nxt["paused"] else
                     f"{nxt['next'][:16].replace('T', ' ')} ({nxt['entry']})" if nxt and nxt["next"] else
                     t("st_unscheduled", lang)),
            "last": last.get(ds, ""),
            "observations": fmt_number(r.get("observations") or 0, lang),
        })
    return rows


def run_items(runs: list[dict], lang: str):
    from etl.history import report_lines
    if not runs:
        return html.P(t("st_no_runs", lang), className="text-muted")
    items = []
    for r in runs:
        colour = {"success": "success", "skipped": "secondary", "failed": "danger"}.get(r.get("outcome"), "info")
        head = [dbc.Badge(r.get("outcome") or "?", color=colour, className="me-2"),
                html.Code(r["run_id"], className="me-2"),
                html.Span(f"{t('st_trigger', lang)}: {r.get('trigger')} · {str(r.get('started_at'))[:16].replace('T', ' ')}"
                          f" · {r.get('seconds', 0):.0f} s")]
        if r.get("error"):
            head.append(html.Div(r["error"], className="small text-danger run-cause"))
        items.append(html.Details([html.Summary(head, className="py-1"),
                                   html.Pre("\n".join(report_lines(r)), className="small bg-light p-2 run-report")],
                                  className="border-bottom run-item", id=f"run-{r['run_id']}"))
    return html.Div(items)


def progress_block(active: dict | None, lang: str):
    if not active:
        return html.Span(t("st_idle", lang), className="text-muted small")
    return dbc.Alert([html.Strong(t("st_running", lang) + ": "),
                      f"{active.get('trigger')} · {active.get('message', '')} · {t('started', lang)} "
                      f"{str(active.get('started_at', ''))[:19].replace('T', ' ')}"],
                     color="info", className="py-2 mb-2", id="status-active-alert")


def build(state: AppState, **_):
    lang = state.lang
    cols = [{"field": "dataset", "headerName": t("st_dataset", lang), "pinned": "left", "width": 250,
             "tooltipField": "dataset"},
            {"field": "latest", "headerName": t("st_latest", lang), "width": 125},
            {"field": "age", "headerName": t("st_age", lang), "width": 105},
            {"field": "next", "headerName": t("st_next", lang), "width": 215, "tooltipField": "next"},
            {"field": "last", "headerName": t("st_last", lang), "width": 150},
            {"field": "fetched", "headerName": t("st_fetched", lang), "width": 150, "tooltipField": "fetched"},
            {"field": "dates", "headerName": t("st_dates", lang), "width": 200, "tooltipField": "dates"},
            {"field": "tables", "headerName": t("st_tables", lang), "width": 170, "tooltipField": "tables"},
            {"field": "publisher", "headerName": t("st_publisher", lang), "width": 220, "tooltipField": "publisher"},
            {"field": "observations", "headerName": "n", "width": 100, "type": "rightAligned"}]
    sched = data.schedule_overview()
    runs = data.run_history(10)
    builds = data.archived_builds()
    read_only = data.steward_read_only()
    datasets = data.dataset_status()["dataset"].tolist() if len(data.dataset_status()) else []
    schedule_rows = [{"entry": e["name"], "cron": e["cron"], "next": t("st_paused", lang) if e["paused"] else
                      (e["next"] or "")[:16].replace("T", " "), "datasets": ", ".join(e["datasets"]),
                      "description": e["description"]} for e in sched["entries"]]
    actions = dbc.Card(dbc.CardBody([
        html.H2(t("st_actions", lang), className="h6"),
        dbc.Alert(t("st_read_only", lang), color="secondary", className="py-1 small", id="status-read-only")
        if read_only else None,
        dbc.Label(t("st_token", lang), html_for="status-token", className="small mb-0"),
        dbc.Input(id="status-token", type="password", autoComplete="off", size="sm", className="mb-2"),
        dbc.Label(t("st_dataset", lang), html_for="status-dataset", className="small mb-0"),
        dbc.InputGroup([dbc.Select(id="status-dataset", options=[{"label": d, "value": d} for d in datasets],
                                   value=datasets[0] if datasets else None, size="sm"),
                        dbc.Button(t("st_refresh", lang), id="status-btn-refresh", size="sm", color="primary")],
                       className="mb-2"),
        dbc.Label(t("st_entry", lang), html_for="status-entry", className="small mb-0"),
        dbc.InputGroup([dbc.Select(id="status-entry", options=[{"label": e["name"], "value": e["name"]}
                                                               for e in sched["entries"]],
                                   value=sched["entries"][0]["name"] if sched["entries"] else None, size="sm"),
                        dbc.Button(t("st_pause", lang), id="status-btn-pause", size="sm", color="secondary"),
                        dbc.Button(t("st_resume", lang), id="status-btn-resume", size="sm", color="secondary")],
                       className="mb-2"),
        dbc.Label(t("st_build", lang), html_for="status-build", className="small mb-0"),
        dbc.InputGroup([dbc.Select(id="status-build", options=[
            {"label": b["build_id"] + (f" ({t('st_builds_live', lang)})" if b["live"] else ""), "value": b["build_id"]}
            for b in builds], value=next((b["build_id"] for b in builds if not b["live"]), None), size="sm"),
                        dbc.Button(t("st_rollback", lang), id="status-btn-rollback", size="sm", color="danger")],
                       className="mb-2"),
        html.Div(id="status-action-result", className="small", **{"aria-live": "polite"}),
    ]), className="mb-3")
    return html.Div([
        html.H1(t("st_title", lang), className="h4"),
        html.P(t("st_intro", lang), className="small text-muted"),
        dcc.Interval(id="status-poll", interval=2000),
        dcc.Store(id="status-last-run", data=runs[0]["run_id"] if runs else None),
        html.Div(progress_block(data.active_run(), lang), id="status-progress"),
        dbc.Row([
            dbc.Col([
                html.H2(t("st_datasets", lang), className="h5"),
                dag.AgGrid(id="status-grid", rowData=dataset_rows(lang), columnDefs=cols, className="ag-theme-alpine",
                           dashGridOptions=grid.options(lang),
                           defaultColDef={"sortable": True, "filter": True, "resizable": True},
                           style={"height": "420px"}),
                html.H2(t("st_runs", lang), className="h5 mt-3"),
                html.Div(run_items(runs, lang), id="status-runs"),
            ], lg=9),
            dbc.Col([
                actions,
                html.H2(t("st_schedule", lang), className="h6"),
                html.Div(sched["error"], className="text-danger small") if sched["error"] else None,
                html.Ul([html.Li([html.Strong(r["entry"]), f" · {r['cron']} · {r['next']}",
                                  html.Div(r["datasets"], className="text-muted")], className="small mb-1")
                         for r in schedule_rows], className="list-unstyled", id="status-schedule"),
            ], lg=3),
        ]),
        page_stores(PAGE),
    ])


@callback(Output("status-progress", "children"), Output("status-runs", "children"),
          Output("status-last-run", "data"), Output("status-grid", "rowData"),
          Input("status-poll", "n_intervals"), State("status-last-run", "data"), State(ids.URL, "search"),
          prevent_initial_call=True)
def poll(_n, last_seen, search):
    lang = lang_of(search)
    runs = data.run_history(10)
    newest = runs[0]["run_id"] if runs else None
    progress = progress_block(data.active_run(), lang)
    if newest == last_seen:
        return progress, no_update, no_update, no_update
    return progress, run_items(runs, lang), newest, dataset_rows(lang)


@callback(Output("status-action-result", "children"),
          Input("status-btn-refresh", "n_clicks"), Input("status-btn-pause", "n_clicks"),
          Input("status-btn-resume", "n_clicks"), Input("status-btn-rollback", "n_clicks"),
          State("status-token", "value"), State("status-dataset", "value"), State("status-entry", "value"),
          State("status-build", "value"), prevent_initial_call=True)
def act(_r, _p, _s, _b, token, dataset, entry, build_id):
    from ..steward import perform
    trig = ctx.triggered_id
    if not trig:
        raise PreventUpdate
    action = str(trig).removeprefix("status-btn-")
    params = {"dataset": dataset, "entry": entry, "run_id": build_id}
    code, msg = perform(action, params, token or None)
    colour = "success" if code < 300 else "danger"
    return dbc.Alert(f"{code}: {msg}", color=colour, className="py-1 mb-0", id="status-action-alert")
