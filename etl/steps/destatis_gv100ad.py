"""GV100AD 30.11.2025: the current Gebietsstand (region dimension) and Gemeinde population 31.12.2024."""
from __future__ import annotations

from ..parsers.gv100ad import parse_gv100ad
from ..step import StepContext, StepOutput

DATASET = "destatis_gv100ad"
FILE = "GV100AD_30112025.txt"


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    path = ctx.input(FILE)
    # Process data
    df = parse_gv100ad(path)
    stands = df["gebietsstand"].unique().tolist()
    if stands != ["20251130"]:
        ctx.warn(f"unexpected Gebietsstand values {stands}")
    gem = df[df["satzart"] == "60"].copy()
    obs = gem[["ags"]].copy()
    obs["level"] = "gemeinde"
    obs["indicator_id"] = "population"
    obs["reference_date"] = "2024-12-31"
    obs["value"] = gem["population"].astype("Float64")
    obs["flag"] = None
    obs["gebietsstand"] = "2025-11-30"
    obs["source_table"] = "GV100AD"
    obs["source_file"] = FILE
    # Save outputs
    return StepOutput(observations=obs, tables={"gv100ad": df})
