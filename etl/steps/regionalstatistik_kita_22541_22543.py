"""Regionalstatistik 22541-01-04-4 (Tageseinrichtungen für Kinder, Stichtage 15.03.2007 … 01.03.2016)
-> childcare_places (genehmigte Plätze) for Germany, Länder, Kreise; reference_date = the Stichtag.

The two 22543 tables (children in day care / childminding by age, children with at least one foreign
parent) are staged for later use but have no indicator yet. Keys "-" throughout at a Stichtag did not
exist then and are dropped; Kreise back-calculated on a later territory (Sachsen 2007) get that
territory's gebietsstand.
"""
from __future__ import annotations

import pandas as pd

from ..parsers.regio_csv import read_regio_csv
from ..step import StepContext, StepOutput
from ..parsers.regio_obs import for_staging, mark_later_territory, observations_for, tidy

DATASET = "regionalstatistik_kita_22541_22543"
PLACES_FILE = "22541-01-04-4_00.csv"
CHILDREN_FILES = ("22543-01-01-4_00.csv", "22543-01-02-4_00.csv")
VARIABLES = {"Genehmigte Plätze": "childcare_places"}
LEVELS = ("bund", "land", "kreis")


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    places = read_regio_csv(ctx.input(PLACES_FILE), name=PLACES_FILE)
    children = [read_regio_csv(ctx.input(f), name=f) for f in CHILDREN_FILES]
    # Process data
    pt = tidy(places, PLACES_FILE)
    obs = observations_for(pt, VARIABLES, PLACES_FILE, LEVELS)
    obs = mark_later_territory(obs, "childcare_places", ctx, "childcare_places")
    ct = pd.concat([tidy(t, f) for t, f in zip(children, CHILDREN_FILES)], ignore_index=True)
    # Save outputs
    return StepOutput(observations=obs, tables={"regio_22541_kita_einrichtungen": for_staging(pt),
                                                "regio_22543_kita_betreute_kinder": for_staging(ct)})
