"""GERDA package data -> Zensus 2022 Gemeinde shares (foreigners, immigration history) and the INKAR
Kreis panel (foreigners share 1995-2022, unemployment rate).

Why a repackaged source: the Zensus 2022 Gemeinde-level shares and the INKAR foreigners/unemployment
series were not found in any official file in the snapshot store (see catalogue notes). The census
shares are rounded to 0.1 by the package author; NA there is a secret small-Gemeinde value, so it is
kept as NULL with flag ".". In the INKAR panel NA means "not published for that year" and is dropped.
Childcare is NOT taken from here: inkar_inkr_parquet carries the same INKAR values first-hand.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..parsers.gerda import CENSUS, CENSUS_CODEBOOK, COUNTY, COUNTY_CODEBOOK, county_long, read_gerda
from ..step import StepContext, StepOutput

DATASET = "gerda_zensus2022_gemeinden_inkar_kreise"
FILE = "gerda_sysdata.rda"
CENSUS_TABLE = "Zensus 2022 Regionaltabellen"  # exact table codes are not named by GERDA
CENSUS_DATE = "2022-05-15"
CENSUS_INDICATORS = {"share_foreign_census22": "foreigners_share",
                     "share_migration_bg_census22": "immigration_history_share"}
# GERDA column -> (indicator id, INKAR Kürzel, first year, last year); None = every year present
COUNTY_INDICATORS = {
    "share_foreign": ("foreigners_share", "a_ausl_bev", None, None),
    "unemployment_rate": ("unemployment_rate", "q_alo", 2013, 2021),
}
COUNTY_GEBIETSSTAND = "2021-12-31"


def census_observations(census: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for col, indicator in CENSUS_INDICATORS.items():
        v = census[col].astype("Float64")
        frames.append(pd.DataFrame({
            "ags": census["ags"], "level": "gemeinde", "indicator_id": indicator,
            "value": v, "flag": pd.array(np.where(v.isna(), ".", None), dtype="string"),
        }))
    out = pd.concat(frames, ignore_index=True)
    out["reference_date"] = CENSUS_DATE
    out["gebietsstand"] = CENSUS_DATE
    out["source_table"] = CENSUS_TABLE
    return out


def county_observations(county: pd.DataFrame) -> pd.DataFrame:
    long = county_long(county, list(COUNTY_INDICATORS))
    frames = []
    for col, (indicator, kuerzel, first, last) in COUNTY_INDICATORS.items():
        part = long[long["variable"].eq(col)]
        if first is not None:
            part = part[part["year"].between(first, last)]
        frames.append(pd.DataFrame({
            "ags": part["county_code"], "level": "kreis", "indicator_id": indicator,
            "reference_date": part["year"].astype(str) + "-12-31", "value": part["value"], "flag": None,
            "source_table": f"INKAR {kuerzel}",
        }))
    out = pd.concat(frames, ignore_index=True)
    out["gebietsstand"] = COUNTY_GEBIETSSTAND
    return out


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    path = ctx.input(FILE)
    data = read_gerda(path)
    # Process data
    census = data[CENSUS]
    obs = pd.concat([census_observations(census), county_observations(data[COUNTY])], ignore_index=True)
    obs["source_file"] = FILE
    staged = census[["ags", "municipality_name", "population_census22", *CENSUS_INDICATORS]]
    # Save outputs
    return StepOutput(observations=obs, tables={
        "gerda_census2022_gemeinden": staged,
        "gerda_census2022_codebook": data[CENSUS_CODEBOOK],
        "gerda_inkar_codebook": data[COUNTY_CODEBOOK],
    })
