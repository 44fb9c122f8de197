"""AZR Schutzsuchende (GENESIS 12531-0043) -> protection seekers (all / Ukraine) per Kreis and Germany, one
Stichtag per file; every file (vintage) the catalogue lists is read (31.12.2023, 31.12.2024, ...).

The table has only non-zero detail cells (Kreis x status x sex x citizenship), no totals. Status
categories nest (AK-1 = AK-2 + AK-5, AUSRPFL-* within X), so the total is OF + AK-1 + X only.
Seven Kreise have no rows because their cases are booked at another authority; the booking map
lives in etl/corrections/<dataset>.yml, not here.
"""
from __future__ import annotations

import pandas as pd
import yaml

from ..errors import ParseError
from ..parsers.ffcsv import read_ffcsv, variable_columns
from ..settings import ROOT
from ..step import StepContext, StepOutput

DATASET = "destatis_12531-0043"
TABLE = "12531-0043"
TOTAL_STATUS = ("SCHUTZST-OF", "SCHUTZST-AK-1", "SCHUTZST-X")  # disjoint top level of SCHST2
UKRAINE = "ST166"


def load_bookings() -> dict:
    return yaml.safe_load((ROOT / "etl" / "corrections" / f"{DATASET}.yml").read_text(encoding="utf-8"))


def tidy_counts(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """Kreis x status x sex counts (all citizenships and Ukraine) from the ffcsv detail cells."""
    pos = variable_columns(df)
    need = ("KREISE", "SCHST2", "GES", "STAAG5")
    missing = [v for v in need if v not in pos]
    if missing:
        raise ParseError(label, f"classifying variables missing: {missing}")
    if df["flag"].notna().any():
        raise ParseError(label, "unexpected symbols in a compressed AZR result", field="value",
                         value=df.loc[df["flag"].notna(), "value"].iloc[0])
    k, s, g, c = (pos[v] for v in need)
    t = pd.DataFrame({
        "ags": df[f"{k}_variable_attribute_code"], "kreis_name": df[f"{k}_variable_attribute_label"],
        "status": df[f"{s}_variable_attribute_code"], "status_label": df[f"{s}_variable_attribute_label"],
        "sex": df[f"{g}_variable_attribute_code"], "reference_date": df["time"],
        "count": df["num"].astype("float64"),
        "ukraine": df["num"].astype("float64").where(df[f"{c}_variable_attribute_code"].eq(UKRAINE), 0.0),
    })
    bad = ~t["ags"].str.fullmatch(r"\d{5}")
    if bad.any():
        raise ParseError(label, "Kreis key is not 5 digits", field="KREISE", value=t.loc[bad, "ags"].iloc[0])
    return (t.groupby(["ags", "kreis_name", "status", "status_label", "sex", "reference_date"], as_index=False)
            [["count", "ukraine"]].sum())


def kreis_observations(tidy: pd.DataFrame, bookings: dict, ctx: StepContext, file: str) -> pd.DataFrame:
    """Kreis and Germany totals of one Stichtag; the Kreise are on the territory of that Stichtag."""
    top = tidy[tidy["status"].isin(TOTAL_STATUS)]
    missing_status = sorted(set(TOTAL_STATUS) - set(top["status"]))
    if missing_status:
        raise ParseError(file, f"status categories missing: {missing_status}")
    per_kreis = top.groupby("ags")[["count", "ukraine"]].sum()
    dates = tidy["reference_date"].unique().tolist()
    if len(dates) != 1:
        raise ParseError(file, f"expected one Stichtag, found {dates}", field="time", value=str(dates[:3]))
    flags = bookings["flags"]
    booked = {b["ags"]: b for b in bookings["bookings"]}
    hosts = {b["booked_at"] for b in bookings["bookings"]}
    present = [a for a in booked if a in per_kreis.index]
    if present:  # the publisher now reports them: the correction no longer applies
        ctx.warn(f"Kreise listed as booked elsewhere have rows now: {present}; using their values")
    absent_hosts = sorted(h for h in hosts if h not in per_kreis.index)
    if absent_hosts:
        ctx.warn(f"host Kreise without rows: {absent_hosts}")
    frames = []
    for indicator, col in (("protection_seekers", "count"), ("ukrainian_protection_seekers", "ukraine")):
        obs = pd.DataFrame({"ags": per_kreis.index, "value": per_kreis[col].to_numpy(), "flag": None})
        # a Kreis with rows but no Ukrainian cell: the compressed result dropped a zero
        obs.loc[obs["value"].eq(0), "flag"] = "-"
        obs.loc[obs["ags"].isin(hosts), "flag"] = flags["host"]
        gone = [a for a in booked if a not in per_kreis.index]
        obs = pd.concat([obs, pd.DataFrame({"ags": gone, "value": None, "flag": flags["booked"]})],
                        ignore_index=True)
        de = pd.DataFrame({"ags": ["DG"], "value": [per_kreis[col].sum()], "flag": [None]})
        obs["level"] = "kreis"
        de["level"] = "bund"
        both = pd.concat([obs, de], ignore_index=True)
        both["indicator_id"] = indicator
        frames.append(both)
    out = pd.concat(frames, ignore_index=True)
    out["reference_date"] = dates[0]
    out["gebietsstand"] = dates[0]
    out["source_table"] = TABLE
    out["source_file"] = file
    return out


def run(ctx: StepContext) -> StepOutput:
    bookings = load_bookings()
    frames, tidies = [], []
    for item in ctx.files(".zip"):
        # Load inputs
        name = item["name"]
        raw = read_ffcsv(ctx.input(name), name=name)
        # Process data
        tidy = tidy_counts(raw, name)
        frames.append(kreis_observations(tidy, bookings, ctx, name))
        tidies.append(tidy.assign(source_file=name))
    booking_table = pd.DataFrame(bookings["bookings"])
    # Save outputs
    return StepOutput(observations=pd.concat(frames, ignore_index=True),
                      tables={"azr_schutzsuchende_status_sex": pd.concat(tidies, ignore_index=True),
                              "azr_schutzsuchende_booking": booking_table})
