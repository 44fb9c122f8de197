"""Mapbox Vector Tiles cut from a geometry asset, for the map's first paint (issue 11).

Why tiles and not the GeoJSON asset: with a GeoJSON source the browser parses 4 MB of Gemeinde
geometry on its main thread, copies it to MapLibre's worker and builds a geojson-vt index there
before the first polygon is tessellated (~2 s of a 2-core machine's CPU in headless Chromium). A
vector source gets a few pre-cut, pre-quantised tiles (Germany is one z4 tile at the default zoom)
that the worker decodes directly. The tiles are cut from the very same asset (same simplified,
quantised polygons; same content hash in the URL), by DuckDB's spatial extension (ST_AsMVT), on
first request or by the start-up warm-up, and kept in memory: deterministic bytes per asset.

Zoom: tiles exist for z0–MAX_ZOOM; MapLibre over-zooms beyond that. At z7 a tile unit is ~76 m,
finer than the generalisation of VG5000 (1:5 Mio.) the assets are made from. Tiles of z0–4, where the asset
is finer than a pixel, are cut from the whole coverage simplified to one pixel (shapely.coverage_simplify:
shared borders stay shared): the Germany-wide z4 tile has 95,000 instead of 172,000 vertices for the worker
to triangulate.
"""
from __future__ import annotations

import gzip
import json
import math
import os
import re
import threading
from pathlib import Path

LAYER = "units"                 # the MVT layer name the map's layers read ("source-layer")
MAX_ZOOM = 7
EXTENT = 4096
BUFFER = 64                     # tile units around each tile, so outlines meet across tile edges
EXTENT_PX = 512                 # MapLibre draws a vector tile 512 px wide at its own zoom
GENERALISE_PX = 1.0             # low-zoom tiles: coverage simplified to 1 px at the finest zoom they are shown at
TILES_VERSION = "2"             # bump when the cutting changes: it is part of the tile URLs and of the cache folder
TILESET_NAME = re.compile(r"^(land|kreis|gemeinde)\.([0-9a-f]{12})\.v" + TILES_VERSION + "$")
_R = 20037508.342789244         # half the Web Mercator world width in metres


class TileError(ValueError):
    """A tile address outside the tile set (bad zoom, x or y)."""


def _spatial_connection():
    import duckdb

    from warehouse.connection import spatial_extension_path
    path = spatial_extension_path()
    if path is None:
        raise RuntimeError("the DuckDB spatial extension (pip duckdb-extension-spatial) is not installed")
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                                 "threads": 1})   # one thread: the same feature order, the same bytes, every time
    con.execute(f"LOAD '{path}'")
    return con


class TileSet:
    """All tiles of one geometry asset file (<level>.<hash>.json): tile(z, x, y) → MVT bytes (b'' = empty).

    Cut tiles are kept in memory and, when cache_dir is given, as <z>-<x>-<y>.mvt.gz files there, so the
    second gunicorn worker (and the next start) reads them instead of cutting them again."""

    def __init__(self, asset: Path, cache_dir: Path | None = None):
        self.asset = Path(asset)
        self.cache = Path(cache_dir) / tileset_name(self.asset.name) if cache_dir else None
        self._lock = threading.Lock()
        self._gz: dict[tuple[int, int, int], bytes] = {}
        self._con = None
        self.bounds: tuple[float, float, float, float] | None = None
        self.features = 0

    def _db(self):
        """The asset's polygons in Web Mercator in an in-memory DuckDB (built on the first tile not cached):
        table g (the asset as it is) and, for the low zooms where that is finer than a pixel, g<z> (the whole
        coverage simplified to GENERALISE_PX pixels at the tile's finest display zoom, shared borders kept)."""
        if self._con is None:
            import pandas as pd
            import shapely
            ags, merc = mercator(self.asset)
            con = _spatial_connection()
            tables = {"g": merc}
            for z in range(0, MAX_ZOOM + 1):
                if generalise_m(z) > finest_m():
                    tables[f"g{z}"] = generalised(merc, z)
            for name, g in tables.items():
                f = pd.DataFrame({"ags": ags, "wkb": shapely.to_wkb(g) if len(g) else []}, dtype=object)
                con.register("f", f)
                con.execute(f"CREATE TABLE {name} AS SELECT CAST(ags AS VARCHAR) AS ags, "
                            "ST_GeomFromWKB(wkb) AS geom FROM f ORDER BY ags")
                con.unregister("f")
            self._zoom_tables = {z: (f"g{z}" if f"g{z}" in tables else "g") for z in range(MAX_ZOOM + 1)}
            box = con.execute("SELECT min(ST_XMin(geom)), min(ST_YMin(geom)), max(ST_XMax(geom)), "
                              "max(ST_YMax(geom)) FROM g").fetchone()
            self.bounds = None if box[0] is None else tuple(float(v) for v in box)
            self.features = len(ags)
            self._con = con
        return self._con

    def covering(self, z: int) -> list[tuple[int, int]]:
        """(x, y) of the tiles at zoom z that the geometry's bounding box touches."""
        self._db()
        if self.bounds is None:
            return []
        s = 2 * _R / 2 ** z
        xmin, ymin, xmax, ymax = self.bounds
        n = 2 ** z - 1
        x0, x1 = max(0, int((xmin + _R) // s)), min(n, int((xmax + _R) // s))
        y0, y1 = max(0, int((_R - ymax) // s)), min(n, int((_R - ymin) // s))
        return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]

    def _cut(self, z: int, x: int, y: int) -> bytes:
        con = self._db()
        if (x, y) not in set(self.covering(z)):
            return b""
        row = con.execute(
            f"""SELECT ST_AsMVT({{'ags': ags, 'geom': ST_AsMVTGeom(geom, ST_Extent(ST_TileEnvelope($z, $x, $y)),
                    {EXTENT}, {BUFFER}, true)}}, '{LAYER}', {EXTENT})
                FROM {self._zoom_tables[z]} WHERE ST_Intersects(geom, ST_TileEnvelope($z, $x, $y))""",
            {"z": z, "x": x, "y": y}).fetchone()
        return bytes(row[0]) if row and row[0] else b""

    def tile_gzip(self, z: int, x: int, y: int) -> bytes:
        """The tile, gzip-compressed (mtime 0: the same bytes every time); memory → cache file → cut."""
        if not (0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
            raise TileError(f"no tile {z}/{x}/{y} (zoom 0–{MAX_ZOOM}, x and y 0–2^z−1)")
        key = (z, x, y)
        hit = self._gz.get(key)
        if hit is not None:
            return hit
        path = self.cache / f"{z}-{x}-{y}.mvt.gz" if self.cache else None
        if path is not None and path.is_file():
            body = path.read_bytes()
        else:
            with self._lock:
                if key in self._gz:
                    return self._gz[key]
                body = gzip.compress(self._cut(z, x, y), compresslevel=6, mtime=0)
                if path is not None:
                    try:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.part")
                        tmp.write_bytes(body)
                        tmp.replace(path)
                    except OSError:   # a read-only asset directory: memory only
                        pass
        self._gz[key] = body
        return body

    def tile(self, z: int, x: int, y: int) -> bytes:
        return gzip.decompress(self.tile_gzip(z, x, y))

    def warm(self, max_zoom: int = MAX_ZOOM) -> int:
        """Cut every tile the geometry touches up to max_zoom (once per asset on this machine: a lock file
        lets the second gunicorn worker wait and then read the first one's files); returns the tile count."""
        lock = None
        if self.cache is not None:
            import fcntl
            try:
                self.cache.mkdir(parents=True, exist_ok=True)
                lock = open(self.cache / ".warm.lock", "w")
                fcntl.flock(lock, fcntl.LOCK_EX)
            except OSError:   # read-only: every process cuts its own
                lock, self.cache = None, None
        try:
            done = self.cache / ".complete" if self.cache else None
            if done is not None and done.is_file():
                names = [p.name for p in self.cache.glob("*.mvt.gz")]
                for name in names:
                    z, x, y = (int(v) for v in name.split(".")[0].split("-"))
                    if z <= max_zoom:
                        self.tile_gzip(z, x, y)
                return len(names)
            n = 0
            for z in range(max_zoom + 1):
                for x, y in self.covering(z):
                    self.tile_gzip(z, x, y)
                    n += 1
            if done is not None and max_zoom == MAX_ZOOM:
                try:
                    done.write_text(str(n))
                except OSError:
                    pass
            return n
        finally:
            if lock is not None:
                lock.close()


def mercator(asset: Path) -> tuple[list[str], "np.ndarray"]:
    """(AGS per feature, shapely polygons in Web Mercator metres) of a geometry asset, in the asset's order."""
    import numpy as np
    import shapely
    from pyproj import Transformer
    feats = json.loads(Path(asset).read_text(encoding="utf-8")).get("features") or []
    ags = [str(x["id"]) for x in feats]
    geoms = shapely.from_geojson([json.dumps(x["geometry"]) for x in feats]) if feats else np.array([])
    tf = Transformer.from_crs(4326, 3857, always_xy=True)
    return ags, shapely.transform(geoms, lambda xy: np.column_stack(tf.transform(xy[:, 0], xy[:, 1])))


def generalise_m(z: int) -> float:
    """Mercator metres of GENERALISE_PX pixels at the finest display zoom of zoom-z tiles (just below z + 1)."""
    return GENERALISE_PX * 2 * _R / EXTENT_PX / 2 ** (z + 1)


def finest_m() -> float:
    """Mercator metres below which simplifying an asset changes nothing: its own tolerance (geodata/assets.py,
    500 m on the ground for Gemeinden ≈ 800 Mercator metres in Germany)."""
    from geodata.assets import TOLERANCE_M
    return min(TOLERANCE_M.values()) * 1.6


def generalised(merc, z: int):
    """The coverage as the zoom-z tiles draw it: simplified to GENERALISE_PX pixels where the asset is finer than
    that (shapely.coverage_simplify: shared borders stay shared), else as it is. Also the map poster's geometry
    (geodata/poster.py), so the still image and the live map show the same polygons."""
    import shapely
    if not len(merc) or generalise_m(z) <= finest_m():
        return merc
    return shapely.coverage_simplify(merc, generalise_m(z))


_SETS: dict[Path, TileSet] = {}
_SETS_LOCK = threading.Lock()


def tileset(asset: Path, cache_dir: Path | None = None) -> TileSet:
    """The TileSet of an asset file, one per process (the file name carries its content hash)."""
    asset = Path(asset)
    with _SETS_LOCK:
        ts = _SETS.get(asset)
        if ts is None:
            for old in [p for p in _SETS if p.parent == asset.parent and p.name.split(".")[0] == asset.name.split(".")[0]]:
                del _SETS[old]     # an older build's tiles of the same level go
            ts = _SETS[asset] = TileSet(asset, cache_dir)
        return ts


def tileset_name(asset_name: str) -> str:
    """'gemeinde.<hash>.json' → 'gemeinde.<hash>.v<TILES_VERSION>' (URL segment and cache folder)."""
    return asset_name.removesuffix(".json") + ".v" + TILES_VERSION


def asset_name(tileset: str) -> str | None:
    """The asset file a tile set name belongs to ('gemeinde.<hash>.json'), None for other names."""
    m = TILESET_NAME.match(tileset or "")
    return f"{m.group(1)}.{m.group(2)}.json" if m else None


def tiles_url(geo_url: str) -> str | None:
    """'/geo/gemeinde.<hash>.json' → '/tiles/gemeinde.<hash>.v2/{z}/{x}/{y}.pbf' (None for other URLs)."""
    m = re.search(r"/geo/((land|kreis|gemeinde)\.[0-9a-f]{12}\.json)$", geo_url or "")
    if not m:
        return None
    return geo_url[:m.start()] + f"/tiles/{tileset_name(m.group(1))}/{{z}}/{{x}}/{{y}}.pbf"


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """Slippy-map tile of a point (for tests and the warm-up of a view)."""
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y
