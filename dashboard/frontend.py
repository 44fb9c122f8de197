"""What the browser downloads before the first map: the plotly.js bundle and cache headers (issue 11).

Why: Dash's dcc.Graph loads the full plotly.js (4.8 MB, 1.4 MB brotli) unless `window.Plotly` already
exists. With IA_PLOTLY_BUNDLE=partial (default) the page gets a partial bundle with only the trace types
the app draws (scripts/build_plotly_bundle.py → var/vendor/plotly-ia.min.js or IA_PLOTLY_BUNDLE_FILE, ~0.7 MB brotli) as a normal
script tag under a content-hashed URL, served precompressed and cached for a year; dcc.Graph then never
requests the full bundle. When the file was not built (no node on the machine), the full bundle stays.

AG Grid: with IA_LAZY_GRID=1 (default) dash-ag-grid's script is left out of the page and a small stand-in
(vendor_js/ia_lazy_grid.js) loads it when a grid comes into view: the map page's table is in a hidden tab.

Also: Dash fingerprints /assets/ files with ?m=<mtime> but sends them with `Cache-Control: no-cache`, so a
warm load revalidates every asset; fingerprinted asset URLs get the same year-long cache as the
component suites (a changed file gets a new ?m=).
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from etl.settings import get_settings

log = logging.getLogger(__name__)
LAZY_GRID_FILE = Path(__file__).parent / "vendor_js" / "ia_lazy_grid.js"
IMMUTABLE = "public, max-age=31536000, immutable"
BUNDLES = ("partial", "full")


def bundle_mode() -> str:
    mode = str(get_settings().plotly_bundle).strip().lower()
    if mode not in BUNDLES:
        log.warning("IA_PLOTLY_BUNDLE=%r unknown (partial|full): using partial", mode)
        mode = "partial"
    return mode


def partial_file() -> Path:
    """The partial bundle's path (IA_PLOTLY_BUNDLE_FILE, default var/vendor/plotly-ia.min.js)."""
    return Path(get_settings().plotly_bundle_file)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def partial_url() -> str | None:
    """Content-hashed URL of the partial bundle, or None (full bundle) when off or not built."""
    if bundle_mode() == "full":
        return None
    path = partial_file()
    if not path.exists():
        log.warning("%s not built (python scripts/build_plotly_bundle.py): serving the full plotly.js bundle", path)
        return None
    return f"/vendor/plotly-ia.{_digest(path)}.min.js"


def lazy_grid() -> bool:
    return str(get_settings().lazy_grid).strip().lower() in {"1", "true", "yes"}


def _grid_src() -> str:
    """dash-ag-grid's main script under the fingerprinted URL Dash itself would use (year-long cache)."""
    import dash_ag_grid
    from dash.fingerprint import build_fingerprint
    rel = "dash_ag_grid.min.js"
    mtime = int((Path(dash_ag_grid.__file__).parent / rel).stat().st_mtime)
    return "/_dash-component-suites/dash_ag_grid/" + build_fingerprint(rel, dash_ag_grid.__version__, mtime)


def _lazy_grid_js() -> bytes:
    return LAZY_GRID_FILE.read_text().replace(
        "__IA_GRID_SRC__", _grid_src()).encode()


def _defer_grid_library() -> None:
    """Leave dash-ag-grid's main script out of the page's script tags; Dash still serves it (dynamic resource)."""
    import dash_ag_grid
    for res in dash_ag_grid._js_dist:          # one list shared by every dash_ag_grid component class
        if res.get("relative_package_path") == "dash_ag_grid.min.js":
            res["dynamic"] = True


def external_scripts() -> list[str]:
    """Script tags before Dash's own: the partial plotly.js bundle, the lazy AG Grid stand-in."""
    out = []
    url = partial_url()
    if url:
        out.append(url)
    if lazy_grid() and LAZY_GRID_FILE.exists():
        _defer_grid_library()
        out.append(f"/vendor/ia-lazy-grid.{hashlib.sha256(_lazy_grid_js()).hexdigest()[:12]}.js")
    return out


def register(server) -> None:
    """The partial-bundle route (precompressed br/gzip) and year-long caching of fingerprinted assets."""
    from flask import Response, abort, request

    cache: dict[str, bytes] = {}

    def body(suffix: str) -> bytes | None:
        if suffix not in cache:
            f = partial_file()
            p = f.with_name(f.name + suffix)
            if not p.exists():
                return None
            cache[suffix] = p.read_bytes()
        return cache[suffix]

    @server.route("/vendor/plotly-ia.<digest>.min.js")
    def _plotly_partial(digest: str):
        if not partial_file().exists() or digest != _digest_cached():
            abort(404)
        accept = request.headers.get("Accept-Encoding", "").lower()
        for enc, suffix in (("br", ".br"), ("gzip", ".gz"), (None, "")):
            if enc and enc not in accept:
                continue
            data = body(suffix)
            if data is None:
                continue
            resp = Response(data, mimetype="text/javascript")
            if enc:
                resp.headers["Content-Encoding"] = enc   # Flask-Compress leaves encoded responses alone
            resp.headers["Cache-Control"] = IMMUTABLE
            resp.headers["Vary"] = "Accept-Encoding"
            return resp
        abort(404)

    @server.route("/vendor/ia-lazy-grid.<digest>.js")
    def _lazy_grid(digest: str):
        js = _lazy_grid_js()
        if digest != hashlib.sha256(js).hexdigest()[:12]:
            abort(404)
        resp = Response(js, mimetype="text/javascript")
        resp.headers["Cache-Control"] = IMMUTABLE
        return resp

    digests: dict[str, str] = {}

    def _digest_cached() -> str:
        if "d" not in digests:
            digests["d"] = _digest(partial_file())
        return digests["d"]

    @server.after_request
    def _cache_fingerprinted(resp):
        if request.path.startswith("/assets/") and request.args.get("m") and resp.status_code == 200:
            resp.headers["Cache-Control"] = IMMUTABLE
        return resp
