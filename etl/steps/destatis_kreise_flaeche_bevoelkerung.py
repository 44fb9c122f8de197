"""GV-ISys "Kreisfreie Städte und Landkreise nach Fläche, Bevölkerung …": Kreis population 31.12.2021.

Only the 400 five-digit Kreis rows are emitted; Land headings and "Insgesamt" sums are left to the SQL.
"""
from __future__ import annotations

import pandas as pd

from ..parsers.gvisys_xlsx import parse_kreise_vorjahr
from ..step import StepContext, StepOutput

DATASET = "destatis_kreise_flaeche_bevoelkerung"
FILE = "04_KreiseVorjahr.xlsx"
SOURCE_TABLE = "GV-ISys Kreise (04_KreiseVorjahr)"
POPULATION_DATE = "2021-12-31"  # header "Bevölkerung" of the Gebietsstand year (footnote 2), Zensus-2011 basis


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    path = ctx.input(FILE)
    # Process data
    df = parse_kreise_vorjahr(path)
    stand = df["gebietsstand"].iloc[0]
    if stand != POPULATION_DATE:
        ctx.warn(f"Gebietsstand {stand}, expected {POPULATION_DATE}: the file was replaced by a later edition")
    if len(df) != 400:
        ctx.warn(f"{len(df)} Kreise, expected 400")
    obs = pd.DataFrame({
        "ags": df["ags"], "level": "kreis", "indicator_id": "population", "reference_date": stand,
        "value": df["population"], "flag": df["population_flag"], "gebietsstand": stand,
        "source_table": SOURCE_TABLE, "source_file": FILE})
    # Save outputs
    return StepOutput(observations=obs, tables={"kreise_flaeche_bevoelkerung_2021": df})
