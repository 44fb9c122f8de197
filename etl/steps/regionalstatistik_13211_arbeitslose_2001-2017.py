"""Regionalstatistik 13211 (BA data, annual averages) -> unemployed, unemployed foreigners and the two
unemployment rates: Kreis table 13211-02-05-4 for 2001–2017 (Germany, Länder, Kreise) and the
Gemeinde table 13211-01-03-5 for 2016 (counts only, also Gemeinden).

Both tables publish Germany/Länder/Kreise for 2016: only the Kreis table's are emitted (newer
publication, territory of the year end; the Gemeinde table still has Göttingen/Osterode 03152/03156);
disagreements on common keys are counted in a warning. "-" cells the corrections file names as
not-a-zero are dropped. Keys "-" throughout in a year did not exist then (or, in the
Gemeinde table, BA published nothing for that Gemeinde): dropped, never zeros. Kreise the Kreis table
back-calculates on a later territory (Sachsen-Anhalt before 2007) get that territory's gebietsstand.
"""
from __future__ import annotations

from ..parsers.regio_csv import read_regio_csv
from ..step import StepContext, StepOutput
from ..parsers.regio_obs import (VARIABLES_13211_02_05_4, apply_dash_rules, for_staging, mark_later_territory,
                                 observations_for, prefer, tidy)

DATASET = "regionalstatistik_13211_arbeitslose_2001-2017"
KREIS_FILE = "13211-02-05-4_kreise_2001-2017_latin1.csv"
GEMEINDE_FILE = "13211-01-03-5_gemeinden_2016_datenguide.csv"
GEMEINDE_VARIABLES = {
    "Arbeitslose insgesamt": "unemployed",
    "Arbeitslose | und zwar | Ausländer": "unemployed_foreigners",
}


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    kreis_table = read_regio_csv(ctx.input(KREIS_FILE), name=KREIS_FILE)
    gem_table = read_regio_csv(ctx.input(GEMEINDE_FILE), name=GEMEINDE_FILE)
    # Process data
    kt, gt = tidy(kreis_table, KREIS_FILE), tidy(gem_table, GEMEINDE_FILE)
    kreis_obs = observations_for(kt, VARIABLES_13211_02_05_4, KREIS_FILE, ("bund", "land", "kreis"))
    gem_obs = observations_for(gt, GEMEINDE_VARIABLES, GEMEINDE_FILE, ("bund", "land", "kreis", "gemeinde"))
    obs = prefer([kreis_obs, gem_obs], ctx, "13211 Kreis vs Gemeinde table 2016")
    # the Gemeinde table's Kreis rows are on the pre-November-2016 territory (03152/03156 instead of 03159):
    # compared above, but Germany/Länder/Kreise come from the Kreis table only
    obs = obs[~(obs["source_table"].eq(gem_table.table) & obs["level"].ne("gemeinde"))]
    obs = apply_dash_rules(obs, DATASET, ctx)
    obs = mark_later_territory(obs, "unemployed", ctx, "unemployed")
    # Save outputs
    return StepOutput(observations=obs, tables={"regio_13211_arbeitslose_kreise_2001_2017": for_staging(kt),
                                                "regio_13211_arbeitslose_gemeinden_2016": for_staging(gt)})
