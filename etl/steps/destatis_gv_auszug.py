"""GV-ISys "Auszug GV": Gemeinde population on 31.12. of each annual edition the catalogue lists (2016, 2019,
2021, 2023, ...) and the Gemeinde key list of every file.

A file marked `keys_only: true` in the catalogue (the 4th-quarter edition, which repeats the previous
year's population on the newer territory) contributes its key list only; emitting its population would put
old figures on new keys. Kreis/Land sums are not emitted: the SQL aggregates Gemeinden.
"""
from __future__ import annotations

import pandas as pd

from ..parsers.gvisys_xlsx import parse_auszug_gv
from ..step import StepContext, StepOutput

DATASET = "destatis_gv_auszug"
SOURCE_TABLE = "GV-ISys Auszug GV"
STAGING_COLUMNS = ["gebietsstand", "population_date", "ags", "ars", "kreis_ags", "name", "textkennzeichen",
                   "area_km2", "population", "population_male", "population_female", "plz", "source_file"]


def gemeinden(path, file: str) -> pd.DataFrame:
    df = parse_auszug_gv(path)
    gem = df[df["satzart"].eq("60")].copy()
    gem.attrs = dict(df.attrs)
    gem["source_file"] = file
    return gem


def observations_for(gem: pd.DataFrame, ctx: StepContext) -> pd.DataFrame:
    file = gem["source_file"].iloc[0]
    if gem.attrs.get("repeated_records_dropped"):
        ctx.warn(f"{file}: {gem.attrs['repeated_records_dropped']} verbatim repeated records of gemeindefreie "
                 "Gebiete counted once")
    stand, date = gem["gebietsstand"].iloc[0], gem["population_date"].iloc[0]
    if stand != date:
        ctx.warn(f"{file}: population date {date} differs from Gebietsstand {stand}; not emitted")
        return gem.iloc[0:0]
    # gemeindefreie Gebiete sharing one AGS (different Verband) are one unit of the AGS key: counts add up
    shared = gem["ags"].duplicated(keep=False)
    if shared.any():
        summed = (gem[shared].groupby("ags", as_index=False)
                  .agg(population=("population", lambda v: v.sum(min_count=len(v))),
                       population_flag=("population_flag", "first")))
        ctx.warn(f"{file}: {int(shared.sum())} gemeindefreie Gebiete share {len(summed)} AGS keys; "
                 "their populations are summed per AGS")
        gem = pd.concat([gem[~shared], summed], ignore_index=True)
    return pd.DataFrame({
        "ags": gem["ags"], "level": "gemeinde", "indicator_id": "population", "reference_date": date,
        "value": gem["population"], "flag": gem["population_flag"], "gebietsstand": stand,
        "source_table": SOURCE_TABLE, "source_file": file})


def run(ctx: StepContext) -> StepOutput:
    frames, obs = [], []
    for item in ctx.files(".xlsx"):
        # Load inputs
        name = item["name"]
        gem = gemeinden(ctx.input(name), name)
        # Process data
        frames.append(gem)
        if not item.get("keys_only"):
            obs.append(observations_for(gem, ctx))
        elif gem["population_date"].iloc[0] == gem["gebietsstand"].iloc[0]:
            ctx.warn(f"{name}: population now matches the Gebietsstand "
                     f"({gem['gebietsstand'].iloc[0]}); consider emitting it (remove keys_only)")
    staged = pd.concat(frames, ignore_index=True)[STAGING_COLUMNS]
    obs = pd.concat(obs, ignore_index=True)
    # Save outputs
    return StepOutput(observations=obs, tables={"gv_auszug_gemeinden": staged})
