"""Bevölkerungsstand 31.12. (statistic 12411) -> population for Germany, Länder, Kreise, Gemeinden.

Four publications of one statistic: the 2024 ffcsv (Kreise, Zensus-2022 basis), the old
regionalstatistik CSVs 12411-01-01-4 (DG/Länder/Kreise 1995–2015) and 12411-01-01-5 (Gemeinden
2008–2015, with DG/Länder/Kreise rows too), and GENESIS-Online 12411-0015 (Kreise 2009–2016).
They overlap 2009–2015: one value per (key, level, date) is kept, from the newest publication
(12411-0015, then the Kreis table, then the Gemeinde table); disagreements are counted in a warning.
Only "Insgesamt" (both sexes). Not emitted: Regierungsbezirke, Gemeindeverbände, Berlin Bezirke,
the 8-digit "parts of Kreise" rows of Kreis tables (Hannover, Aachen, Saarbrücken, Berlin Bezirke
in the ffcsv) and keys that did not exist at a date ("-" throughout). Kreise the tables back-calculate
on a later territory (Sachsen before 2008, Sachsen-Anhalt before 2007) get that territory's gebietsstand.
"""
from __future__ import annotations

import pandas as pd

from ..errors import ParseError
from ..parsers.ffcsv import read_ffcsv, variable_columns
from ..parsers.regio_csv import read_regio_csv
from ..step import StepContext, StepOutput
from ..parsers.regio_obs import for_staging, mark_later_territory, pick, prefer, tidy, to_observations

DATASET = "regionalstatistik_12411_bevoelkerung"
FFCSV = "12411-01-01-4_2024-12-31_de_flat.csv"
# old-format files in order of preference (newest publication first) and the levels each covers
OLD_FILES = (
    ("destatis_12411-0015_kreise_2009-2016_latin1.csv", ""),            # one variable, label empty
    ("12411-01-01-4_1995-2015_datenguide.csv", "Insgesamt"),
    ("12411-01-01-5_gemeinden_2008-2015_datenguide.csv", "Insgesamt"),
)
GEMEINDE_TABLE = "12411-01-01-5"
KREIS_LEVELS = ("bund", "land", "kreis")
ALL_LEVELS = ("bund", "land", "kreis", "gemeinde")


def ffcsv_tidy(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """Key x sex rows of the 2024 ffcsv, with `unit_existed` False for dissolved keys ('-' for all sexes)."""
    pos = variable_columns(df)
    missing = [v for v in ("KREISE", "GES") if v not in pos]
    if missing:
        raise ParseError(label, f"classifying variables missing: {missing}")
    k, g = pos["KREISE"], pos["GES"]
    t = pd.DataFrame({
        "key": df[f"{k}_variable_attribute_code"].astype("string"),
        "name": df[f"{k}_variable_attribute_label"].astype("string"),
        "sex": df[f"{g}_variable_attribute_code"].astype("string").replace("", "GES"),
        "date": df["time"].astype("string"), "raw": df["value"].astype("string"),
        "value": df["num"], "flag": df["flag"],
    })
    bad = ~t["key"].str.fullmatch(r"\d{5}|\d{8}")
    if bad.any():
        raise ParseError(label, "key is neither 5 nor 8 digits", field="KREISE", value=t.loc[bad, "key"].iloc[0])
    t["unit_existed"] = ~t["raw"].eq("-").groupby(t["key"]).transform("all").astype(bool)
    return t


def ffcsv_observations(t: pd.DataFrame) -> pd.DataFrame:
    """Kreise only: 8-digit keys are parts of Kreise (Berlin Bezirke, Hannover, Aachen, Saarbrücken)."""
    rows = t[t["sex"].eq("GES") & t["unit_existed"] & t["key"].str.len().eq(5)]
    return pd.DataFrame({
        "ags": rows["key"], "level": "kreis", "indicator_id": "population", "reference_date": rows["date"],
        "value": rows["value"], "flag": rows["flag"], "gebietsstand": rows["date"],
        "source_table": "12411-01-01-4", "source_file": FFCSV,
    })


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    ff = read_ffcsv(ctx.input(FFCSV), name=FFCSV)
    old = [(f, var, read_regio_csv(ctx.input(f), name=f)) for f, var in OLD_FILES]
    # Process data
    ff_t = ffcsv_tidy(ff, FFCSV)
    frames, staged = [], []
    for f, var, table in old:
        t = tidy(table, f)
        staged.append(t)
        levels = ALL_LEVELS if table.table == GEMEINDE_TABLE else KREIS_LEVELS
        frames.append(to_observations(pick(t, var, f), "population", levels))
    obs = prefer([ffcsv_observations(ff_t)] + frames, ctx, "population")
    obs = mark_later_territory(obs, "population", ctx, "population")
    # Save outputs
    return StepOutput(observations=obs, tables={
        "regio_12411_bevoelkerung_2024_kreise": for_staging(ff_t),
        "regio_12411_bevoelkerung_1995_2016": for_staging(pd.concat(staged, ignore_index=True)),
    })
