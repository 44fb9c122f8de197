"""App-level parts of issue 12 (reach), registered once by app.py with `register(app)`:

- `<html lang>` follows the UI language in the served page (and assets/ia_reach.js keeps it in step
  when the language toggle navigates client-side);
- the frame-ancestors policy: only `?embed=1` documents may be framed by other sites, every other
  page says `frame-ancestors 'none'` (+ X-Frame-Options: DENY); an existing Content-Security-Policy
  header is extended, not replaced;
- GET /api/geojson?<the view's query string>: the units the view shows (filters applied) with their
  values, flags, reference date and provenance, geometry from the content-hashed geodata asset;
- GET /api/pages: the registered pages (path or path template), used by the browser tests to visit
  every page, including pages added later;
- callbacks: citation / permalink / embed code of the view, the collapsed navigation on phones.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from functools import lru_cache
from pathlib import Path

import pandas as pd
from dash import Input, Output, State, callback, clientside_callback
from dash.exceptions import PreventUpdate

from . import data, ids
from .callbacks_util import expect, guard, state_of
from .components import filters, reach
from .i18n import indicator_label, indicator_unit, t
from .state import parse

log = logging.getLogger(__name__)


def frame_policy(resp, embed: bool):
    """Set frame-ancestors on an HTML response: '*' for embed views, 'none' otherwise."""
    fa = "frame-ancestors *" if embed else "frame-ancestors 'none'"
    csp = resp.headers.get("Content-Security-Policy", "")
    if "frame-ancestors" not in csp:
        resp.headers["Content-Security-Policy"] = (csp.rstrip("; ") + "; " + fa) if csp else fa
    if embed:
        resp.headers.pop("X-Frame-Options", None)
    else:
        resp.headers["X-Frame-Options"] = "DENY"
    return resp


@lru_cache(maxsize=3)
def _geometry(path: str, mtime: float) -> dict:
    """ags → GeoJSON geometry of one geodata asset file (parsed once per file)."""
    with open(path, encoding="utf-8") as fh:
        fc = json.load(fh)
    return {str(f["id"]): f["geometry"] for f in fc["features"]}


def geometry_for(level: str) -> dict:
    from geodata.api import asset_path
    url = data.geo_assets().get(level)
    if not url:
        return {}
    hit = asset_path(url.rsplit("/", 1)[-1], gzip_ok=False)
    if hit is None:
        return {}
    path = hit[0]
    return _geometry(str(path), Path(path).stat().st_mtime)


def _num(v):
    return None if v is None or pd.isna(v) else float(v)


def geojson_payload(search: str) -> tuple[dict, str]:
    """FeatureCollection of the units that pass the view's filters, with their values (NULL stays null)."""
    st, _ = parse(search, data.catalogue())
    df = data.values_or_empty(st.ind, st.level, st.year)
    if len(df):
        df = df[filters.mask(df, st)]
    spec = data.indicator(st.ind) or {}
    meta = data.meta(st.ind, st.level, st.year) if st.year else {}
    geom = geometry_for(st.level)
    unit = indicator_unit(spec, st.lang) if spec else ""
    label = indicator_label(spec, st.lang) if spec else st.ind
    feats = []
    for r in df.itertuples(index=False):
        ags = str(r.ags)
        feats.append({"type": "Feature", "id": ags, "geometry": geom.get(ags), "properties": {
            "ags": ags, "name": str(r.name), "value": _num(r.value),
            "flag": r.flag if isinstance(r.flag, str) and r.flag else None,
            "unit": unit, "reference_date": str(r.reference_date)[:10] if pd.notna(r.reference_date) else None,
            "indicator": st.ind, "indicator_label": label, "level": st.level, "year": st.year,
            "table_code": meta.get("table_code"), "source": meta.get("source"),
            "licence": meta.get("licence") or "dl-de/by-2-0"}})
    fc = {"type": "FeatureCollection", "name": f"integrationsatlas_{st.ind}_{st.level}_{st.year}",
          "features": feats,
          "metadata": {"indicator": st.ind, "indicator_label": label, "level": st.level, "year": st.year,
                       "reference_date": meta.get("reference_date"), "source": meta.get("source"),
                       "table_code": meta.get("table_code"), "licence": meta.get("licence") or "dl-de/by-2-0",
                       "attribution": meta.get("attribution"), "filters": st.filters(), "berlin_rule": st.br,
                       "build": data.build_id(), "generated": dt.date.today().isoformat()}}
    return fc, f"{fc['name']}.geojson"


def register(app) -> None:
    """Routes, response headers, the index hook and the callbacks of the reach features."""
    from flask import Response, request

    server = app.server

    @server.after_request
    def _frame_ancestors(resp):
        if resp.mimetype == "text/html":
            frame_policy(resp, request.args.get(reach.EMBED_PARAM) == "1")
        return resp

    original = app.interpolate_index

    def interpolate_index(**kwargs):
        page = original(**kwargs)
        try:
            lang = "en" if request.args.get("lang") == "en" else "de"
            cls = ' class="ia-embed-doc"' if request.args.get(reach.EMBED_PARAM) == "1" else ""
        except RuntimeError:   # outside a request
            lang, cls = "de", ""
        return page.replace("<html>", f'<html lang="{lang}"{cls}>', 1)

    app.interpolate_index = interpolate_index

    @server.get("/api/geojson")
    def _geojson():
        try:
            fc, name = geojson_payload(request.query_string.decode("utf-8", "replace"))
        except Exception as exc:  # noqa: BLE001 - a bad selection is a 400 with the reason, never a trace
            from etl.errors import UnknownSelection
            log.exception("geojson failed")
            msg = str(exc) if isinstance(exc, UnknownSelection) else "this view cannot be exported as GeoJSON"
            return Response(json.dumps({"error": msg}), status=400, mimetype="application/json")
        body = json.dumps(fc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return Response(body, mimetype="application/geo+json",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-cache"})

    @server.get("/api/pages")
    def _pages():
        import dash
        pages = [{"module": p["module"], "name": p["name"], "path": p["path"], "path_template": p.get("path_template")}
                 for p in dash.page_registry.values()]
        return Response(json.dumps(pages), mimetype="application/json")

    clientside_callback(
        """function (n, open) { if (!n) { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
            return [!open, String(!open)]; }""",
        Output(ids.NAV_COLLAPSE, "is_open"), Output(ids.NAV_TOGGLER, "aria-expanded"),
        Input(ids.NAV_TOGGLER, "n_clicks"), State(ids.NAV_COLLAPSE, "is_open"), prevent_initial_call=True)

    @callback(Output(ids.SHARE_CITATION, "children"), Output(ids.SHARE_BIBTEX, "children"),
              Output(ids.SHARE_PERMALINK, "value"), Output(ids.SHARE_EMBED_CODE, "value"),
              Output(ids.SHARE_EMBED_LINK, "href"),
              Input(ids.SHARE_CTX, "data"), Input(ids.URL, "search"), State(ids.URL, "pathname"))
    @guard(5)
    def _citation(ctx_data, search, pathname):
        if not expect("share-ctx", ctx_data) or reach.is_embed(search):
            raise PreventUpdate
        st = state_of(search)
        host = request.host_url if request else "http://127.0.0.1:8050/"
        text, bib, permalink = reach.citation(ctx_data.get("page", ""), st, pathname, search or "", host)
        embed_url = host.rstrip("/") + (pathname or "/") + reach.with_embed(search)
        code = reach.embed_code(embed_url, t("app_title", st.lang))
        return text, bib, permalink, code, (pathname or "/") + reach.with_embed(search)
