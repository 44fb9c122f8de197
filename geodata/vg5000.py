"""Read one BKG VG5000 shapefile layer into a plain table: string keys + valid EPSG:4326 WKB.

Why a table of WKB and not a GeoDataFrame: the runner writes step outputs to DuckDB as they
are, and WKB BLOBs survive that round trip unchanged (the spatial extension or shapely read them).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer

LAYERS = {"gemeinde": "VG5000_GEM", "kreis": "VG5000_KRS", "land": "VG5000_LAN"}
KEY_LENGTH = {"gemeinde": 8, "kreis": 5, "land": 2}
SOURCE_EPSG = 31467
TARGET_EPSG = 4326
COLUMNS = ["AGS", "ARS", "GEN", "BEZ", "GF", "BSG", "NUTS"]


class Vg5000Error(ValueError):
    pass


def to_wgs84(geoms: np.ndarray, from_crs) -> np.ndarray:
    """Reproject with pyproj (always_xy so WKB is lon/lat as GeoJSON expects)."""
    tr = Transformer.from_crs(CRS.from_user_input(from_crs), CRS.from_epsg(TARGET_EPSG), always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def make_valid_polygons(geoms: np.ndarray) -> np.ndarray:
    """make_valid keeping area only (collapsed slivers become nothing, not stray lines)."""
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    return geoms


def read_layer(shp: Path | str, level: str) -> pd.DataFrame:
    """Columns: level, ags, ars, name, bez, gf, bsg, nuts, n_invalid_source (per layer), wkb (EPSG:4326)."""
    df = pyogrio.read_dataframe(str(shp), columns=COLUMNS)
    if df.crs is None or df.crs.to_epsg() != SOURCE_EPSG:
        raise Vg5000Error(f"{shp}: expected EPSG:{SOURCE_EPSG}, got {df.crs}")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise Vg5000Error(f"{shp}: missing columns {missing}")
    if level == "land":
        # GF 9 = Land with structure; GF 8 = coastal waters / Bodensee without key structure.
        df = df[df["GF"] == 9]
    n = KEY_LENGTH[level]
    keys = df["AGS"].astype("string")
    bad = ~keys.str.fullmatch(rf"\d{{{n}}}").fillna(False)
    if bad.any():
        raise Vg5000Error(f"{shp}: AGS not {n} digits, e.g. {keys[bad].iloc[0]!r}")
    if keys.duplicated().any():
        raise Vg5000Error(f"{shp}: duplicate AGS {keys[keys.duplicated()].iloc[0]!r}")
    geoms = df.geometry.values.to_numpy() if hasattr(df.geometry.values, "to_numpy") else np.asarray(df.geometry.values)
    n_invalid = int((~shapely.is_valid(geoms)).sum())
    geoms = make_valid_polygons(geoms)
    geoms = make_valid_polygons(to_wgs84(geoms, df.crs))
    if shapely.is_empty(geoms).any():
        raise Vg5000Error(f"{shp}: empty geometry after make_valid")
    return pd.DataFrame({
        "level": level,
        "ags": keys.to_numpy(dtype=object),
        "ars": df["ARS"].astype("string").to_numpy(dtype=object),
        "name": df["GEN"].astype("string").to_numpy(dtype=object),
        "bez": df["BEZ"].astype("string").to_numpy(dtype=object),
        "gf": df["GF"].astype(int).to_numpy(),
        "bsg": df["BSG"].astype(int).to_numpy(),
        "nuts": df["NUTS"].astype("string").to_numpy(dtype=object),
        "n_invalid_source": n_invalid,
        "wkb": list(shapely.to_wkb(geoms)),
    })
