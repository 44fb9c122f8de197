"""BKG VG5000 (01.01.2021) → staging.vg5000_geom: Gemeinden, Kreise, Länder with string keys and EPSG:4326 WKB.

No observations: geometry is matched to the current Gebietsstand after the SQL models, in
geodata.build.post_build (it needs the crosswalk and the region dimension).
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd

from geodata.vg5000 import LAYERS, read_layer

from ..step import StepContext, StepOutput

DATASET = "bkg_vg5000_2021"
FOLDER = "vg5000_ebenen_0101"
PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
EXPECTED_STAND = "01.01.2021"


def _layer_path(ctx: StepContext, layer: str, tmp: Path) -> Path:
    """All parts of one shapefile in one folder (snapshots of different dates may not be)."""
    paths = [ctx.input(f"{FOLDER}/{layer}{ext}") for ext in PARTS]
    if len({p.parent for p in paths}) == 1:
        return paths[0]
    for p in paths:
        shutil.copy2(p, tmp / p.name)
    return tmp / paths[0].name


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    stand = ctx.input("aktualitaet.txt").read_text(encoding="utf-8", errors="replace").strip()
    if stand != EXPECTED_STAND:
        ctx.warn(f"aktualitaet.txt says {stand!r}, expected {EXPECTED_STAND}; the crosswalk start date may not fit")
    frames = []
    with tempfile.TemporaryDirectory() as td:
        for level, layer in LAYERS.items():
            # Process data
            frames.append(read_layer(_layer_path(ctx, layer, Path(td)), level))
    df = pd.concat(frames, ignore_index=True)
    df["stand"] = stand
    # Save outputs
    return StepOutput(observations=None, tables={"vg5000_geom": df})
