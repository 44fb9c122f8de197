"""INKAR web export (edition 2019/2020, reference year 2017, 401 Kreise incl. 16056 Eisenach)
-> Kreis foreigners share and SGB II rate; all 25 indicators to a staging table.

The reference year of each indicator comes from row 2 of the file, not from this code. The
"Anteil Schutzsuchender" column is not emitted (there is no share indicator for it, and its "0,0"
cells are missing values, not zeros: see etl/corrections/<dataset>.yml, applied to the staging table).
"""
from __future__ import annotations

import pandas as pd

from ..errors import ParseError
from ..parsers.inkar import apply_corrections, load_corrections, read_inkar_export
from ..step import StepContext, StepOutput

DATASET = "inkar_export_zidatalab"
FILE = "inkar_sdg_etc.csv"
GEBIETSSTAND = "2017-12-31"  # 401 Kreise: Göttingen 03159 (since 1.11.2016) and Eisenach 16056 (until 30.6.2021)
INDICATORS = {"Ausländeranteil": ("foreigners_share", "a_ausl_bev"),
              "SGB II - Quote": ("sgb2_rate", "q_SGBII")}


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    path = ctx.input(FILE)
    # Process data
    long = read_inkar_export(path)
    long, corrected, notes = apply_corrections(long, load_corrections(DATASET))
    for n in notes:
        ctx.warn(n)
    missing = [i for i in INDICATORS if i not in set(long["indicator"])]
    if missing:
        raise ParseError(FILE, f"indicator columns missing: {missing}")
    sel = long[long["indicator"].isin(list(INDICATORS))]
    obs = pd.DataFrame({
        "ags": sel["kennziffer"], "level": "kreis",
        "indicator_id": sel["indicator"].map({k: v[0] for k, v in INDICATORS.items()}),
        "reference_date": sel["year"].astype(str) + "-12-31",
        "value": sel["value"], "flag": sel["flag"], "gebietsstand": GEBIETSSTAND,
        "source_table": "INKAR " + sel["indicator"].map({k: v[1] for k, v in INDICATORS.items()}),
        "source_file": FILE,
    })
    # Save outputs
    tables = {"inkar_export_2017": long}
    if len(corrected):
        tables["inkar_export_2017_corrections_applied"] = corrected
    return StepOutput(observations=obs, tables=tables)
