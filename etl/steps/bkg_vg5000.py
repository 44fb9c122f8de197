"""BKG VG5000 (every edition in the catalogue) → staging.vg5000_geom: Gemeinden, Kreise, Länder with string keys
and EPSG:4326 WKB, one block of rows per edition (`edition` = Stand, `gebietsstand` = its territorial status).

No observations: geometry is matched to the current Gebietsstand after the SQL models, in
geodata.build.post_build (it needs the crosswalk and the region dimension); it uses the newest edition.
A new edition is one more group of file lines in etl/catalogue/bkg_vg5000.yml (same `published`), no code change.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from geodata.vg5000 import LAYERS, Vg5000Error, read_layer

from ..step import StepContext, StepOutput

DATASET = "bkg_vg5000"
PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
STAND_FILE = "aktualitaet.txt"


def edition_gebietsstand(stand: dt.date) -> dt.date:
    """Stand 31.12.YYYY = Gebietsstand 31.12.YYYY; Stand 01.01.YYYY = the status at the end of YYYY-1."""
    if (stand.month, stand.day) == (12, 31):
        return stand
    if (stand.month, stand.day) == (1, 1):
        return stand - dt.timedelta(days=1)
    raise Vg5000Error(f"{DATASET}: Stand {stand:%d.%m.%Y} is neither 01.01. nor 31.12.; the Gebietsstand is unknown")


def parse_stand(text: str, where: str) -> dt.date:
    m = re.fullmatch(r"\s*(\d{2})\.(\d{2})\.(\d{4})\s*", text)
    if not m:
        raise Vg5000Error(f"{where}: expected a date DD.MM.YYYY, got {text.strip()[:40]!r}")
    return dt.date(int(m[3]), int(m[2]), int(m[1]))


def editions(ctx: StepContext) -> dict[str, dict[str, str]]:
    """{published: {basename: file name}} from the catalogue, checked for completeness (newest first)."""
    out: dict[str, dict[str, str]] = {}
    for f in ctx.files():
        if not f.get("published"):
            raise Vg5000Error(f"{DATASET}: catalogue file {f['name']} has no `published` (the edition's Stand)")
        out.setdefault(f["published"], {})[Path(f.get("path") or f["name"]).name] = f["name"]
    need = [STAND_FILE] + [layer + ext for layer in LAYERS.values() for ext in PARTS]
    for pub, files in out.items():
        missing = [n for n in need if n not in files]
        if missing:
            raise Vg5000Error(f"{DATASET}: edition published {pub} lacks catalogue files {missing}")
    return dict(sorted(out.items(), reverse=True))


def _layer_path(ctx: StepContext, files: dict[str, str], layer: str, tmp: Path) -> Path:
    """All parts of one shapefile in one folder (snapshots of different dates may not be)."""
    paths = [ctx.input(files[layer + ext]) for ext in PARTS]
    if len({p.parent for p in paths}) == 1 and all(p.name == layer + ext for p, ext in zip(paths, PARTS)):
        return paths[0]
    for p, ext in zip(paths, PARTS):
        shutil.copy2(p, tmp / (layer + ext))
    return tmp / (layer + PARTS[0])


def run(ctx: StepContext) -> StepOutput:
    frames = []
    for published, files in editions(ctx).items():
        # Load inputs
        stand_path = ctx.input(files[STAND_FILE])
        stand = parse_stand(stand_path.read_text(encoding="utf-8", errors="replace"), f"{DATASET}: {files[STAND_FILE]}")
        if stand.isoformat() != published:
            raise Vg5000Error(f"{DATASET}: {files[STAND_FILE]} says Stand {stand:%d.%m.%Y}, but the catalogue has "
                              f"published: {published} for this edition")
        gebietsstand = edition_gebietsstand(stand)
        with tempfile.TemporaryDirectory() as td:
            for level, layer in LAYERS.items():
                # Process data
                df = read_layer(_layer_path(ctx, files, layer, Path(td)), level)
                frames.append(df.assign(stand=f"{stand:%d.%m.%Y}", edition=stand.isoformat(),
                                        gebietsstand=gebietsstand.isoformat(), source_file=files[layer + ".shp"]))
    # Save outputs
    return StepOutput(observations=None, tables={"vg5000_geom": pd.concat(frames, ignore_index=True)})
