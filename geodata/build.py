"""Post-build hook: VG5000 polygons on the current Gebietsstand, geometry tables and client assets.

Called by etl.runner after the SQL models (so core.dim_region and the crosswalk exist) and before
the model tests and the atomic swap. Writes
  core.geo_region    one row per unit of core.dim_region (land/kreis/gemeinde), WKB or NULL + status
  core.geo_crosswalk old key (31.12.2020) → current key per level, with change type
  core.geo_unmatched old polygons not used for any current unit, with the reason
  core.geo_notes     build notes (e.g. crosswalk missing) that `geodata check` prints
  marts.geo_assets   the content-hashed client files in settings.assets
"""
from __future__ import annotations

import logging
import time

import duckdb
import numpy as np
import pandas as pd
import shapely

from .assets import LEVELS, build_asset, to_laea, to_wgs84
from .match import derive_level_crosswalk, match_level

log = logging.getLogger(__name__)

FROM_GEBIETSSTAND = "2020-12-31"   # VG5000 Stand 01.01.2021 = territorial status at the end of 2020
STAGING = "staging.vg5000_geom"
CROSSWALK = "intermediate.crosswalk_gemeinde"
UNRESOLVED = "intermediate.crosswalk_unresolved"

GEO_REGION_DDL = """
CREATE OR REPLACE TABLE core.geo_region (
    ags VARCHAR NOT NULL, level VARCHAR NOT NULL, name VARCHAR, wkb BLOB,
    centroid_lon DOUBLE, centroid_lat DOUBLE,
    bbox_minx DOUBLE, bbox_miny DOUBLE, bbox_maxx DOUBLE, bbox_maxy DOUBLE,
    area_km2 DOUBLE, boundary_status VARCHAR NOT NULL, note VARCHAR, predecessors VARCHAR,
    PRIMARY KEY (level, ags),
    CHECK (boundary_status IN ('ok', 'dissolved', 'not_available'))
)"""


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, name]).fetchone()[0] > 0


def load_crosswalk(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame | None, str | None]:
    """Gemeinde crosswalk 2020-12-31 → current as from_ags, to_ags, weight, valid_from, source."""
    if not table_exists(con, CROSSWALK):
        return None, (f"{CROSSWALK} is missing: old and new keys cannot be linked, so merged units have no "
                      f"polygon and dissolves (e.g. Kreis 16056 into 16063) are not done")
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'intermediate' "
        "AND table_name = 'crosswalk_gemeinde'").fetchall()}
    valid = next((c for c in ("valid_from", "effective_date", "to_gebietsstand") if c in cols), None)
    valid_sql = f"CAST({valid} AS DATE)" if valid else "CAST(NULL AS DATE)"
    df = con.execute(f"""
        SELECT CAST(from_ags AS VARCHAR) AS from_ags, CAST(to_ags AS VARCHAR) AS to_ags,
               CAST(weight_pop AS DOUBLE) AS weight, {valid_sql} AS valid_from, CAST(source AS VARCHAR) AS source
        FROM {CROSSWALK} WHERE CAST(from_gebietsstand AS DATE) = CAST(? AS DATE)
        ORDER BY from_ags, to_ags""", [FROM_GEBIETSSTAND]).df()
    if df.empty:
        return None, f"{CROSSWALK} has no rows from Gebietsstand {FROM_GEBIETSSTAND}"
    return df, None


def label_points(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centroid where it lies inside the unit, else a point on the surface (crescent-shaped units)."""
    laea = to_laea(geoms)
    c = shapely.centroid(laea)
    inside = shapely.contains(laea, c)
    pts = np.where(inside, c, shapely.point_on_surface(laea))
    wgs = to_wgs84(pts)
    return shapely.get_x(wgs), shapely.get_y(wgs)


def geo_rows(units: pd.DataFrame, level: str) -> pd.DataFrame:
    """Add WKB, label point, bbox and area (km², EPSG:3035) to a match result."""
    out = units.copy()
    has = out["geometry"].notna().to_numpy()
    geoms = out.loc[has, "geometry"].to_numpy(dtype=object)
    for col in ("centroid_lon", "centroid_lat", "bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy", "area_km2"):
        out[col] = np.nan
    out["wkb"] = None
    if has.any():
        lon, lat = label_points(geoms)
        b = shapely.bounds(geoms)
        out.loc[has, "centroid_lon"], out.loc[has, "centroid_lat"] = lon, lat
        for i, col in enumerate(("bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy")):
            out.loc[has, col] = b[:, i]
        out.loc[has, "area_km2"] = shapely.area(to_laea(geoms)) / 1e6
        out.loc[has, "wkb"] = pd.Series(list(shapely.to_wkb(geoms)), index=out.index[has])
    out["level"] = level
    return out[["ags", "level", "name", "wkb", "centroid_lon", "centroid_lat", "bbox_minx", "bbox_miny",
                "bbox_maxx", "bbox_maxy", "area_km2", "boundary_status", "note", "predecessors"]]


def _write(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame, ddl: str | None = None) -> None:
    con.register("_geo_df", df)
    try:
        if ddl:
            con.execute(ddl)
            con.execute(f"INSERT INTO {table} SELECT * FROM _geo_df")
        else:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _geo_df")
    finally:
        con.unregister("_geo_df")


def build_geo(con: duckdb.DuckDBPyConnection, region: pd.DataFrame, old: pd.DataFrame,
              cw: pd.DataFrame | None, cw_note: str | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list]:
    """Pure part of the build (no files): match every level; returns geo_region, crosswalk, unmatched, notes."""
    regions, xws, orphans, notes = [], [], [], []
    for level in LEVELS:
        cur = region[region["level"] == level][["ags", "name"]].sort_values("ags")
        o = old[old["level"] == level][["ags", "name", "geometry"]]
        lcw = derive_level_crosswalk(cw, level) if cw is not None else None
        res = match_level(level, o, cur, lcw, cw_note)
        regions.append(geo_rows(res.units, level))
        xws.append(res.crosswalk)
        orphans.append(res.orphans.assign(level=level))
        notes += [(level, n) for n in res.notes]
    return (pd.concat(regions, ignore_index=True), pd.concat(xws, ignore_index=True),
            pd.concat(orphans, ignore_index=True), notes)


def post_build(con: duckdb.DuckDBPyConnection, settings) -> None:
    t0 = time.perf_counter()
    if not table_exists(con, STAGING):
        log.warning("geodata: %s missing (step bkg_vg5000_2021 not run); no geometry tables written", STAGING)
        return
    region = con.execute("SELECT ags, level, name FROM core.dim_region WHERE level IN ('land', 'kreis', 'gemeinde')"
                         ).df()
    old = con.execute(f"SELECT level, ags, name, wkb FROM {STAGING}").df()
    old["geometry"] = shapely.from_wkb([bytes(b) for b in old["wkb"]])  # DuckDB returns bytearray
    cw, cw_note = load_crosswalk(con)
    geo, xw, unmatched, notes = build_geo(con, region, old, cw, cw_note)
    if table_exists(con, UNRESOLVED):
        n = con.execute(f"SELECT count(*) FROM {UNRESOLVED}").fetchone()[0]
        if n:
            notes.append(("gemeinde", f"{n} rows in {UNRESOLVED} (keys the crosswalk could not resolve)"))

    _write(con, "core.geo_region", geo, GEO_REGION_DDL)
    xw["valid_from"] = pd.to_datetime(xw["valid_from"]).dt.date
    _write(con, "core.geo_crosswalk", xw.astype({"old_ags": str, "new_ags": str}))
    _write(con, "core.geo_unmatched", unmatched[["level", "old_ags", "name", "reason"]].astype(str))
    _write(con, "core.geo_notes", pd.DataFrame(notes, columns=["level", "note"], dtype=str))

    cache = settings.warehouse.parent / "cache" / "geodata"
    rows = []
    for level in LEVELS:
        g = geo[(geo["level"] == level) & geo["wkb"].notna()].sort_values("ags")
        a = build_asset(level, g["ags"].tolist(), g["wkb"].tolist(), settings.assets, cache)
        rows.append(vars(a))
    _write(con, "marts.geo_assets", pd.DataFrame(rows))
    log.info("geodata: %s units (%s not available), assets %s in %.1fs", len(geo),
             int((geo["boundary_status"] == "not_available").sum()),
             ", ".join(f"{r['filename']} {r['gzip_bytes'] / 1e3:.0f} KB gz" for r in rows),
             time.perf_counter() - t0)
