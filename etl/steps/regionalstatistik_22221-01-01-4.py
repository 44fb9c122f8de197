"""Regionalstatistik 22221-01-01-4 (Empfänger von Asylbewerberregelleistungen, Stichtag 31.12.) ->
asylblg_recipients (Regelleistungsempfänger insgesamt) for Germany, Länder, Kreise, from every file (vintage)
the catalogue lists: a new year is a new file line, not new code.

Two layouts of the same table: a GENESIS CSV (etl.parsers.regio_csv.read_regio_csv) and the 2019 export saved
again without its GENESIS frame, with the saver's column names and the keys' leading zeros lost
(etl.parsers.regio_rows.read_regio_rows; the catalogue file item's `columns` maps those headers to the table's labels). Which one a
file is, is decided by its first line, so a fresh GENESIS fetch of a `columns` file is read as usual.
Rows "-" throughout did not exist at that date (the new Mecklenburg-Vorpommern Kreise 13071–13076 in
2010–2011, whose AsylbLG figures are still under the old keys; Kreise dissolved before 2019): no row, not a zero.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..parsers.regio_csv import read_regio_csv
from ..parsers.regio_rows import read_regio_rows
from ..parsers.regio_obs import apply_dash_rules, for_staging, observations_for, tidy
from ..step import StepContext, StepOutput

DATASET = "regionalstatistik_22221-01-01-4"
TABLE = "22221-01-01-4"
ASYL_TOTAL = "Regelleistungsempfänger"
LEVELS = ("bund", "land", "kreis")


def read_table(path: Path, item: dict):
    """The file as a RegioTable, whichever of the two layouts it has."""
    head = path.read_bytes()[:40].lstrip(b"\xef\xbb\xbf")
    if head.startswith((b"GENESIS-Tabelle:", b"Tabelle:")) or not item.get("columns"):
        return read_regio_csv(path, name=item["name"])
    return read_regio_rows(path, name=item["name"], table=TABLE, columns=item["columns"])


def run(ctx: StepContext) -> StepOutput:
    frames, staged = [], []
    for item in ctx.files(".csv"):
        # Load inputs
        name = item["name"]
        t = tidy(read_table(ctx.input(name), item), name)
        # Process data
        frames.append(observations_for(t, {ASYL_TOTAL: "asylblg_recipients"}, name, LEVELS))
        staged.append(for_staging(t))
    obs = apply_dash_rules(pd.concat(frames, ignore_index=True), DATASET, ctx)
    # Save outputs
    return StepOutput(observations=obs, tables={"regio_22221_asylblg": pd.concat(staged, ignore_index=True)})
