"""Regionalstatistik 13211-01-03-5 (BA data, Gemeinden, annual average) -> unemployed and unemployed foreigners
per Gemeinde. Only Gemeinde rows are emitted: Germany/Länder/Kreise come from table 13211-02-05-4 (this
table's Kreis rows are on an older territory). Keys "-" throughout in a year are dropped, never zeros.
"""
from __future__ import annotations

import pandas as pd

from ..parsers.regio_obs import apply_dash_rules, for_staging, observations_for, tidy_files
from ..step import StepContext, StepOutput

DATASET = "regionalstatistik_13211-01-03-5"
VARIABLES = {
    "Arbeitslose insgesamt": "unemployed",
    "Arbeitslose | und zwar | Ausländer": "unemployed_foreigners",
}


def run(ctx: StepContext) -> StepOutput:
    frames, staged = [], []
    for name, t in tidy_files(ctx):  # Load inputs: every vintage
        # Process data
        frames.append(observations_for(t, VARIABLES, name, ("gemeinde",)))
        staged.append(for_staging(t))
    obs = apply_dash_rules(pd.concat(frames, ignore_index=True), DATASET, ctx)
    # Save outputs
    return StepOutput(observations=obs, tables={"regio_13211_01_03_5_arbeitslose_gemeinden": pd.concat(staged)})
