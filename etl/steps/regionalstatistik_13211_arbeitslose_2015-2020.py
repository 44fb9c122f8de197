"""Regionalstatistik 13211-02-05-4 (BA data, annual averages 2015–2020) -> unemployed, unemployed
foreigners and the two unemployment rates (on all civilian labour force) for Germany, Länder, Kreise.

Annual averages get reference_date YYYY-12-31. Keys that did not exist in a year are "-" in every
column and are dropped. The foreigners' rate is "." for Kreise in 2017–2018 (not published):
value NULL with flag ".". Regierungsbezirke and the 8-digit city rows inside Kreise (Hannover,
Aachen, Saarbrücken) are staged, not emitted.
"""
from __future__ import annotations

from ..parsers.regio_csv import read_regio_csv
from ..step import StepContext, StepOutput
from ..parsers.regio_obs import (VARIABLES_13211_02_05_4, apply_dash_rules, for_staging, mark_later_territory,
                                 observations_for, tidy)

DATASET = "regionalstatistik_13211_arbeitslose_2015-2020"
FILE = "13211-02-05-4_kreise_2015-2020_latin1.csv"
LEVELS = ("bund", "land", "kreis")


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    table = read_regio_csv(ctx.input(FILE), name=FILE)
    # Process data
    t = tidy(table, FILE)
    obs = observations_for(t, VARIABLES_13211_02_05_4, FILE, LEVELS)
    obs = apply_dash_rules(obs, DATASET, ctx)
    obs = mark_later_territory(obs, "unemployed", ctx, "unemployed")
    # Save outputs
    return StepOutput(observations=obs, tables={"regio_13211_arbeitslose_kreise_2015_2020": for_staging(t)})
