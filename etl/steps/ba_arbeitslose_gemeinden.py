"""BA "Arbeitslose nach Gemeinden" 2009-2015 -> unemployed and unemployed foreigners (annual averages,
SGB III + SGB II) for Germany, Länder, Kreise and Gemeinden.

Kreis level = the 5-digit Landkreis rows plus the kreisfreie Städte, which BA publishes only as one
8-digit row (XXXXX000) that is both the Kreis and its only Gemeinde. Empty cells are BA's suppression
of small numbers: value NULL, flag "suppressed" (never 0). Regierungsbezirk rows are not emitted.
Keys are those of the file's year (gebietsstand = 31.12. of that year) except where
etl/corrections/<dataset>.yml says otherwise (the 2009-2010 files are on the 2011 territory).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import yaml

from ..errors import ParseError
from ..parsers.ba import read_ba_gemeinden
from ..settings import ROOT
from ..step import StepContext, StepOutput

DATASET = "ba_arbeitslose_gemeinden"
SOURCE_TABLE = "BA Arbeitslose nach Gemeinden (gem21)"
INDICATORS = {"sgb2u3_insgesamt": "unemployed", "sgb2u3_auslaender": "unemployed_foreigners"}
LEVELS = ("bund", "land", "kreis", "gemeinde")


def gebietsstand_overrides() -> dict[int, str]:
    path = ROOT / "etl" / "corrections" / f"{DATASET}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {int(r["year"]): str(r["gebietsstand"]) for r in data.get("gebietsstand", [])}


def files(entry: dict) -> list[str]:
    return [f["name"] for f in entry["files"]]


def with_kreisfreie_staedte(df: pd.DataFrame) -> pd.DataFrame:
    """Add a kreis row for every 8-digit Gemeinde whose Kreis has no 5-digit row (kreisfreie Stadt)."""
    gem = df[df["level"].eq("gemeinde")]
    kreise = set(df.loc[df["level"].eq("kreis"), "key"])
    prefix = gem["key"].str[:5]
    lone = gem[~prefix.isin(kreise)]
    per_prefix = lone["key"].str[:5].value_counts()
    if (per_prefix > 1).any() or not lone["key"].str.endswith("000").all():
        bad = per_prefix[per_prefix > 1].index.tolist() or lone.loc[~lone["key"].str.endswith("000"), "key"].tolist()
        raise ParseError(DATASET, f"Gemeinden without a Kreis row that are not kreisfreie Städte: {bad[:5]}")
    krfr = lone.assign(key=lone["key"].str[:5], level="kreis")
    return pd.concat([df, krfr], ignore_index=True)


def observations_for(df: pd.DataFrame, file: str, gebietsstand: dict[int, str] | None = None) -> pd.DataFrame:
    year = int(df["year"].iloc[0])
    m = re.match(r"(\d{4})", file)
    if not m or int(m.group(1)) != year:
        raise ParseError(file, f"title says year {year}, file name says {m.group(1) if m else '?'}")
    df = with_kreisfreie_staedte(df)
    df = df[df["level"].isin(LEVELS)]
    frames = []
    for col, indicator in INDICATORS.items():
        v = df[col]
        frames.append(pd.DataFrame({
            "ags": df["key"], "level": df["level"], "indicator_id": indicator, "value": v,
            "flag": pd.array(np.where(v.isna(), "suppressed", None), dtype="string"),
        }))
    out = pd.concat(frames, ignore_index=True)
    out["reference_date"] = f"{year}-12-31"
    out["gebietsstand"] = (gebietsstand or {}).get(year, f"{year}-12-31")
    out["source_table"] = SOURCE_TABLE
    out["source_file"] = file
    return out


def run(ctx: StepContext) -> StepOutput:
    obs, staged = [], []
    territory = gebietsstand_overrides()
    for file in files(ctx.entry):
        # Load inputs
        path = ctx.input(file)
        # Process data
        df = read_ba_gemeinden(path)
        obs.append(observations_for(df, file, territory))
        staged.append(df.assign(source_file=file))
    # Save outputs
    return StepOutput(observations=pd.concat(obs, ignore_index=True),
                      tables={"ba_arbeitslose_gemeinden": pd.concat(staged, ignore_index=True)})
