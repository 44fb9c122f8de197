"""BBSR Umsteigeschlüssel Kreise 1990…2019 → Kreise 31.12.2020 (superseded) as a staging table.

Kept for provenance and cross-checks only: the 2021 key file (bbsr_umsteigeschluessel_2021-2023) also
contains 16056 Eisenach → 16063 Wartburgkreis, so the crosswalk uses that one.
"""
from __future__ import annotations

from ..parsers.bbsr_keys import parse_kreis_keys
from ..step import StepContext, StepOutput

DATASET = "bbsr_kreis_umrechnung_1990-2019"
FILE = "ref-kreise-umrech-2020-1990-2019.xlsx"


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    path = ctx.input(FILE)
    # Process data
    df = parse_kreis_keys(path)
    df["to_gebietsstand"] = "2020-12-31"
    targets = df.groupby("from_year")["to_ags"].nunique()
    if not targets.eq(401).all():
        ctx.warn(f"expected 401 target Kreise (31.12.2020) in every sheet, found {targets.to_dict()}")
    # Save outputs
    return StepOutput(observations=None, tables={"bbsr_kreis_keys_2020": df})
