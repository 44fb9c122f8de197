"""Zensus 2022 (15.05.2022): census population of Germany and all Gemeinden (1000A-0000) and the
share with Einwanderungsgeschichte for Germany and the Länder (1000A-2022).

1000A-0000 keys Gemeinden by the 12-digit ARS; the 8-digit AGS drops the 4-digit Gemeindeverband
part (ars[0:5] + ars[9:12]). DG is kept as published even though the Gemeinden sum to 8,258 less.
"Mit Einwanderungsgeschichte" (WANDERUNG-BEID) excludes "mit einseitiger Einwanderungsgeschichte";
the share is that count over the all-ages total x 100. value_q (quality=on) is kept in the staging table.
"""
from __future__ import annotations

import pandas as pd

from ..errors import ParseError
from ..parsers.ffcsv import read_ffcsv, variable_columns
from ..step import StepContext, StepOutput

DATASET = "zensus2022_1000A"
FILE_POP = "1000A-0000_de_flat.csv"
FILE_EWG = "1000A-2022_de_flat_quality_on.csv"
STICHTAG = "2022-05-15"
GEBIETSSTAND = "2022-05-15"
WITH_HISTORY = "WANDERUNG-BEID"  # "Mit Einwanderungsgeschichte" in WDGAT2


def _base(df: pd.DataFrame, table: str, file: str) -> pd.DataFrame:
    df["reference_date"] = STICHTAG
    df["gebietsstand"] = GEBIETSSTAND
    df["source_table"] = table
    df["source_file"] = file
    return df


def population(df: pd.DataFrame) -> pd.DataFrame:
    """Germany (GEODL1) and Gemeinden (GEOGM4, ARS -> AGS) census population."""
    geo = df["1_variable_code"]
    unknown = sorted(set(geo) - {"GEODL1", "GEOGM4"})
    if unknown:
        raise ParseError(FILE_POP, f"unexpected regional variables {unknown}", field="1_variable_code")
    times = df["time"].unique().tolist()
    if times != [STICHTAG]:
        raise ParseError(FILE_POP, f"expected Stichtag {STICHTAG}, found {times}", field="time")
    ars = df["1_variable_attribute_code"]
    gem = geo.eq("GEOGM4")
    bad = gem & ~ars.str.fullmatch(r"\d{12}")
    if bad.any():
        raise ParseError(FILE_POP, "Gemeinde key is not a 12-digit ARS", field="1_variable_attribute_code",
                         value=ars[bad].iloc[0])
    out = pd.DataFrame({
        "ags": ars.where(~gem, ars.str[:5] + ars.str[9:12]).where(gem, "DG"),
        "level": geo.map({"GEODL1": "bund", "GEOGM4": "gemeinde"}),
        "indicator_id": "population_census2022",
        "value": df["num"], "flag": df["flag"],
    })
    dup = out["ags"].duplicated(keep=False)
    if dup.any():
        raise ParseError(FILE_POP, "two ARS map to the same AGS", value=out.loc[dup, "ags"].iloc[0])
    return _base(out, "1000A-0000", FILE_POP)


def immigration_counts(df: pd.DataFrame) -> pd.DataFrame:
    """All-ages counts by Einwanderungsgeschichte (both breakdowns) for DG and Länder, with value_q."""
    pos = variable_columns(df)
    for v in ("ALTGR2",):
        if v not in pos:
            raise ParseError(FILE_EWG, f"classifying variable {v} missing")
    geo_i, age_i = 1, pos["ALTGR2"]
    ewg_i = next(i for i in range(1, 4) if i not in (geo_i, age_i))
    all_ages = df[df[f"{age_i}_variable_attribute_code"].eq("")]
    t = pd.DataFrame({
        "ags": all_ages[f"{geo_i}_variable_attribute_code"],
        "name": all_ages[f"{geo_i}_variable_attribute_label"],
        "breakdown": all_ages[f"{ewg_i}_variable_code"],
        "category": all_ages[f"{ewg_i}_variable_attribute_code"].replace("", "INSGESAMT"),
        "category_label": all_ages[f"{ewg_i}_variable_attribute_label"],
        "value": all_ages["value"], "num": all_ages["num"], "flag": all_ages["flag"],
        "value_q": all_ages.get("value_q", pd.Series(pd.NA, index=all_ages.index)),
        "reference_date": all_ages["time"],
    }).reset_index(drop=True)
    bad = ~t["ags"].str.fullmatch(r"DG|\d{2}")
    if bad.any():
        raise ParseError(FILE_EWG, "expected Deutschland and Länder only", value=t.loc[bad, "ags"].iloc[0])
    return t


def immigration_share(counts: pd.DataFrame) -> pd.DataFrame:
    c = counts[counts["breakdown"].eq("WDGAT2")]
    wide = c.pivot(index="ags", columns="category", values="num")
    if WITH_HISTORY not in wide or "INSGESAMT" not in wide:
        raise ParseError(FILE_EWG, f"need categories {WITH_HISTORY} and Insgesamt in WDGAT2")
    share = wide[WITH_HISTORY] / wide["INSGESAMT"] * 100
    total = wide["INSGESAMT"]
    out = pd.concat([
        pd.DataFrame({"ags": share.index, "indicator_id": "immigration_history_share",
                      "value": share.to_numpy(), "flag": None}),
        # Länder census population: the weight of the share (DG comes from 1000A-0000)
        pd.DataFrame({"ags": total.index, "indicator_id": "population_census2022",
                      "value": total.to_numpy(), "flag": None}).query("ags != 'DG'"),
    ], ignore_index=True)
    out["level"] = out["ags"].map(lambda a: "bund" if a == "DG" else "land")
    return _base(out, "1000A-2022", FILE_EWG)


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    pop_path = ctx.input(FILE_POP)
    ewg_path = ctx.input(FILE_EWG)
    # Process data
    pop = population(read_ffcsv(pop_path, name=FILE_POP))
    counts = immigration_counts(read_ffcsv(ewg_path, name=FILE_EWG))
    share = immigration_share(counts)
    dg_pop = pop.loc[pop["ags"].eq("DG"), "value"].iloc[0]
    dg_total = counts.query("ags == 'DG' and breakdown == 'WDGAT2' and category == 'INSGESAMT'")["num"].iloc[0]
    if dg_pop != dg_total:
        ctx.warn(f"Germany total differs between 1000A-0000 ({dg_pop}) and 1000A-2022 ({dg_total})")
    # Save outputs
    return StepOutput(observations=pd.concat([pop, share], ignore_index=True),
                      tables={"zensus2022_einwanderungsgeschichte": counts})
