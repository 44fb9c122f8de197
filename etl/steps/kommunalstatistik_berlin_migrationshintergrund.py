"""Berlin, Amt für Statistik Berlin-Brandenburg, Statistischer Bericht A I 16 – hj, table T1 (Einwohnerregister,
30.06. and 31.12. 2015–2024; processed CSVs) -> migration_background_persons and
migration_background_base_population (all registered residents) for the city; the share is derived in SQL.

Berlin is Land 11, Kreis 11000 and Gemeinde 11000000 at once: the city row is emitted on all three keys
(the SQL Stadtstaat fill keeps one date per year, but both half-year Stichtage are values of their own).
Bezirke and LOR-Planungsräume are staged only. Every file's name gives year and half (-01 = 30.06.,
-02 = 31.12.), so a new half-year is three more catalogue lines, not new code.
"""
from __future__ import annotations

import pandas as pd

from ..errors import ParseError
from ..parsers.city_register import BERLIN_COUNTS, read_berlin_t1
from ..step import StepContext, StepOutput

DATASET = "kommunalstatistik_berlin_migrationshintergrund"
SOURCE_TABLE = "AfS BB A I 16 T1"
KEYS = (("land", "11"), ("kreis", "11000"), ("gemeinde", "11000000"))
INDICATORS = {"inhabitants_with_migration_background": "migration_background_persons",
              "inhabitants": "migration_background_base_population"}


def check_sums(frames: list[pd.DataFrame], ctx: StepContext) -> None:
    """Bezirke and Planungsräume add up to the city row (both counts), per Stichtag; a warning otherwise."""
    allrows = pd.concat(frames, ignore_index=True)
    city = allrows[allrows["unit_type"].eq("stadt")].set_index("reference_date")
    for unit in ("bezirk", "planungsraum"):
        sums = allrows[allrows["unit_type"].eq(unit)].groupby("reference_date")[list(INDICATORS)].sum()
        for ref, row in sums.iterrows():
            for col in INDICATORS:
                if ref in city.index and row[col] != city.loc[ref, col]:
                    ctx.warn(f"{unit} {col} on {ref} add up to {row[col]:.0f}, the city row says "
                             f"{city.loc[ref, col]:.0f}")


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    frames = []
    for item in ctx.files(".csv"):
        name = item["name"]
        frames.append(read_berlin_t1(ctx.input(name), name=name).assign(source_file=name))
    # Process data
    check_sums(frames, ctx)
    t1 = pd.concat(frames, ignore_index=True)
    city = t1[t1["unit_type"].eq("stadt")]
    dup = city["reference_date"].duplicated(keep=False)
    if dup.any():
        raise ParseError(DATASET, "two city files for one Stichtag", field="name",
                         value=", ".join(city.loc[dup, "source_file"]))
    obs = pd.concat([pd.DataFrame({
        "ags": ags, "level": level, "indicator_id": ind, "reference_date": city["reference_date"],
        "value": city[col], "flag": None, "gebietsstand": city["reference_date"], "source_table": SOURCE_TABLE,
        "source_file": city["source_file"]})
        for col, ind in INDICATORS.items() for level, ags in KEYS], ignore_index=True)
    staged = t1[["unit_type", "id", "reference_date", *BERLIN_COUNTS, "source_file", "line"]]
    # Save outputs
    return StepOutput(observations=obs, tables={"berlin_mh_t1": staged})
