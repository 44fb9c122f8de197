"""Destatis Gebietsänderungen 01.01.2023–28.02.2025: change records of Gemeinden as a staging table.

No observations. warehouse/models/intermediate/10_crosswalk.sql turns the Gemeinde records into key
steps (Auflösung → the receiving Gemeinde, Schlüsseländerung → the new key, Teilausgliederung → the key
is kept) after the last BBSR Gemeinde key (31.12.2023).
"""
from __future__ import annotations

import pandas as pd

from ..parsers.gebietsaenderungen import parse_gebietsaenderungen
from ..step import StepContext, StepOutput

DATASET = "destatis_gebietsaenderungen"
FILES = ("Gebietsaenderungen_2023.xlsx", "Gebietsaenderungen_2024.xlsx", "Gebietsaenderungen_2025-02.xlsx")


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    paths = {f: ctx.input(f) for f in FILES}
    # Process data
    frames = []
    for f, p in paths.items():
        df = parse_gebietsaenderungen(p)
        df["source_file"] = f
        frames.append(df)
    df = pd.concat(frames, ignore_index=True).drop(columns=["change_types"])  # code list stays as text
    gem = df[df["regionaleinheit"].eq("Gemeinde")]
    missing = gem[gem["from_ags"].isna() | gem["to_ags"].isna()]
    if len(missing):
        ctx.warn(f"{len(missing)} Gemeinde records without AGS, e.g. {missing['kennziffer'].head(3).tolist()}")
    kreis_change = gem[gem["from_ags"].str[:5] != gem["to_ags"].str[:5]]
    if len(kreis_change):
        ctx.warn(f"{len(kreis_change)} Gemeinde records cross a Kreis border "
                 f"(Kreise are taken as unchanged since 2021): {kreis_change['kennziffer'].unique().tolist()}")
    # Save outputs
    return StepOutput(observations=None, tables={"gebietsaenderungen": df.reset_index(drop=True)})
