"""Dash app shell: navigation, language toggle, a URL-driven router and the shared control callbacks.

Why a custom router instead of dash.page_container: the whole view state lives in the query
string and every control writes it back. Dash's built-in router re-renders the page on every
query-string change, which would rebuild the map on each click. Ours re-renders only when the
URL changed from outside (link, back button, pasted permalink), not when a control wrote it.
Pages still register with dash.register_page (use_pages=True) for titles and paths.
"""
from __future__ import annotations

import atexit
import logging
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from . import data, frontend, ids
from .callbacks_util import guard, lang_of
from .i18n import TEXTS, indicator_label, t
from .state import PAGES, parse, profile_path, route
from .components import reach

log = logging.getLogger(__name__)
HERE = Path(__file__).parent

BOOTSTRAP_URL = "/vendor/bootstrap.min.css"

app = Dash(__name__, use_pages=True, pages_folder="", suppress_callback_exceptions=True,
           external_stylesheets=[BOOTSTRAP_URL], title="Integrationsatlas", update_title=None,
           assets_folder=str(HERE / "assets"), serve_locally=True, compress=True,
           external_scripts=frontend.external_scripts())   # partial plotly.js bundle (IA_PLOTLY_BUNDLE)
server = app.server
frontend.register(server)   # its route + year-long cache of fingerprinted /assets/ files


@server.route(BOOTSTRAP_URL)
def _bootstrap_css():
    """Bootstrap 5 CSS from the installed bootstrap-flask package: the app must work offline (no CDN)."""
    from flask import Response, send_file
    try:
        import flask_bootstrap
        path = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5" / "css" / "bootstrap.min.css"
        resp = send_file(path, mimetype="text/css", max_age=86400)
        return resp
    except (ImportError, FileNotFoundError):
        return Response("/* bootstrap css not installed (pip install bootstrap-flask) */", mimetype="text/css")


def _mount_geodata() -> None:
    """Serve geometry assets from the geodata blueprint when it is available (optional dependency)."""
    try:
        from geodata import api as geo_api
    except Exception as exc:  # noqa: BLE001 - geometry is optional; the table alternative remains
        log.warning("geodata blueprint not available: %s", exc)
        return
    bp = geo_api.geo_blueprint()
    if bp.name not in server.blueprints:
        server.register_blueprint(bp)
    provider = getattr(geo_api, "asset_urls", None)
    if provider is None:
        def provider():
            with server.test_request_context():
                resp = server.test_client().get("/api/geo/assets")
                return resp.get_json() if resp.status_code == 200 else {}
    data.set_geo_provider(provider)


_mount_geodata()

from . import steward  # noqa: E402 - /healthz and the token-checked steward actions (POST /api/steward/<action>)
steward.register(server, warm_up=lambda: dict(WARM_UP))


def _warm_tiles() -> None:
    """Vector tiles of the map (geodata/tiles.py) before anything else: the landing page is the Gemeinde map."""
    if not data.map_tiles_enabled():
        return
    try:
        from geodata import api as geo_api
        geo_api.warm_tiles()
    except Exception as exc:  # noqa: BLE001 - the map then cuts its tiles on request
        log.warning("vector tiles not warmed: %s", exc)


def _warm_poster() -> None:
    """The map's still image (dashboard/poster.py): its polygons per level and the landing page's image."""
    from . import poster as still
    try:
        still.warm()
    except Exception as exc:  # noqa: BLE001 - the pages then come without their still image
        log.warning("map poster not warmed: %s", exc)


WARM_UP: dict = {"state": "not started"}   # this worker's background warm-up, reported by /healthz


def _warm_up() -> None:
    """Fill the query caches and the search index in the background so the first visitor does not wait."""
    import threading
    import time

    def work():
        t0 = time.monotonic()
        WARM_UP.update(state="running")
        try:
            if data.warehouse_ready():
                _warm_tiles()
                _warm_poster()
                data.catalogue()
                data.search("ha")
                data.warm_values()
                data.warm_group_figures()
                data.run_warmers()      # pages' precomputation (data.warmer), IA_CALLBACK_CACHE=1 only
            WARM_UP.update(state="done", seconds=round(time.monotonic() - t0, 1))
        except Exception as exc:  # noqa: BLE001 - warm-up is best effort
            log.warning("warm-up failed: %s", exc)
            WARM_UP.update(state="failed", seconds=round(time.monotonic() - t0, 1))
    thread = threading.Thread(target=work, name="dashboard-warm-up", daemon=True)
    thread.start()
    atexit.register(_stop_warm_up, thread)


def _stop_warm_up(thread, timeout: float = 10) -> None:
    """Process exit during the warm-up (a gunicorn worker stopped, a test process ending): stop its DuckDB
    query and wait for the thread, so the process ends instead of aborting (exit 134) inside DuckDB."""
    if not thread.is_alive():
        return
    data.WARM_STOP.set()
    from warehouse import queries as q
    q.shutdown()
    logging.disable(logging.WARNING)     # the warm-up's steps now fail on purpose: no warnings, no traces
    try:
        thread.join(timeout)
    finally:
        logging.disable(logging.NOTSET)
    if WARM_UP.get("state") == "running":
        WARM_UP.update(state="stopped")


_warm_up()

NAV_PAGES = ("karte", "vergleich", "kapazitaet", "profil", "tabelle", "daten", "status")
NAV_LABEL = {"karte": "nav_map", "vergleich": "nav_compare", "kapazitaet": "nav_lens", "profil": "nav_profile",
             "tabelle": "nav_table", "daten": "nav_sources", "status": "nav_status"}


def nav_href(page: str, search: str, sel: tuple[str, ...]) -> str:
    if page == "profil":
        base = profile_path("gemeinde" if len(sel[0]) == 8 else "kreis" if len(sel[0]) == 5 else "land", sel[0]) \
            if sel else "/profil"
    else:
        base = PAGES[page]
    return base + (search or "")


def navbar(lang: str, search: str, pathname: str):
    st, _ = parse(search, data.catalogue())
    page, _v = route(pathname)
    links = []
    for p in NAV_PAGES:
        links.append(dbc.NavItem(dcc.Link(t(NAV_LABEL[p], lang), href=nav_href(p, search, st.sel), id=ids.NAV_LINK.format(p),
                                          className="nav-link" + (" active" if p == page else ""))))
    other = "en" if lang == "de" else "de"
    toggle_search = _with_lang(search, other)
    links.append(dbc.NavItem(dcc.Link(t("lang_toggle", lang), href=(pathname or "/") + toggle_search, id=ids.LANG_TOGGLE,
                                      className="nav-link lang-toggle", title=t("lang_toggle_title", lang))))
    return dbc.Navbar(dbc.Container([
        dcc.Link(html.Span([html.Strong(t("app_title", lang)), html.Small(" " + t("app_subtitle", lang),
                                                                          className="d-none d-lg-inline text-light ms-2")]),
                 href="/" + (search or ""), className="navbar-brand"),
        html.Button(html.Span(className="navbar-toggler-icon"), id=ids.NAV_TOGGLER, type="button", className="navbar-toggler",
                    **{"aria-label": t("nav_toggle", lang), "aria-controls": ids.NAV_COLLAPSE, "aria-expanded": "false"}),
        dbc.Collapse(dbc.Nav(links, navbar=True, className="ms-auto"), id=ids.NAV_COLLAPSE, navbar=True, is_open=False),
    ], fluid=True), color="dark", dark=True, expand="md", className="py-1")


def _with_lang(search: str, lang: str) -> str:
    from urllib.parse import parse_qsl, urlencode
    pairs = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k != "lang"]
    if lang != "de":
        pairs.append(("lang", lang))
    return ("?" + urlencode(pairs, safe=",")) if pairs else ""


app.layout = html.Div([
    dcc.Location(id=ids.URL, refresh="callback-nav"),
    dcc.Store(id=ids.ROUTE_STORE),
    html.A("Zum Inhalt springen / Skip to content", href="#" + ids.PAGE, className="visually-hidden-focusable"),
    html.Div(id=ids.NAV),
    html.Div(id=ids.NOTICE, **{"aria-live": "polite"}),
    html.Main(id=ids.PAGE, className="container-fluid py-2", tabIndex="-1"),
])


def _page_layouts():
    from .pages import daten, kapazitaet, karte, profil, status, tabelle, vergleich
    return {"karte": karte.build, "vergleich": vergleich.build, "profil": profil.build, "tabelle": tabelle.build,
            "daten": daten.build, "status": status.build, "kapazitaet": kapazitaet.build}


def fallback_sentences(bad: list[str], st, lang: str) -> list[str]:
    """One readable sentence per replaced URL parameter ("param=value" from state.parse), naming what is shown now."""
    ind_row = data.indicator(st.ind) if st.ind else None
    now = {"ind": indicator_label(ind_row, lang) if ind_row else st.ind, "level": t("level_" + st.level, lang),
           "year": str(st.year), "lang": "Deutsch" if lang == "de" else "English", "k": str(st.k),
           "cls": t(f"cls_{st.cls}", lang), "pal": t(f"pal_{st.pal}", lang), "br": t(f"berlin_{st.br}", lang),
           "gk": t(f"f_size_scheme_{st.gk}", lang)}
    out = []
    for raw in bad:
        name = raw.partition("=")[0]
        label = t(f"param_{name}", lang) if f"param_{name}" in TEXTS else name
        out.append(t("param_replaced", lang, label=label, raw=raw, now=now[name]) if name in now
                   else t("param_dropped", lang, label=label, raw=raw))
    return out


@callback(Output(ids.NAV, "children"), Output(ids.PAGE, "children"), Output(ids.NOTICE, "children"),
          Output(ids.ROUTE_STORE, "data"),
          Input(ids.URL, "pathname"), Input(ids.URL, "search"), State(ids.ROUTE_STORE, "data"))
def router(pathname, search, rendered):
    """Render navigation + page from the URL; skip when the URL was written by our own controls."""
    search = search or ""
    if rendered and rendered.get("pathname") == pathname and rendered.get("search") == search:
        raise PreventUpdate
    lang = lang_of(search)
    notices: list[str] = []
    try:
        nav = navbar(lang, search, pathname)
        if not data.warehouse_ready():
            return (nav, dbc.Alert(t("no_warehouse", lang), color="warning"), None,
                    {"pathname": pathname, "search": search})
        st, bad = parse(search, data.catalogue())
        notices.extend(fallback_sentences(bad, st, lang))
        page, pvars = route(pathname)
        if page == "notfound":
            notices.append(t("page_not_found", lang))
            page = "karte"
        content = reach.wrap(page, _page_layouts()[page](st, **pvars), lang, pathname, search)
        nav = None if reach.is_embed(search) else nav          # embed: no navigation, no controls
    except Exception:  # noqa: BLE001 - never a stack trace in the browser
        log.exception("rendering %s%s failed", pathname, search)
        return (None, dbc.Alert(t("error_generic", lang), color="danger"), None,
                {"pathname": pathname, "search": search})
    notice = dbc.Alert([html.Strong(t("notice", lang) + ":"), html.Ul([html.Li(n) for n in notices], className="mb-0")],
                       color="info", dismissable=True, className="m-2 mb-0 py-2", id="notice-alert") if notices else None
    return nav, content, notice, {"pathname": pathname, "search": search}


@callback(*[Output(ids.NAV_LINK.format(p), "href") for p in NAV_PAGES], Output(ids.LANG_TOGGLE, "href"),
          Input(ids.URL, "search"), State(ids.URL, "pathname"), prevent_initial_call=True)
@guard(len(NAV_PAGES) + 1)
def keep_nav_state(search, pathname):
    """Navigation links carry the current state (filters, indicator, language) to the other pages."""
    st, _ = parse(search, data.catalogue())
    hrefs = [nav_href(p, search or "", st.sel) for p in NAV_PAGES]
    return (*hrefs, (pathname or "/") + _with_lang(search or "", "en" if st.lang == "de" else "de"))


@callback(Output(ids.URL, "pathname"), Output(ids.URL, "search"), Output(ids.ROUTE_STORE, "data", allow_duplicate=True),
          Input({"type": "state-out", "page": ALL}, "data"), Input({"type": "nav-out", "page": ALL}, "data"),
          State(ids.URL, "pathname"), State(ids.URL, "search"), prevent_initial_call=True)
def apply_url(states, navs, pathname, search):
    """Pages write the new query string (state) or a navigation request into page-local stores; this
    one callback turns them into the URL. State writes mark the URL as rendered so the router skips."""
    trig = ctx.triggered_id
    if not isinstance(trig, dict):
        raise PreventUpdate
    value = ctx.triggered[0]["value"] if ctx.triggered else None
    if not value:
        raise PreventUpdate
    if trig.get("type") == "nav-out":
        return value["pathname"], value["search"], no_update
    if value == (search or ""):
        raise PreventUpdate
    return no_update, value, {"pathname": pathname, "search": value}


# pages register themselves (dash.register_page) and their callbacks on import; imported here, not by
# Dash's folder scan, because they are modules of this package (relative imports)
from .pages import _shared, daten, kapazitaet, karte, profil, status, tabelle, vergleich  # noqa: E402,F401
from . import reach_app  # noqa: E402
reach_app.register(app)   # share/embed/export/citation, frame-ancestors policy, <html lang>
from . import poster  # noqa: E402
poster.register(app)      # the map's still image in a Karte page's HTML (first paint)
from . import security  # noqa: E402
security.register(app)    # CSP (hashes of Dash's inline scripts), nosniff, Referrer-Policy; docs/SECURITY.md


@server.errorhandler(500)
def _internal_error(_exc):  # pragma: no cover - last resort; callbacks are guarded
    return "Interner Fehler / internal error – bitte neu laden / please reload.", 500


def run(host: str = "127.0.0.1", port: int = 8050, debug: bool = False) -> None:
    """Dash development server (`integrationsatlas serve --dev`); production uses gunicorn dashboard.app:server."""
    app.run(host=host, port=port, debug=debug, dev_tools_ui=debug, dev_tools_props_check=debug)


if __name__ == "__main__":  # pragma: no cover
    run(debug=True)
