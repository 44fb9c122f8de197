"""What the dashboard asks about geometry: asset URLs, values per selection, label points, bounding boxes.

Why this split: geometry travels once (content-hashed file, cached for a year, precompressed
gzip), and each interaction only fetches a small {"ags", "v", "f"} array. Pure functions do the
work (testable without a server); `geo_blueprint()` wraps them for Flask (the Dash server).
All warehouse reads go through warehouse.queries.Warehouse (read-only connection, bound
parameters, row cap, time limit); facet names are checked against warehouse.queries.FACETS.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pandas as pd

from etl.errors import UnknownSelection
from geodata.tiles import TileError, tileset
from geodata.tiles import asset_name as tile_asset_name
from etl.settings import Settings, get_settings
from warehouse.queries import BERLIN_RULES, FACETS, Warehouse, check_level, get_warehouse

ASSET_NAME = re.compile(r"^(land|kreis|gemeinde)\.[0-9a-f]{12}\.json$")
IMMUTABLE = "public, max-age=31536000, immutable"
RESERVED = {"indicator", "year", "level", "berlin"}


def _wh(settings: Settings | None) -> Warehouse:
    return get_warehouse(settings or get_settings())


def asset_files(settings: Settings | None = None) -> dict[str, str]:
    """{level: filename} of the current build (marts.geo_assets)."""
    df = _wh(settings).sql("SELECT level, filename FROM marts.geo_assets ORDER BY level")
    return dict(zip(df["level"], df["filename"]))


def asset_urls(settings: Settings | None = None, prefix: str = "/geo/") -> dict[str, str]:
    return {lvl: prefix + fn for lvl, fn in asset_files(settings).items()}


def _num(v):
    """Compact number: integers without '.0', others to 6 significant digits; NaN/None → null."""
    if v is None or pd.isna(v):
        return None
    v = float(v)
    if v.is_integer() and abs(v) < 2**53:
        return int(v)
    return float(f"{v:.6g}")


def parse_filters(args: dict[str, str]) -> dict[str, list[str]]:
    """Query arguments other than indicator/year/level/berlin are facet filters: facet=a,b,c."""
    out = {}
    for k, raw in args.items():
        if k in RESERVED:
            continue
        if k not in FACETS:
            raise UnknownSelection(f"unknown filter {k!r}; choose from: {', '.join(FACETS)}")
        vals = [v for v in str(raw).split(",") if v != ""]
        if vals:
            out[k] = vals
    return out


def values_payload(indicator: str, year: int, level: str, filters: dict[str, list[str]] | None = None,
                   berlin_rule: str = "own", settings: Settings | None = None) -> dict:
    """{"indicator", "year", "level", "ags": [...], "v": [...], "f": [...]} for every unit of the current
    Gebietsstand at `level` that passes the filters (v null where no value; f = publisher flag or null)."""
    check_level(level)
    if berlin_rule not in BERLIN_RULES:
        raise UnknownSelection(f"unknown Berlin rule {berlin_rule!r}; choose from: {', '.join(BERLIN_RULES)}")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise UnknownSelection(f"year must be a number, got {year!r}") from None
    params: dict = {"indicator": indicator, "year": year, "level": level, "berlin": BERLIN_RULES[berlin_rule]}
    where = ["r.level = $level"]
    for i, (facet, allowed) in enumerate((filters or {}).items()):
        if facet not in FACETS:
            raise UnknownSelection(f"unknown filter {facet!r}; choose from: {', '.join(FACETS)}")
        names = []
        for j, val in enumerate(allowed):
            params[f"f{i}_{j}"] = str(val)
            names.append(f"$f{i}_{j}")
        where.append(f"CAST({FACETS[facet]} AS VARCHAR) IN ({', '.join(names)})")
    wh = _wh(settings)
    known = wh.sql("SELECT count(*) AS n FROM core.dim_indicator WHERE indicator_id = $indicator",
                   {"indicator": indicator})
    if int(known["n"].iloc[0]) == 0:
        raise UnknownSelection(f"unknown indicator {indicator!r}")
    df = wh.sql(f"""
        WITH r AS (SELECT r.*, CASE WHEN r.east_west = 'berlin' THEN $berlin ELSE r.east_west END AS east_west_rule
                   FROM core.dim_region r),
        v AS (SELECT ags, value, flag FROM marts.map_values
              WHERE indicator_id = $indicator AND level = $level AND year = $year
              QUALIFY row_number() OVER (PARTITION BY ags ORDER BY reference_date DESC) = 1)
        SELECT r.ags, v.value, v.flag FROM r LEFT JOIN v USING (ags)
        WHERE {' AND '.join(where)} ORDER BY r.ags""", params)
    return {"indicator": indicator, "year": year, "level": level,
            "ags": df["ags"].tolist(), "v": [_num(x) for x in df["value"].tolist()],
            "f": [None if pd.isna(x) else str(x) for x in df["flag"].tolist()]}


def unavailable(level: str, settings: Settings | None = None) -> dict:
    """Units shown as 'boundary not available' (no polygon), with the reason."""
    check_level(level)
    df = _wh(settings).sql("""SELECT ags, name, note FROM core.geo_region
        WHERE level = $level AND boundary_status = 'not_available' ORDER BY ags""", {"level": level})
    return {"level": level, "ags": df["ags"].tolist(), "name": df["name"].tolist(), "reason": df["note"].tolist()}


def label_points(level: str, settings: Settings | None = None) -> dict:
    """Label point (centroid, or a point inside for odd shapes) per unit with a polygon, 4 decimals."""
    check_level(level)
    df = _wh(settings).sql("""SELECT ags, round(centroid_lon, 4) AS lon, round(centroid_lat, 4) AS lat
        FROM core.geo_region WHERE level = $level AND wkb IS NOT NULL ORDER BY ags""", {"level": level})
    return {"level": level, "ags": df["ags"].tolist(), "lon": df["lon"].tolist(), "lat": df["lat"].tolist()}


def unit_info(level: str, ags: str, settings: Settings | None = None) -> dict:
    """Zoom target for one unit: label point and bounding box [minx, miny, maxx, maxy] (EPSG:4326)."""
    check_level(level)
    df = _wh(settings).sql("""SELECT ags, name, boundary_status, note, centroid_lon, centroid_lat,
        bbox_minx, bbox_miny, bbox_maxx, bbox_maxy FROM core.geo_region WHERE level = $level AND ags = $ags""",
                           {"level": level, "ags": str(ags)})
    if df.empty:
        raise UnknownSelection(f"no {level} with AGS {ags!r} on the current Gebietsstand")
    r = df.iloc[0]
    has = r["boundary_status"] != "not_available"
    return {"ags": r["ags"], "name": r["name"], "status": r["boundary_status"], "note": r["note"],
            "centroid": [_num(r["centroid_lon"]), _num(r["centroid_lat"])] if has else None,
            "bbox": [_num(r[c]) for c in ("bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy")] if has else None}


def warm_tiles(settings: Settings | None = None) -> dict[str, int]:
    """Cut the vector tiles of every current asset (Gemeinden first: the landing map), at start-up."""
    base = Path((settings or get_settings()).assets)
    files = asset_files(settings)
    out = {}
    for level in sorted(files, key=lambda lv: ("gemeinde", "kreis", "land").index(lv) if lv in
                        ("gemeinde", "kreis", "land") else 9):
        path = base / files[level]
        if path.is_file():
            out[level] = tileset(path, base / "tiles").warm()
    return out


def asset_path(filename: str, settings: Settings | None = None, gzip_ok: bool = True) -> tuple[Path, bool] | None:
    """(path, is_gzip) of an asset file, or None for names that are not assets (no path traversal possible)."""
    if not ASSET_NAME.match(filename):
        return None
    base = Path((settings or get_settings()).assets)
    gz = base / (filename + ".gz")
    if gzip_ok and gz.is_file():
        return gz, True
    plain = base / filename
    return (plain, False) if plain.is_file() else None


# -- Flask ---------------------------------------------------------------------------------------------

def _json_response(payload: dict, accept_encoding: str, if_none_match: str | None, max_age: int = 0):
    from flask import Response
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
    headers = {"ETag": etag, "Vary": "Accept-Encoding",
               "Cache-Control": f"public, max-age={max_age}" if max_age else "no-cache"}
    if if_none_match == etag:
        return Response(status=304, headers=headers)
    if "gzip" in (accept_encoding or "") and len(body) > 1024:
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(body, mimetype="application/json", headers=headers)


def geo_blueprint(settings: Settings | None = None, url_prefix: str = ""):
    """Routes: /geo/<level>.<hash>.json, /api/geo/assets, /api/values, /api/geo/unavailable,
    /api/geo/labels, /api/geo/unit/<level>/<ags>. Errors in a selection → 400 with the message."""
    from flask import Blueprint, Response, abort, request

    bp = Blueprint("geodata", __name__, url_prefix=url_prefix or None)
    cfg = lambda: settings or get_settings()  # noqa: E731  (read at request time: env may change in tests)

    def respond(fn, max_age=0):
        try:
            payload = fn()
        except UnknownSelection as exc:
            return Response(json.dumps({"error": str(exc)}), status=400, mimetype="application/json")
        return _json_response(payload, request.headers.get("Accept-Encoding", ""),
                              request.headers.get("If-None-Match"), max_age)

    @bp.get("/geo/<filename>")
    def geo_asset(filename: str):
        accept = request.headers.get("Accept-Encoding", "")
        hit = asset_path(filename, cfg(), gzip_ok="gzip" in accept)
        if hit is None:
            abort(404)
        path, is_gz = hit
        etag = '"' + filename.split(".")[1] + '"'
        headers = {"Cache-Control": IMMUTABLE, "ETag": etag, "Vary": "Accept-Encoding",
                   "Access-Control-Allow-Origin": "*"}
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers=headers)
        br = Path(cfg().assets) / (filename + ".br")       # precompressed brotli (geodata.assets.write_brotli)
        if "br" in [e.split(";")[0].strip() for e in accept.split(",")] and br.is_file():
            path, headers["Content-Encoding"] = br, "br"
        elif is_gz:
            headers["Content-Encoding"] = "gzip"
        return Response(path.read_bytes(), mimetype="application/json", headers=headers)

    @bp.get("/tiles/<name>/<int:z>/<int:x>/<int:y>.pbf")
    def vector_tile(name: str, z: int, x: int, y: int):
        """Mapbox Vector Tile of an asset (geodata/tiles.py); immutable like the asset it is cut from."""
        asset = tile_asset_name(name)
        hit = asset_path(asset, cfg(), gzip_ok=False) if asset else None
        if hit is None:
            abort(404)
        try:
            gz = tileset(hit[0], Path(cfg().assets) / "tiles").tile_gzip(z, x, y)
        except TileError as exc:
            return Response(json.dumps({"error": str(exc)}), status=400, mimetype="application/json")
        headers = {"Cache-Control": IMMUTABLE, "Access-Control-Allow-Origin": "*", "Vary": "Accept-Encoding"}
        if len(gz) <= 20 and not gzip.decompress(gz):
            return Response(status=204, headers=headers)
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
            body = gz
        else:
            body = gzip.decompress(gz)
        return Response(body, mimetype="application/vnd.mapbox-vector-tile", headers=headers)

    @bp.get("/api/geo/assets")
    def geo_assets():
        prefix = (url_prefix or "") + "/geo/"
        return respond(lambda: asset_urls(cfg(), prefix))

    @bp.get("/api/values")
    def api_values():
        a = request.args
        return respond(lambda: values_payload(a.get("indicator", ""), a.get("year", ""), a.get("level", ""),
                                              parse_filters(a.to_dict()), a.get("berlin", "own"), cfg()))

    @bp.get("/api/geo/unavailable")
    def api_unavailable():
        return respond(lambda: unavailable(request.args.get("level", ""), cfg()))

    @bp.get("/api/geo/labels")
    def api_labels():
        return respond(lambda: label_points(request.args.get("level", ""), cfg()))

    @bp.get("/api/geo/unit/<level>/<ags>")
    def api_unit(level: str, ags: str):
        return respond(lambda: unit_info(level, ags, cfg()))

    return bp
