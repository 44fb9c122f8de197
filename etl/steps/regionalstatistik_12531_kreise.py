"""Regionaldatenbank 12531 (Statistik über Schutzsuchende), totals per Kreis, Land and Germany on 31.12. of
each file the catalogue lists (a re-packaged copy of 31.12.2018 today) -> protection_seekers.

Kreis rows "-" are Kreise that no longer existed (dropped, not zeros). "." stays a flag. The Kreise whose
cases are booked at a neighbouring Ausländerbehörde (the same pattern as in 12531-0043) are flagged from
etl/corrections/<dataset>.yml, never filled in.
"""
from __future__ import annotations

import pandas as pd
import yaml

from ..parsers.regio_rows import read_regio_rows
from ..settings import ROOT
from ..step import StepContext, StepOutput

DATASET = "regionalstatistik_12531_kreise"
TABLE = "12531"
COLUMNS = {"schutzsuchende": "Schutzsuchende"}  # the copy's own header -> the official variable


def run(ctx: StepContext) -> StepOutput:
    rules = yaml.safe_load((ROOT / "etl" / "corrections" / f"{DATASET}.yml").read_text(encoding="utf-8"))
    frames, staged = [], []
    for item in ctx.files(".csv"):
        # Load inputs
        name = item["name"]
        df = read_regio_rows(ctx.input(name), name, table=TABLE, columns=COLUMNS).data
        # Process data
        staged.append(df.assign(source_file=name).astype({c: object for c in ("time", "key", "name", "level",
                                                                          "variable", "unit", "raw", "flag")}))
        gone = (df["level"].eq("kreis") & df["flag"].eq("-")).fillna(False).astype(bool)
        keep = df[df["level"].isin(["bund", "land", "kreis"]).astype(bool) & ~gone]
        obs = pd.DataFrame({"ags": keep["key"], "level": keep["level"], "indicator_id": "protection_seekers",
                            "reference_date": keep["date"], "value": keep["value"], "flag": keep["flag"],
                            "gebietsstand": keep["date"], "source_table": TABLE, "source_file": name})
        for b in rules["bookings"]:
            hit = obs["ags"].eq(b["ags"]) & obs["value"].isna()
            host = obs["ags"].eq(b["booked_at"]) & obs["value"].notna()
            obs.loc[hit, "flag"] = rules["flags"]["booked"]
            obs.loc[host, "flag"] = rules["flags"]["host"]
        frames.append(obs)
    # Save outputs
    return StepOutput(observations=pd.concat(frames, ignore_index=True),
                      tables={"regio_12531_schutzsuchende_kreise": pd.concat(staged, ignore_index=True)})
