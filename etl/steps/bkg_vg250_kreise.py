"""BKG VG250 Kreise (every edition in the catalogue) → staging.vg250_kreis: one row per Kreis and edition with
its land area (GF 4, km² in EPSG:3035, from the full 1:250 000 geometry) and a lightly simplified outline.

Only a check of the map's Kreis geometry (VG5000, generalised for 1:5 Mio.): geodata.build compares the two per
Kreis (core.geo_kreis_check, printed by `integrationsatlas geodata check`). Not a map source: VG250 Gemeinden
are not in the store, and Kreis borders from VG250 would not match the VG5000 Gemeinde borders.
"""
from __future__ import annotations

import io

import brotli
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geodata.assets import to_laea, to_wgs84
from geodata.vg5000 import Vg5000Error, make_valid_polygons

from ..step import StepContext, StepOutput

DATASET = "bkg_vg250_kreise"
LAND_WITH_STRUCTURE = 4   # GF 4 = Landflächen mit Strukturdaten (GF 2 = Gewässer, e.g. Bodensee, coastal waters)
SIMPLIFY_M = 100.0        # outline kept for the shape comparison; areas come from the full geometry
N_KREISE = 400            # Kreise since 01.07.2021 (GV100AD 30.11.2025)


def read_kreise(raw: bytes, where: str) -> pd.DataFrame:
    """Brotli GeoJSON (WGS84) → ars, name, bez, area_km2, wkb (GF 4 only, one row per Kreis)."""
    try:
        body = brotli.decompress(raw)
    except brotli.error as exc:
        raise Vg5000Error(f"{where}: not a brotli stream ({exc})") from None
    df = pyogrio.read_dataframe(io.BytesIO(body), columns=["ARS", "GEN", "BEZ", "GF"])
    if df.crs is None or df.crs.to_epsg() != 4326:
        raise Vg5000Error(f"{where}: expected WGS84 lon/lat (CRS84), got {df.crs}")
    df = df[df["GF"] == LAND_WITH_STRUCTURE]
    ars = df["ARS"].astype("string")
    bad = ~ars.str.fullmatch(r"\d{5}").fillna(False)
    if bad.any():
        raise Vg5000Error(f"{where}: ARS not 5 digits, e.g. {ars[bad].iloc[0]!r}")
    if ars.duplicated().any():
        raise Vg5000Error(f"{where}: two GF 4 features for ARS {ars[ars.duplicated()].iloc[0]!r}")
    geoms = make_valid_polygons(np.asarray(df.geometry.values, dtype=object))
    laea = to_laea(geoms)
    simple = make_valid_polygons(to_wgs84(shapely.simplify(laea, SIMPLIFY_M)))
    return pd.DataFrame({"ars": ars.to_numpy(dtype=object), "name": df["GEN"].astype(str).to_numpy(dtype=object),
                         "bez": df["BEZ"].astype(str).to_numpy(dtype=object),
                         "area_km2": shapely.area(laea) / 1e6, "wkb": list(shapely.to_wkb(simple))})


def run(ctx: StepContext) -> StepOutput:
    frames = []
    for f in ctx.files():
        # Load inputs
        where = f"{DATASET}: {f['name']}"
        if not f.get("published"):
            raise Vg5000Error(f"{where}: catalogue file has no `published` (the edition's Stand)")
        # Process data
        df = read_kreise(ctx.input(f["name"]).read_bytes(), where)
        if len(df) != N_KREISE:
            ctx.warn(f"{f['name']}: {len(df)} Kreise with GF 4, expected {N_KREISE}")
        frames.append(df.assign(edition=f["published"], source_file=f["name"]))
    out = pd.concat(frames, ignore_index=True)
    # the outline is compared for the newest edition only (keeps ~4 MB of WKB out of the warehouse)
    out.loc[out["edition"] != out["edition"].max(), "wkb"] = None
    # Save outputs
    return StepOutput(observations=None, tables={"vg250_kreis": out})
