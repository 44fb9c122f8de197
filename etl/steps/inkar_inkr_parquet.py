"""INKAR 2024 (BBSR) via the {inkr} Parquet tables -> childcare rates, SGB II rate, AsylbLG recipients
per 1,000 for Bund, Länder and Kreise; indicator definitions to a staging table.

Values are official INKAR values in a repackaged container (wide Parquet). INKAR harmonises every
year to one Gebietsstand: the Gemeinde key set of the tables equals the 10,786 Gemeinden of
15.05./31.12.2022 (12 of them no longer exist on 31.12.2023), so the keys are taken as Gebietsstand
31.12.2022; the 400 Kreise are identical from 2021 to 2025.
"""
from __future__ import annotations

import pandas as pd

from ..parsers.inkar import apply_corrections, load_corrections, read_inkar_indicators, read_inkr_parquet
from ..step import StepContext, StepOutput

DATASET = "inkar_inkr_parquet"
FILE_CATALOGUE = "_indikatoren.parquet"
GEBIETSSTAND = "2022-12-31"
# file -> {INKAR Kürzel: (indicator id, Stichtag as MM-DD)}
# Childcare: Kita statistics Stichtag 1 March (15 March until 2008); SGB II / AsylbLG: 31 Dec.
INDICATORS = {
    "medizinische_und_soziale_versorgung.parquet": {
        "a_betr0003_bev0003": ("childcare_rate_under3", "03-01"),
        "a_betr0306_bev0306": ("childcare_rate_3to6", "03-01"),
    },
    "sozialleistungen.parquet": {
        "q_SGBII": ("sgb2_rate", "12-31"),
        "q_asyl_bev": ("asylblg_per_1000", "12-31"),
    },
}
CHILDCARE_STICHTAG_BEFORE_2009 = "03-15"


def reference_dates(long: pd.DataFrame, mmdd: pd.Series) -> pd.Series:
    early = mmdd.eq("03-01") & long["year"].lt(2009)
    return long["year"].astype(str) + "-" + mmdd.where(~early, CHILDCARE_STICHTAG_BEFORE_2009)


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    paths = {f: ctx.input(f) for f in INDICATORS}
    cat_path = ctx.input(FILE_CATALOGUE)
    # Process data
    frames = []
    for file, spec in INDICATORS.items():
        long = read_inkr_parquet(paths[file], list(spec))
        ids = long["kuerzel"].map({k: v[0] for k, v in spec.items()})
        mmdd = long["kuerzel"].map({k: v[1] for k, v in spec.items()})
        frames.append(pd.DataFrame({
            "ags": long["ags"], "level": long["level"], "indicator_id": ids,
            "reference_date": reference_dates(long, mmdd), "value": long["value"], "flag": None,
            "gebietsstand": GEBIETSSTAND, "source_table": "INKAR 2024 " + long["kuerzel"], "source_file": file,
        }))
    obs, corrected, notes = apply_corrections(pd.concat(frames, ignore_index=True), load_corrections(DATASET))
    for n in notes:
        ctx.warn(n)
    kuerzel = [k for spec in INDICATORS.values() for k in spec]
    catalogue = read_inkar_indicators(cat_path, kuerzel)
    missing = sorted(set(kuerzel) - set(catalogue["kuerzel"]))
    if missing:
        ctx.warn(f"no INKAR definition for {missing}")
    # Save outputs
    tables = {"inkar_indikatoren": catalogue}
    if len(corrected):
        tables["inkar_corrections_applied"] = corrected
    return StepOutput(observations=obs, tables=tables)
