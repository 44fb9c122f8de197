"""Case-study municipalities named in research reports → staging table the profile page reads."""
from __future__ import annotations

import pandas as pd

from ..errors import ParseError
from ..step import StepContext, StepOutput

DATASET = "reference_case_studies"
FILE = "case_studies.csv"
COLUMNS = ["study_id", "study_title", "publisher", "year", "ags", "unit_name", "unit_type", "land",
           "role_in_study", "notes"]


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    path = ctx.input(FILE)
    # Process data: every column as text (keys keep their leading zeros)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ParseError(str(path), f"missing columns {missing}")
    bad = df[(df["ags"] != "") & ~df["ags"].str.fullmatch(r"\d{5}|\d{8}")]
    if len(bad):
        raise ParseError(str(path), "ags must be 5 or 8 digits or empty", field="ags", value=bad["ags"].iloc[0])
    df["level"] = df["ags"].str.len().map({5: "kreis", 8: "gemeinde"}).fillna("gemeindeverband")
    df["year"] = pd.to_numeric(df["year"], errors="raise").astype(int)
    # Save outputs
    return StepOutput(observations=None, tables={"case_studies": df[COLUMNS + ["level"]]})
