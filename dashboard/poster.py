"""The map's still image in the page's HTML: the choropleth on screen before Dash has booted (issue 11).

Why: before the live map can draw, the browser runs ~1 MB of JavaScript, Dash fetches its layout, the page
callback answers and MapLibre triangulates the polygons — ~2 s on a 2-core machine, whatever the cache.
The HTML of a Karte URL therefore names `/map-poster.png?<the same query>`: the same state's first paint
payload drawn on the server (geodata/poster.py: the polygons of the live map's tiles, at its Web Mercator
scale, in its colours). assets/ia_poster.js keeps the image over the map's box and fades it out once the live
map has drawn (`ia-map-drawn`); the image is transparent outside the units and ignores the pointer.

Only where the still image equals what the live map first shows: the Karte page's map tab at the default
centre and zoom (no selection to zoom to), screens from 700 px on (narrower ones fit Germany to the screen).
Until Dash has rendered the page's own title and source footer, a caption on the image names them (title, source,
table, reference date, licence: the texts update_map gives).
IA_MAP_POSTER=0 switches it off (the baseline of bench/bench_first_paint.py).
"""
from __future__ import annotations

import hashlib
import html
import logging
from urllib.parse import urlencode

from etl.settings import get_settings
from geodata import poster as gp


from . import data
from .components import mapfig, reach
from .state import AppState, parse, route

log = logging.getLogger(__name__)
URL = "/map-poster.png"
MIN_WIDTH_PX = 700          # below: the live map fits Germany to the screen (assets/ia_map.js), another scale
LEVELS = ("gemeinde", "kreis", "land")
IMMUTABLE = "public, max-age=31536000, immutable"


def enabled() -> bool:
    return str(get_settings().map_poster).strip().lower() not in {"0", "false", "no", "off"}


def _asset(level: str):
    """Path of the level's geometry asset (None without one)."""
    from geodata.api import asset_path
    url = data.geo_assets().get(level)
    hit = asset_path(url.rsplit("/", 1)[-1], gzip_ok=False) if url else None
    return hit[0] if hit else None


def geometry(level: str, build: bool = True):
    """The level's poster geometry at the live map's zoom; with build=False only when already built (the
    page's HTML never waits ~1.5 s for it: the start-up warm-up builds it)."""
    asset = _asset(level)
    if asset is None:
        return None
    if not build:
        return gp.cached_geometry(asset, mapfig.ZOOM)
    return gp.poster_geometry(asset, mapfig.ZOOM)


def shows(st: AppState) -> bool:
    """Whether the live map's first frame is the still image of this state: map tab, default view."""
    return st.tab in ("", "map") and not st.sel and st.level in LEVELS


def build_tag() -> str:
    """Names the warehouse build in the poster URL, so the image may be cached for good."""
    return hashlib.sha1(repr(data._ident()).encode()).hexdigest()[:10]


def _rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def fills(p: dict) -> tuple[dict[str, tuple[int, int, int]], set[str]]:
    """Colour per unit as the live map paints the payload (assets/ia_map.js paint: class colour, a faded unit
    at the payload's opacity over the white map background) and the units hatched for no data."""
    on, off = (p.get("opacity") or [1.0, mapfig.FADED])[:2]
    fade = set(p.get("fade") or [])
    colours = [_rgb(c) for c in p.get("colours") or []]
    out, hatched = {}, set()
    for i, (a, k) in enumerate(zip(p["ags"], p["cls"])):
        if k is None or k < 0 or k >= len(colours):
            hatched.add(a)
            continue
        alpha = off if i in fade else on
        out[a] = tuple(round(c * alpha + 255 * (1 - alpha)) for c in colours[k])
    return out, hatched


@data.memo(maxsize=32)      # per warehouse build and state
def png(st: AppState) -> bytes | None:
    """The still image of a state's first paint payload (None where the map does not show it)."""
    from .pages import karte
    if not shows(st):
        return None
    geo_url = data.geo_assets().get(st.level)
    p, _meta = karte.first_payload(st, geo_url)
    geom = geometry(st.level)
    if not p or geom is None or "ags" not in p:
        return None
    colour, hatched = fills(p)
    return geom.render(colour, hatched)


def state_of(path: str, query: str) -> AppState | None:
    """The Karte state of a request (None for other pages)."""
    page, _ = route(path)
    if page != "karte":
        return None
    st, _bad = parse(query, data.catalogue())
    return st


def tag(path: str, query: str) -> str:
    """The <div> with the still image for the page's HTML, or '' (other pages, not warmed yet, off, errors)."""
    if not enabled():
        return ""
    try:
        st = state_of(path, query)
        if st is None or not shows(st) or reach.is_embed(query):   # an embed has another layout: no still image
            return ""
        geom = geometry(st.level, build=False)
        if geom is None:
            return ""
        cx, cy = geom.anchor(mapfig.CENTER["lon"], mapfig.CENTER["lat"])
        from .pages import karte
        title, source = (html.escape(x) for x in karte.caption(st))
        src = URL + "?" + (query + "&" if query else "") + urlencode({"b": build_tag()})
        src = html.escape(src, quote=True)
        # <picture>: narrow screens get a 1-px stand-in instead of downloading an image they would not show
        return (f'<div id="ia-poster" class="ia-poster" aria-hidden="true" data-cx="{cx:.1f}" data-cy="{cy:.1f}">'
                f'<picture><source media="(min-width: {MIN_WIDTH_PX}px)" srcset="{src}">'
                f'<img src="data:image/gif;base64,R0lGODlhAQABAAAAACwAAAAAAQABAAA=" alt="" width="{geom.width}" '
                f'height="{geom.height}" elementtiming="ia-map-poster" decoding="async" fetchpriority="high" '
                f'style="left: calc(50% - {cx:.1f}px); top: calc(50% - {cy:.1f}px)"></picture>'
                # until Dash has rendered the page's own title and footer (assets/app.css hides it once placed)
                f'<p class="ia-poster-cap"><strong>{title}</strong><br>{source}</p></div>')
    except Exception:  # noqa: BLE001 - the page works without its still image
        log.warning("map poster tag not built for %s?%s", path, query, exc_info=True)
        return ""


def warm() -> None:
    """Start-up: the poster geometry of every level (Gemeinden first) and the landing page's image at each level
    (its default view and the level switch above the map, the same for every visitor)."""
    if not enabled():
        return
    for level in LEVELS:
        geometry(level)
    for query in ("", "level=kreis", "level=land"):
        png(state_of("/", query))


def register(app) -> None:
    """The image route and the index hook that puts the tag into a Karte page's HTML."""
    from flask import Response, abort, request

    @app.server.get(URL)
    def _map_poster():
        if not enabled():
            abort(404)
        query = "&".join(kv for kv in request.query_string.decode("utf-8", "replace").split("&")
                         if not kv.startswith("b="))
        try:
            st = state_of("/", query)
            body = png(st) if st is not None else None
        except Exception:  # noqa: BLE001 - a 404, never a trace
            log.warning("map poster failed for %s", query, exc_info=True)
            body = None
        if body is None:
            abort(404)
        fresh = request.args.get("b") == build_tag()
        return Response(body, mimetype="image/png",
                        headers={"Cache-Control": IMMUTABLE if fresh else "no-cache"})

    original = app.interpolate_index

    def interpolate_index(**kwargs):
        page = original(**kwargs)
        try:
            poster = tag(request.path, request.query_string.decode("utf-8", "replace"))
        except RuntimeError:    # outside a request
            poster = ""
        return page.replace("<footer>", poster + "<footer>", 1) if poster else page

    app.interpolate_index = interpolate_index
