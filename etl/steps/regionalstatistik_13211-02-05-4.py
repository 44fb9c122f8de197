"""Regionalstatistik 13211-02-05-4 (BA data, annual averages) -> unemployed, unemployed foreigners and the two
unemployment rates (on all civilian labour force) for Germany, Länder and Kreise, from every file (vintage)
the catalogue lists: a new year is a new file line, not new code.

Each file is processed on its own (dash rules, later-territory check), because two retrievals overlap
(2015–2017): summing a Land's Kreise over both would look like a back-calculated territory. Which vintage
wins an overlapping key is decided in SQL (newer `published`; the other kept as provenance).
"""
from __future__ import annotations

import pandas as pd

from ..parsers.regio_obs import (VARIABLES_13211_02_05_4, apply_dash_rules, for_staging, mark_later_territory,
                                 observations_for, tidy_files)
from ..step import StepContext, StepOutput

DATASET = "regionalstatistik_13211-02-05-4"
LEVELS = ("bund", "land", "kreis")


def run(ctx: StepContext) -> StepOutput:
    frames, staged = [], []
    for name, t in tidy_files(ctx):  # Load inputs: every vintage
        # Process data
        obs = observations_for(t, VARIABLES_13211_02_05_4, name, LEVELS)
        obs = apply_dash_rules(obs, DATASET, ctx)
        frames.append(mark_later_territory(obs, "unemployed", ctx, f"unemployed ({name})"))
        staged.append(for_staging(t))
    # Save outputs
    return StepOutput(observations=pd.concat(frames, ignore_index=True),
                      tables={"regio_13211_02_05_4_arbeitslose_kreise": pd.concat(staged, ignore_index=True)})
