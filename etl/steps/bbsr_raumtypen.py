"""BBSR siedlungsstrukturelle Kreistypen 2020 → staging table keyed by 5-digit Kreis AGS."""
from __future__ import annotations

import pandas as pd

from ..errors import ParseError
from ..step import StepContext, StepOutput

DATASET = "bbsr_raumtypen"
FILE = "bbsr_kreistypen_2020.csv"
COLUMNS = {
    "Kreise (2020) Kennziffer": "kennziffer",
    "Kreise (2020) Name": "kreis_name",
    "Siedlungsstruktureller Kreistyp (2020) Kennziffer": "kreistyp",
    "Siedlungsstruktureller Kreistyp (2020) Name": "kreistyp_name",
}


def parse_kreistypen(path) -> pd.DataFrame:
    df = pd.read_csv(path, sep=";", dtype=str, encoding="latin-1", keep_default_na=False)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ParseError(str(path), f"missing columns {missing}")
    df = df.rename(columns=COLUMNS)[list(COLUMNS.values())]
    bad = ~df["kennziffer"].str.fullmatch(r"\d{8}")
    if bad.any():
        raise ParseError(str(path), "Kennziffer is not 8 digits", field="Kreise (2020) Kennziffer",
                         value=df.loc[bad, "kennziffer"].iloc[0])
    bad = ~df["kreistyp"].isin(["1", "2", "3", "4"])
    if bad.any():
        raise ParseError(str(path), "Kreistyp not in 1-4", field="kreistyp", value=df.loc[bad, "kreistyp"].iloc[0])
    df["kreis_ags"] = df["kennziffer"].str[:5]
    df["kreistyp"] = df["kreistyp"].astype(int)
    return df


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    path = ctx.input(FILE)
    # Process data
    df = parse_kreistypen(path)
    # Save outputs
    return StepOutput(observations=None, tables={"bbsr_kreistypen": df})
