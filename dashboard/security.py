"""Security response headers of the Dash app (issue 11), registered once by app.py with `register(app)`.

Every response: X-Content-Type-Options: nosniff, Referrer-Policy, Permissions-Policy (no camera, microphone,
geolocation, payment), Cross-Origin-Opener-Policy. HTML documents also get a Content-Security-Policy that Dash,
Plotly, MapLibre, AG Grid and the PNG/SVG export work with (docs/SECURITY.md says why each source is allowed):

- script-src 'self' + the sha256 hashes of Dash's inline scripts (the renderer bootstrap and the clientside
  callbacks, `app.csp_hashes()`), no 'unsafe-inline'; 'unsafe-eval' because the Plotly bundle compiles
  functions at run time (without it the map and the charts stay blank);
- style-src 'self' 'unsafe-inline': Plotly, MapLibre and AG Grid set inline styles and inject <style> elements;
- img-src / font-src data: blob: (export previews, Plotly's marker images, MapLibre's canvas), worker-src blob:
  (MapLibre runs its workers from blob URLs), connect-src 'self' (callbacks, geometry assets; nothing else);
- object-src 'none', base-uri 'self', form-action 'self';
- frame-ancestors: 'none' (+ X-Frame-Options: DENY, set by reach_app.frame_policy) except `?embed=1`
  documents, which any site may frame (the embed feature).

Nothing here names a bundle file, so a partial Plotly bundle or new assets need no change. The hashes are
computed on the first request, after every clientside callback has been registered.
"""
from __future__ import annotations

from .components import reach

# directive -> sources; script-src gets the inline-script hashes appended, frame-ancestors is per request
CSP_BASE = (
    ("default-src", "'self'"),
    ("script-src", "'self' 'unsafe-eval'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data: blob:"),
    ("font-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("worker-src", "'self' blob:"),
    ("child-src", "'self' blob:"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
)
FRAME_ANCESTORS = {True: "frame-ancestors *", False: "frame-ancestors 'none'"}
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def content_security_policy(script_hashes: list[str] | tuple[str, ...], embed: bool) -> str:
    parts = []
    for name, sources in CSP_BASE:
        if name == "script-src" and script_hashes:
            sources = sources + " " + " ".join(script_hashes)
        parts.append(f"{name} {sources}")
    parts.append(FRAME_ANCESTORS[bool(embed)])
    return "; ".join(parts)


def register(app) -> None:
    """after_request hook on the Dash app's Flask server; drop the Python version from Dash's page config."""
    from flask import request

    server = app.server
    cache: dict[str, tuple[str, ...]] = {}

    def hashes() -> tuple[str, ...]:
        if "h" not in cache:
            cache["h"] = tuple(app.csp_hashes())
        return cache["h"]

    @server.after_request
    def _security_headers(resp):
        for k, v in COMMON_HEADERS.items():
            resp.headers.setdefault(k, v)
        if resp.mimetype == "text/html":
            embed = request.args.get(reach.EMBED_PARAM) == "1"
            resp.headers["Content-Security-Policy"] = content_security_policy(hashes(), embed)
            if not embed:
                resp.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return resp

    original = getattr(app, "_config", None)
    if callable(original):
        def _config(*args, **kwargs):
            cfg = original(*args, **kwargs)
            if isinstance(cfg, dict):
                cfg.pop("python_version", None)   # no interpreter version in every page
            return cfg
        app._config = _config
