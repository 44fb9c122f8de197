"""GV-ISys "Auszug GV": Gemeinde population 31.12.2021 and 31.12.2023 (Zensus-2011 basis) and the
Gemeinde key lists of 31.12.2021, 31.12.2023 and 31.12.2024.

The 4th-quarter-2024 file repeats the 31.12.2023 population on the 31.12.2024 territory, so only its key
list is kept (it checks the crosswalk); emitting its population would put 2023 figures on 2024 keys.
Kreis/Land sums are not emitted: the SQL aggregates Gemeinden.
"""
from __future__ import annotations

import pandas as pd

from ..parsers.gvisys_xlsx import parse_auszug_gv
from ..step import StepContext, StepOutput

DATASET = "destatis_gv_auszug_2021-2024"
OBS_FILES = ("31122021_Auszug_GV.xlsx", "31122023_Auszug_GV.xlsx")
KEYS_ONLY_FILE = "AuszugGV4QAktuell_2024.xlsx"
SOURCE_TABLE = "GV-ISys Auszug GV"
STAGING_COLUMNS = ["gebietsstand", "population_date", "ags", "ars", "kreis_ags", "name", "textkennzeichen",
                   "area_km2", "population", "population_male", "population_female", "plz", "source_file"]


def gemeinden(path, file: str) -> pd.DataFrame:
    df = parse_auszug_gv(path)
    gem = df[df["satzart"].eq("60")].copy()
    gem["source_file"] = file
    return gem


def observations_for(gem: pd.DataFrame, ctx: StepContext) -> pd.DataFrame:
    file = gem["source_file"].iloc[0]
    stand, date = gem["gebietsstand"].iloc[0], gem["population_date"].iloc[0]
    if stand != date:
        ctx.warn(f"{file}: population date {date} differs from Gebietsstand {stand}; not emitted")
        return gem.iloc[0:0]
    return pd.DataFrame({
        "ags": gem["ags"], "level": "gemeinde", "indicator_id": "population", "reference_date": date,
        "value": gem["population"], "flag": gem["population_flag"], "gebietsstand": stand,
        "source_table": SOURCE_TABLE, "source_file": file})


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    paths = {f: ctx.input(f) for f in (*OBS_FILES, KEYS_ONLY_FILE)}
    # Process data
    frames = {f: gemeinden(p, f) for f, p in paths.items()}
    obs = pd.concat([observations_for(frames[f], ctx) for f in OBS_FILES], ignore_index=True)
    keys = frames[KEYS_ONLY_FILE]
    if keys["population_date"].iloc[0] == keys["gebietsstand"].iloc[0]:
        ctx.warn(f"{KEYS_ONLY_FILE}: population now matches the Gebietsstand "
                 f"({keys['gebietsstand'].iloc[0]}); consider emitting it")
    staged = pd.concat(frames.values(), ignore_index=True)[STAGING_COLUMNS]
    # Save outputs
    return StepOutput(observations=obs, tables={"gv_auszug_gemeinden": staged})
