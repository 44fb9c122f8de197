"""Regionalstatistik 22221-01-01-4 and 22811-01-01-4 (Stichtag 31.12.2010 … 2015) -> asylblg_recipients
(22221 Regelleistungsempfänger insgesamt) and sgb2_recipients (22811 SGB II Gesamtregelleistung
zusammen) for Germany, Länder, Kreise.

22811 also publishes the AsylbLG recipients: it must agree with 22221 (a warning counts the cells
that do not). Rows "-" throughout did not exist at that date (in 22221 also the new Mecklenburg-
Vorpommern Kreise 13071–13076 in 2010–2011, whose AsylbLG figures are still under the old keys);
"-" cells the corrections file names as not-a-zero (SGB II of the old MV keys) are dropped.
"""
from __future__ import annotations

import pandas as pd

from ..parsers.regio_csv import read_regio_csv
from ..step import StepContext, StepOutput
from ..parsers.regio_obs import (apply_dash_rules, for_staging, mark_later_territory, observations_for, pick,
                                 tidy, to_observations)

DATASET = "regionalstatistik_sozial_22811_22221_2010-2015"
ASYL_FILE = "22221-01-01-4_00.csv"
MINDEST_FILE = "22811-01-01-4_00.csv"
ASYL_TOTAL = "Regelleistungsempfänger"
MINDEST_ASYL = "Davon | Regelleist. n.d. Asylbewerberleistungsgesetz"
MINDEST_SGB2 = "Davon | Gesamtregelleistung (ALG II/Sozialgeld) n.d.SGB II | zusammen"
LEVELS = ("bund", "land", "kreis")


def check_asylblg(asyl: pd.DataFrame, mindest_asyl: pd.DataFrame, ctx: StepContext) -> int:
    """Count (key, date) cells where 22811's AsylbLG column differs from 22221's total; warn if any."""
    key = ["ags", "level", "reference_date"]
    m = asyl.merge(mindest_asyl, on=key, suffixes=("", "_22811"))
    a, b = m["value"].astype("float64"), m["value_22811"].astype("float64")
    bad = m[~((a == b) | (a.isna() & b.isna()))]
    if len(bad):
        ex = bad.iloc[0]
        ctx.warn(f"asylblg_recipients: 22221 and 22811 disagree in {len(bad)} of {len(m)} cells "
                 f"(e.g. {ex['ags']} {ex['reference_date']}: {ex['value']} vs {ex['value_22811']}); 22221 kept")
    return len(bad)


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    asyl_table = read_regio_csv(ctx.input(ASYL_FILE), name=ASYL_FILE)
    mindest_table = read_regio_csv(ctx.input(MINDEST_FILE), name=MINDEST_FILE)
    # Process data
    mt, at = tidy(mindest_table, MINDEST_FILE), tidy(asyl_table, ASYL_FILE)
    asyl = observations_for(at, {ASYL_TOTAL: "asylblg_recipients"}, ASYL_FILE, LEVELS)
    sgb2 = observations_for(mt, {MINDEST_SGB2: "sgb2_recipients"}, MINDEST_FILE, LEVELS)
    check_asylblg(asyl, to_observations(pick(mt, MINDEST_ASYL, MINDEST_FILE), "asylblg_recipients", LEVELS), ctx)
    obs = apply_dash_rules(pd.concat([asyl, sgb2], ignore_index=True), DATASET, ctx)
    obs = mark_later_territory(obs, "sgb2_recipients", ctx, "sgb2_recipients")
    # Save outputs
    return StepOutput(observations=obs, tables={"regio_22221_asylblg": for_staging(at),
                                                "regio_22811_mindestsicherung": for_staging(mt)})
