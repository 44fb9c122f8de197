"""GENESIS-Online 12411-0018 (Kreise x sex x 17 age groups, 31.12.2015–2020) -> population per Kreis.

The table has no total column: population = the sum of its 34 cells (2 sexes x 17 age groups).
A key whose cells are all "-" did not exist at that date and is dropped; a "." or "x" in any
cell makes the sum unknown (value NULL, that flag), never a partial sum.
The children under 3 and aged 3 to under 6 (männlich + weiblich) are emitted too: they are the
denominators of the INKAR childcare rates and weight them in group figures.
"""
from __future__ import annotations

import pandas as pd

from ..errors import ParseError
from ..parsers.regio_csv import read_regio_csv
from ..step import StepContext, StepOutput
from ..parsers.regio_obs import for_staging, mark_later_territory, tidy

DATASET = "destatis_12411-0018"
FILE = "12411-0018_kreise_2015-2020_latin1.csv"
CELLS = 34
AGE_GROUPS = {"population_under3": "unter 3 Jahre", "population_3to6": "3 bis unter 6 Jahre"}


def kreis_totals(t: pd.DataFrame, label: str, indicator: str = "population") -> pd.DataFrame:
    """One observation per existing (Kreis, Stichtag): the sum of the 34 sex x age cells (or, for an age-group
    indicator of AGE_GROUPS, of its two cells männlich | <group> and weiblich | <group>)."""
    n_vars = t["variable"].nunique()
    if n_vars != CELLS:
        raise ParseError(label, f"expected {CELLS} sex x age columns, found {n_vars}", field="variable")
    rows = t[t["unit_existed"] & t["level"].eq("kreis")]
    if indicator != "population":
        group = AGE_GROUPS[indicator]
        want = {f"männlich | {group}", f"weiblich | {group}"}
        rows = rows[rows["variable"].isin(want)]
        found = set(rows["variable"].unique())
        if found != want:
            raise ParseError(label, f"age group {group!r}: expected columns {sorted(want)}, found {sorted(found)}",
                             field="variable", value=group)
    missing = rows["value"].isna()
    g = rows.groupby(["key", "date"], sort=False)
    totals = g["value"].sum().astype("Float64")
    flag = rows["flag"].where(missing).groupby([rows["key"], rows["date"]], sort=False).first()
    unknown = flag.reindex(totals.index).notna()
    totals[unknown] = pd.NA
    out = totals.rename("value").reset_index()
    out["flag"] = flag.reindex(totals.index).to_numpy()
    ref = out["date"]  # Stichtag 31.12. in every row
    return pd.DataFrame({
        "ags": out["key"], "level": "kreis", "indicator_id": indicator, "reference_date": ref,
        "value": out["value"], "flag": out["flag"].astype("string"), "gebietsstand": ref,
        "source_table": "12411-0018", "source_file": FILE,
    })


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    table = read_regio_csv(ctx.input(FILE), name=FILE)
    # Process data
    t = tidy(table, FILE)
    obs = mark_later_territory(kreis_totals(t, FILE), "population", ctx, "population")
    # the age groups share the key and Gebietsstand of the total (same rows of the same table)
    keys = obs.set_index(["ags", "reference_date"])["gebietsstand"]
    ages = []
    for ind in AGE_GROUPS:
        a = kreis_totals(t, FILE, ind)
        a["gebietsstand"] = keys.reindex(pd.MultiIndex.from_frame(a[["ags", "reference_date"]])).to_numpy()
        ages.append(a)
    obs = pd.concat([obs, *ages], ignore_index=True)
    # Save outputs
    return StepOutput(observations=obs, tables={"destatis_12411_0018_kreise_alter": for_staging(t)})
