"""A still image of the choropleth, drawn on the server, for the map's first paint (issue 11).

Why: the live map needs Dash to boot, the page callback to answer and MapLibre to triangulate 11,000
polygons in software WebGL (~2 s on a 2-core machine). The page's HTML names a PNG of the very same
map instead (same polygons as the zoom-z tiles, same colours as the first paint payload, at the live
map's Web Mercator scale), which the browser paints as soon as it has the HTML and the image; the
live map covers it when it has drawn. Without WebGL the still image is what remains.

Pure drawing: colours come in per unit (this module knows no indicators); Pillow rasterises.
"""
from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw   # at import, not lazily: plotly's JSON encoder looks at a half-imported
                                   # PIL.Image from another thread and fails ("partially initialized module")

from geodata.tiles import _R, EXTENT_PX, generalised, mercator

PAD = 2                         # pixels around the geometry's bounding box
SUPERSAMPLE = 1                 # >1: drawn this many times larger, then reduced (smoothed edges; the live map in
                                # software GL has none, so 1 matches it best)
# the live map's fill outline is white at 45 %; drawn here as a 1-px line, white at 60 % matched a screenshot of
# the live Gemeinde map best (57 % of pixels equal, 49 % at 45 %)
OUTLINE = (255, 255, 255, 153)
HATCH_ON, HATCH_OFF = (0x80, 0x80, 0x80), (0xd9, 0xd9, 0xd9)   # the map's no-data hatch (assets/ia_map.js)


def world_px(zoom: float) -> float:
    """MapLibre's world width in CSS pixels at a zoom (512-px tiles)."""
    return EXTENT_PX * 2 ** zoom


def project(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web Mercator pixel position of a point at a zoom, from the world's top-left corner."""
    w = world_px(zoom)
    x = (lon + 180.0) / 360.0 * w
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * w
    return x, y


@dataclass(frozen=True)
class Rings:
    """One unit's polygons in image pixels: [(exterior, [holes])], each ring a flat [x0, y0, x1, y1, ...]."""
    ags: str
    parts: tuple
    area: float


class PosterGeometry:
    """The polygons of one geometry asset, projected once to image pixels at one zoom."""

    def __init__(self, asset: Path, zoom: float):
        import numpy as np
        import shapely
        self.asset, self.zoom = Path(asset), float(zoom)
        ags, merc = mercator(self.asset)
        geoms = generalised(merc, int(math.floor(self.zoom)))
        scale = world_px(self.zoom) / (2 * _R)
        if len(geoms):
            x0, y0, x1, y1 = shapely.total_bounds(geoms)
        else:
            x0 = y0 = x1 = y1 = 0.0
        # image origin in world pixels (top-left), whole pixels so polygons land where the live map puts them
        self.left = math.floor((x0 + _R) * scale) - PAD
        self.top = math.floor((_R - y1) * scale) - PAD
        self.width = math.ceil((x1 + _R) * scale) + PAD - self.left
        self.height = math.ceil((_R - y0) * scale) + PAD - self.top
        units = []
        for a, g in zip(ags, geoms):
            parts = []
            for poly in getattr(g, "geoms", [g]):
                if poly.is_empty:
                    continue
                rings = [np.asarray(poly.exterior.coords)] + [np.asarray(r.coords) for r in poly.interiors]
                flat = [self._flat(r, scale) for r in rings]
                parts.append((flat[0], tuple(flat[1:])))
            if parts:
                units.append(Rings(a, tuple(parts), float(g.area)))
        # large units first: an enclave (in a hole of its neighbour) is drawn after, on top
        self.units = sorted(units, key=lambda u: -u.area)

    def _flat(self, ring, scale: float) -> list[float]:
        px = (ring[:, 0] + _R) * scale - self.left
        py = (_R - ring[:, 1]) * scale - self.top
        out = [0.0] * (2 * len(px))
        out[0::2], out[1::2] = px.tolist(), py.tolist()
        return out

    def anchor(self, lon: float, lat: float) -> tuple[float, float]:
        """Where a point (the live map's centre) lies in the image, in pixels from its top-left corner."""
        x, y = project(lon, lat, self.zoom)
        return x - self.left, y - self.top

    def render(self, fills: dict[str, tuple[int, int, int]], hatched: set[str], outline: tuple[int, int, int, int] =
               OUTLINE, supersample: int = SUPERSAMPLE) -> bytes:
        """PNG (transparent outside the units): each unit in `fills` filled with its colour, units in `hatched`
        with the no-data hatch, units in neither left out (the live map keeps them transparent too); then every
        border as a 1-px line in `outline` (the live map's fill outline). Drawn `supersample`
        times larger and reduced, so edges are smoothed as MapLibre's antialiasing smooths them."""
        k = max(1, int(supersample))
        size = (self.width * k, self.height * k)
        img = Image.new("RGBA", size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(img)
        hatch_mask = Image.new("L", size, 0) if hatched else None
        mdraw = ImageDraw.Draw(hatch_mask) if hatch_mask is not None else None
        lines = Image.new("RGBA", size, (0, 0, 0, 0))
        ldraw = ImageDraw.Draw(lines)
        scale = (lambda r: r) if k == 1 else (lambda r: [c * k for c in r])
        for u in self.units:
            if u.ags in hatched:
                fill = HATCH_OFF
            else:
                fill = fills.get(u.ags)
                if fill is None:
                    continue
            for ext, holes in u.parts:
                ext = scale(ext)
                draw.polygon(ext, fill=fill + (255,))
                ldraw.line(ext + ext[:2], fill=outline, width=k)
                for h in holes:          # a hole nobody fills stays transparent (an enclave is drawn later)
                    draw.polygon(scale(h), fill=(0, 0, 0, 0))
                if mdraw is not None:
                    mdraw.polygon(ext, fill=255 if u.ags in hatched else 0)
                    for h in holes:
                        mdraw.polygon(scale(h), fill=0)
        if hatch_mask is not None and hatch_mask.getbbox():
            img.paste(_hatch(size, k), (0, 0), hatch_mask)
        lines.putalpha(Image.composite(lines.getchannel("A"), Image.new("L", size, 0), img.getchannel("A")))
        img = Image.alpha_composite(img, lines)
        if k > 1:
            img = img.reduce(k)
        buf = io.BytesIO()
        img.save(buf, format="PNG", compress_level=6)
        return buf.getvalue()


def _hatch(size: tuple[int, int], k: int = 1):
    """The map's 8×8 diagonal no-data hatch (drawn k times larger), tiled over an image of `size`."""
    n = 8
    tile = Image.new("RGBA", (n, n))
    tile.putdata([(HATCH_ON if ((x + y) % n) < 2 else HATCH_OFF) + (255,) for y in range(n) for x in range(n)])
    if k > 1:
        tile, n = tile.resize((n * k, n * k), Image.NEAREST), n * k
    out = Image.new("RGBA", size)
    for y in range(0, size[1], n):
        for x in range(0, size[0], n):
            out.paste(tile, (x, y))
    return out


_GEOMS: dict[tuple[Path, float], PosterGeometry] = {}
_LOCK = threading.Lock()


def poster_geometry(asset: Path, zoom: float) -> PosterGeometry:
    """The projected polygons of an asset file at a zoom, one per process (the file name carries its hash)."""
    key = (Path(asset), float(zoom))
    with _LOCK:
        hit = _GEOMS.get(key)
    if hit is not None:
        return hit
    geom = PosterGeometry(asset, zoom)
    with _LOCK:
        for old in [k for k in _GEOMS if k[0].parent == key[0].parent and k[0].name.split(".")[0] ==
                    key[0].name.split(".")[0] and k != key]:
            del _GEOMS[old]    # an older build's polygons of the same level go
        return _GEOMS.setdefault(key, geom)


def cached_geometry(asset: Path, zoom: float) -> PosterGeometry | None:
    """The projected polygons if this process has built them already, else None (never builds)."""
    with _LOCK:
        return _GEOMS.get((Path(asset), float(zoom)))
