"""Post-build hook: VG5000 polygons on the current Gebietsstand, geometry tables and client assets.

Called by etl.runner after the SQL models (so core.dim_region and the crosswalk exist) and before
the model tests and the atomic swap. staging.vg5000_geom holds every VG5000 edition of the catalogue
(column `gebietsstand`); the map uses the newest. An older edition only fills a unit the newest one has
no polygon for, and only if that polygon does not overlap the newest coverage (so the map stays a coverage).
Writes
  core.geo_region    one row per unit of core.dim_region (land/kreis/gemeinde), WKB or NULL + status, and
                     the edition (source_edition, source_gebietsstand) each polygon comes from
  core.geo_crosswalk old key (Gebietsstand of the edition) → current key per level, with change type
  core.geo_unmatched old polygons of the newest edition not used for any current unit, with the reason
  core.geo_notes     build notes (edition used, crosswalk missing, ...) that `geodata check` prints
  marts.geo_assets   the content-hashed client files in settings.assets, with the editions in them
  core.geo_kreis_check  map Kreis polygons vs. BKG VG250 Kreise (area, outline), if staging.vg250_kreis exists
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

STAGING = "staging.vg5000_geom"
CROSSWALK = "intermediate.crosswalk_gemeinde"
UNRESOLVED = "intermediate.crosswalk_unresolved"

GEO_REGION_DDL = """
CREATE OR REPLACE TABLE core.geo_region (
    ags VARCHAR NOT NULL, level VARCHAR NOT NULL, name VARCHAR, wkb BLOB,
    centroid_lon DOUBLE, centroid_lat DOUBLE,
    bbox_minx DOUBLE, bbox_miny DOUBLE, bbox_maxx DOUBLE, bbox_maxy DOUBLE,
    area_km2 DOUBLE, boundary_status VARCHAR NOT NULL, note VARCHAR, predecessors VARCHAR,
    source_edition VARCHAR, source_gebietsstand DATE,
    PRIMARY KEY (level, ags),
    CHECK ((wkb IS NULL) = (source_gebietsstand IS NULL)),
    CHECK (boundary_status IN ('ok', 'dissolved', 'not_available'))
)"""


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, name]).fetchone()[0] > 0


def _de(iso: str) -> str:
    return f"{iso[8:10]}.{iso[5:7]}.{iso[:4]}"


def edition_label(edition: str) -> str:
    """'2023-12-31' (Stand) → 'VG5000 31.12.2023'."""
    return f"VG5000 {edition[8:10]}.{edition[5:7]}.{edition[:4]}"


def load_crosswalk(con: duckdb.DuckDBPyConnection, from_gebietsstand: str
                   ) -> tuple[pd.DataFrame | None, str | None]:
    """Gemeinde crosswalk <from_gebietsstand> → current as from_ags, to_ags, weight, valid_from, source."""
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
        ORDER BY from_ags, to_ags""", [from_gebietsstand]).df()
    if df.empty:
        return None, f"{CROSSWALK} has no rows from Gebietsstand {from_gebietsstand}"
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
    """Add WKB, label point, bbox and area (km², EPSG:3035) to a match result (+ source_edition/_gebietsstand)."""
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
    for col in ("source_edition", "source_gebietsstand"):
        if col not in out.columns:
            out[col] = None
        out.loc[~has, col] = None
    out["level"] = level
    return out[["ags", "level", "name", "wkb", "centroid_lon", "centroid_lat", "bbox_minx", "bbox_miny",
                "bbox_maxx", "bbox_maxy", "area_km2", "boundary_status", "note", "predecessors",
                "source_edition", "source_gebietsstand"]]


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


MAX_FALLBACK_OVERLAP = 0.01   # share of an older-edition polygon that may overlap the newest coverage


def _fill_from_older(units: pd.DataFrame, res_old, label: str, gebietsstand: str) -> tuple[pd.DataFrame, list]:
    """Give units without polygon the polygon an older edition has for them, unless it overlaps the polygons
    already there by more than MAX_FALLBACK_OVERLAP of its area (then the territory went to other units)."""
    filled = []
    have = units["geometry"].notna()
    missing = units.index[~have & (units["boundary_status"] == "not_available")]
    cand = res_old.units.set_index("ags")
    present = units.loc[have, "geometry"].to_numpy(dtype=object)
    tree = shapely.STRtree(present) if len(present) else None
    for i in missing:
        ags = units.at[i, "ags"]
        if ags not in cand.index or cand.at[ags, "geometry"] is None:
            continue
        g = cand.at[ags, "geometry"]
        hits = tree.query(g, predicate="intersects") if tree is not None else []
        overlap = sum(shapely.area(shapely.intersection(g, present[j])) for j in hits)
        if overlap > MAX_FALLBACK_OVERLAP * shapely.area(g):
            units.at[i, "note"] = (f"{units.at[i, 'note']}; {label} has a polygon for it, but "
                                   f"{overlap / shapely.area(g):.0%} of it lies in other units of the newer edition")
            continue
        note = cand.at[ags, "note"]
        units.loc[i, ["geometry", "boundary_status", "predecessors", "source_edition", "source_gebietsstand"]] = [
            g, cand.at[ags, "boundary_status"], cand.at[ags, "predecessors"], label, gebietsstand]
        units.at[i, "note"] = (f"polygon from the older edition {label} (Gebietsstand {_de(gebietsstand)}), "
                               f"the newer edition has none" + (f"; {note}" if note else ""))
        filled.append(ags)
    return units, filled


def build_geo(con: duckdb.DuckDBPyConnection, region: pd.DataFrame, old: pd.DataFrame,
              crosswalks: dict[str, tuple[pd.DataFrame | None, str | None]]
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list]:
    """Pure part of the build (no files): match every level with the newest edition, fill gaps from older ones.
    old: level, ags, name, geometry, edition (Stand, ISO), gebietsstand (ISO); crosswalks: {gebietsstand:
    (Gemeinde crosswalk from there, note)}. Returns geo_region, crosswalk, unmatched, notes."""
    eds = (old[["edition", "gebietsstand"]].drop_duplicates().sort_values("gebietsstand", ascending=False)
           .itertuples(index=False, name=None))
    eds = list(eds)
    (newest, newest_gs), older = eds[0], eds[1:]
    regions, xws, orphans, notes = [], [], [], []
    notes.append(("all", f"polygons from BKG {edition_label(newest)} (Gebietsstand {_de(newest_gs)}), matched to "
                         f"the current Gebietsstand with the crosswalk from {_de(newest_gs)}"
                         + (f"; older editions for gaps only: {', '.join(edition_label(e) for e, _ in older)}"
                            if older else "")))
    for level in LEVELS:
        cur = region[region["level"] == level][["ags", "name"]].sort_values("ags")
        results = []
        for ed, gs in eds:
            cw, cw_note = crosswalks.get(gs, (None, f"no crosswalk loaded from Gebietsstand {gs}"))
            o = old[(old["level"] == level) & (old["edition"] == ed)][["ags", "name", "geometry"]]
            lcw = derive_level_crosswalk(cw, level) if cw is not None else None
            res = match_level(level, o, cur, lcw, cw_note, edition_label(ed), gs)
            results.append((ed, gs, res))
            if not results[0][2].units["boundary_status"].eq("not_available").any():
                break   # the newest edition covers every unit: older ones are not needed
        ed, gs, res = results[0]
        units = res.units.assign(source_edition=np.where(res.units["geometry"].notna(), edition_label(ed), None),
                                 source_gebietsstand=np.where(res.units["geometry"].notna(), gs, None))
        for o_ed, o_gs, o_res in results[1:]:
            units, filled = _fill_from_older(units, o_res, edition_label(o_ed), o_gs)
            if filled:
                notes.append((level, f"{len(filled)} polygon(s) from the older {edition_label(o_ed)}: "
                                     f"{', '.join(filled)}"))
        still = units["boundary_status"].eq("not_available")
        if older and still.any():
            units.loc[still, "note"] = units.loc[still, "note"].fillna("no polygon") + (
                f"; none in the older edition(s) {', '.join(edition_label(e) for e, _ in older)} either")
        regions.append(geo_rows(units, level))
        xws.append(res.crosswalk.assign(from_gebietsstand=gs))
        orphans.append(res.orphans.assign(level=level, edition=edition_label(ed)))
        notes += [(level, n) for n in res.notes]
    return (pd.concat(regions, ignore_index=True), pd.concat(xws, ignore_index=True),
            pd.concat(orphans, ignore_index=True), notes)


def load_editions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """staging.vg5000_geom with shapely geometries; a staging table without edition columns (written before
    the editions existed) is the 01.01.2021 edition."""
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'staging' "
        "AND table_name = 'vg5000_geom'").fetchall()}
    ed = ("CAST(edition AS VARCHAR) AS edition, CAST(gebietsstand AS VARCHAR) AS gebietsstand"
          if {"edition", "gebietsstand"} <= cols else "'2021-01-01' AS edition, '2020-12-31' AS gebietsstand")
    old = con.execute(f"SELECT level, ags, name, wkb, {ed} FROM {STAGING}").df()
    old["geometry"] = shapely.from_wkb([bytes(b) for b in old["wkb"]])  # DuckDB returns bytearray
    return old


VG250 = "staging.vg250_kreis"


def kreis_check(geo: pd.DataFrame, vg250: pd.DataFrame) -> pd.DataFrame:
    """Map Kreis polygons (VG5000) against BKG VG250 Kreise (GF 4, 1:250 000) of the newest VG250 edition:
    area difference and outline mismatch (area of the symmetric difference / VG250 area), per Kreis."""
    ed = vg250["edition"].max()
    ref = vg250[(vg250["edition"] == ed) & vg250["wkb"].notna()].set_index("ars")
    mine = geo[(geo["level"] == "kreis")].set_index("ags")
    keys = sorted(set(ref.index) | set(mine.index))
    rows = []
    for k in keys:
        a = mine["wkb"].get(k) if k in mine.index else None
        b = ref["wkb"].get(k) if k in ref.index else None
        ga = to_laea(shapely.from_wkb([bytes(a)]))[0] if a is not None else None
        gb = to_laea(shapely.from_wkb([bytes(b)]))[0] if b is not None else None
        area_a = shapely.area(ga) / 1e6 if ga is not None else None
        area_b = float(ref.at[k, "area_km2"]) if k in ref.index else None
        sym = (shapely.area(shapely.symmetric_difference(ga, gb)) / shapely.area(gb) * 100
               if ga is not None and gb is not None else None)
        rows.append({"ags": k, "name": mine["name"].get(k) if k in mine.index else ref["name"].get(k),
                     "vg250_edition": ed, "area_vg5000_km2": area_a, "area_vg250_km2": area_b,
                     "area_diff_pct": (area_a / area_b - 1) * 100 if area_a is not None and area_b else None,
                     "outline_mismatch_pct": sym,
                     "status": ("ok" if sym is not None else "no VG5000 polygon" if k in ref.index and k in mine.index
                                else "not in VG250" if k not in ref.index else "not in core.dim_region")})
    out = pd.DataFrame(rows)
    out["vg250_edition"] = pd.to_datetime(out["vg250_edition"]).dt.date
    return out


def post_build(con: duckdb.DuckDBPyConnection, settings) -> None:
    t0 = time.perf_counter()
    if not table_exists(con, STAGING):
        log.warning("geodata: %s missing (step bkg_vg5000 not run); no geometry tables written", STAGING)
        return
    region = con.execute("SELECT ags, level, name FROM core.dim_region WHERE level IN ('land', 'kreis', 'gemeinde')"
                         ).df()
    old = load_editions(con)
    crosswalks = {gs: load_crosswalk(con, gs) for gs in sorted(old["gebietsstand"].unique())}
    geo, xw, unmatched, notes = build_geo(con, region, old, crosswalks)
    if table_exists(con, UNRESOLVED):
        n = con.execute(f"SELECT count(*) FROM {UNRESOLVED}").fetchone()[0]
        if n:
            notes.append(("gemeinde", f"{n} rows in {UNRESOLVED} (keys the crosswalk could not resolve)"))

    geo["source_gebietsstand"] = pd.to_datetime(geo["source_gebietsstand"]).dt.date
    _write(con, "core.geo_region", geo, GEO_REGION_DDL)
    xw["valid_from"] = pd.to_datetime(xw["valid_from"]).dt.date
    xw["from_gebietsstand"] = pd.to_datetime(xw["from_gebietsstand"]).dt.date
    _write(con, "core.geo_crosswalk", xw.astype({"old_ags": str, "new_ags": str}))
    _write(con, "core.geo_unmatched", unmatched[["level", "old_ags", "name", "reason", "edition"]].astype(str))
    _write(con, "core.geo_notes", pd.DataFrame(notes, columns=["level", "note"], dtype=str))

    if table_exists(con, VG250):
        vg250 = con.execute(f"SELECT ars, name, area_km2, wkb, CAST(edition AS VARCHAR) AS edition FROM {VG250}").df()
        _write(con, "core.geo_kreis_check", kreis_check(geo, vg250))
    else:
        con.execute("DROP TABLE IF EXISTS core.geo_kreis_check")

    cache = settings.warehouse.parent / "cache" / "geodata"
    rows = []
    for level in LEVELS:
        g = geo[(geo["level"] == level) & geo["wkb"].notna()].sort_values("ags")
        eds = g["source_edition"].value_counts()
        main = eds.index[0] if len(eds) else None
        # the asset says which edition its polygons come from: the main one for the collection, and each
        # feature from another edition carries {"edition": ...} (none today; keeps the file small)
        meta = {"source": "BKG VG5000 (Daten verändert)", "edition": main,
                "gebietsstand": str(g.loc[g["source_edition"] == main, "source_gebietsstand"].iloc[0]) if main else None}
        props = [None if e == main else {"edition": e} for e in g["source_edition"]]
        a = build_asset(level, g["ags"].tolist(), g["wkb"].tolist(), settings.assets, cache, meta=meta, props=props)
        rows.append({**vars(a), "editions": "; ".join(f"{e}: {n}" for e, n in eds.items()),
                     "gebietsstand": meta["gebietsstand"]})
    _write(con, "marts.geo_assets", pd.DataFrame(rows))
    log.info("geodata: %s units (%s not available), %s, assets %s in %.1fs", len(geo),
             int((geo["boundary_status"] == "not_available").sum()), notes[0][1],
             ", ".join(f"{r['filename']} {r['gzip_bytes'] / 1e3:.0f} KB gz" for r in rows),
             time.perf_counter() - t0)
