"""Regionalstatistik 22811-01-01-4 (Empfänger von sozialen Mindestsicherungsleistungen, Stichtag 31.12.)
-> sgb2_recipients (SGB II Gesamtregelleistung zusammen) for Germany, Länder, Kreise, from every file (vintage)
the catalogue lists.

The table's AsylbLG column is staged only: asylblg_recipients is table 22221-01-01-4's own dataset
(regionalstatistik_22221-01-01-4); a test checks that both tables agree. "-" cells the corrections file names as
not-a-zero (SGB II of the old Mecklenburg-Vorpommern keys 2010–2011) are dropped.
"""
from __future__ import annotations

import pandas as pd

from ..parsers.regio_obs import apply_dash_rules, for_staging, mark_later_territory, observations_for, tidy_files
from ..step import StepContext, StepOutput

DATASET = "regionalstatistik_22811-01-01-4"
MINDEST_ASYL = "Davon | Regelleist. n.d. Asylbewerberleistungsgesetz"
MINDEST_SGB2 = "Davon | Gesamtregelleistung (ALG II/Sozialgeld) n.d.SGB II | zusammen"
LEVELS = ("bund", "land", "kreis")


def run(ctx: StepContext) -> StepOutput:
    frames, staged = [], []
    for name, t in tidy_files(ctx):  # Load inputs: every vintage
        # Process data
        obs = apply_dash_rules(observations_for(t, {MINDEST_SGB2: "sgb2_recipients"}, name, LEVELS), DATASET, ctx)
        frames.append(mark_later_territory(obs, "sgb2_recipients", ctx, f"sgb2_recipients ({name})"))
        staged.append(for_staging(t))
    # Save outputs
    return StepOutput(observations=pd.concat(frames, ignore_index=True),
                      tables={"regio_22811_mindestsicherung": pd.concat(staged, ignore_index=True)})
