"""Statistikamt Nord, Hamburger Stadtteil-Profile 2014 (31.12.2013) -> migration_background_persons and the
published migration_background_share for Hamburg as Land 02 = Kreis 02000 = Gemeinde 02000000.

The share is taken as published: it refers to a base the sheet does not give (548,279 persons with MH over the
sheet's 1,788,994 residents would be 30.6 %, the office prints 30.8 %), so no base population is emitted and
SQL does not recompute it (a published value of a derived indicator wins over the computed one).
Stadtteile and Bezirke are staged only (names, no keys in the sheet).
"""
from __future__ import annotations

import pandas as pd

from ..parsers.city_register import read_hamburg_profile
from ..step import StepContext, StepOutput

DATASET = "kommunalstatistik_hamburg_migrationshintergrund"
FILE = "Daten_fuer_die_Stadtteilprofile_2014.xlsx"
SOURCE_TABLE = "Statistikamt Nord Stadtteil-Profile 2014"
KEYS = (("land", "02"), ("kreis", "02000"), ("gemeinde", "02000000"))
INDICATORS = ("migration_background_persons", "migration_background_share")


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    df = read_hamburg_profile(ctx.input(FILE), name=FILE)
    # Process data
    city = df[df["unit_type"].eq("stadt")].iloc[0]
    obs = pd.DataFrame([{
        "ags": ags, "level": level, "indicator_id": ind, "reference_date": city["reference_date"],
        "value": city[ind], "flag": city[f"{ind}_flag"], "gebietsstand": city["reference_date"],
        "source_table": SOURCE_TABLE, "source_file": FILE} for ind in INDICATORS for level, ags in KEYS])
    # Save outputs
    return StepOutput(observations=obs, tables={"hamburg_stadtteilprofile": df.assign(source_file=FILE)})
