"""GWK, Königsteiner Schlüssel für das Jahr 2010–2020 (official one-page PDF) -> koenigsteiner_schluessel_share
for the 16 Länder and the printed total ("Zusammen", 100 %) as Germany.

Year = the year the key is "für" (see the catalogue notes for the one-year offset of the asylum quota, which is
not applied). The Bundesanzeiger reference of each year's key is staged. The step checks that the 16 shares add
up to the printed total within rounding (16 values of 5 decimals); the model test checks it again in SQL.
"""
from __future__ import annotations

import pandas as pd

from ..errors import ParseError
from ..parsers.gwk_pdf import read_koenigsteiner_pdf
from ..step import StepContext, StepOutput

DATASET = "gwk_koenigsteiner_schluessel"
FILE = "Koenigsteiner_Schluessel_fuer_2010_-_2020.pdf"
SOURCE_TABLE = "GWK Königsteiner Schlüssel"
TOLERANCE = 16 * 0.000005  # 16 shares each rounded to 5 decimals


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    shares, banz = read_koenigsteiner_pdf(ctx.input(FILE), name=FILE)
    # Process data
    laender = shares[shares["ags"].ne("DG")]
    total = shares[shares["ags"].eq("DG")].set_index("year")["value"]
    sums = laender.groupby("year")["value"].sum()
    off = sums[(sums - total.reindex(sums.index).fillna(100.0)).abs() > TOLERANCE]
    if len(off):
        raise ParseError(FILE, "the 16 Länder shares do not add up to the printed total", field=str(off.index[0]),
                         value=f"{off.iloc[0]:.5f}")
    ref = shares["year"].astype(str) + "-12-31"
    obs = pd.DataFrame({
        "ags": shares["ags"], "level": shares["ags"].map(lambda a: "bund" if a == "DG" else "land"),
        "indicator_id": "koenigsteiner_schluessel_share", "reference_date": ref, "value": shares["value"],
        "flag": None, "gebietsstand": ref, "source_table": SOURCE_TABLE, "source_file": FILE})
    staged = shares.merge(banz, on="year", how="left").assign(source_file=FILE)
    # Save outputs
    return StepOutput(observations=obs, tables={"gwk_koenigsteiner_schluessel": staged})
