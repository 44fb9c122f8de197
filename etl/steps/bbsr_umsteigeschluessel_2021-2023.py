"""BBSR Umsteigeschlüssel Kreise 1990…2020 → 2021 and Gemeinden 2020→2021→2022→2023 as staging tables.

No observations: the keys are composed into intermediate.crosswalk_* by warehouse/models/intermediate/
10_crosswalk.sql. The step checks what the SQL relies on – every Kreis sheet maps onto the same 400 Kreise
of 2021, the Gemeinde sheets chain (each sheet's target keys are the next sheet's source keys) – and
applies the known errors listed in etl/corrections/bbsr_umsteigeschluessel_2021-2023.yml.
"""
from __future__ import annotations

import pandas as pd
import yaml

from ..parsers.bbsr_keys import parse_gemeinde_keys, parse_kreis_keys
from ..settings import ROOT
from ..step import StepContext, StepOutput

DATASET = "bbsr_umsteigeschluessel_2021-2023"
KREIS_FILE = "ref-kreise-umrech-2021-1990-2020.xlsx"
GEMEINDE_FILE = "ref-gemeinden-ab-2020.xlsx"
KREIS_TARGET = "2021-12-31"


def load_corrections() -> list[dict]:
    path = ROOT / "etl" / "corrections" / f"{DATASET}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8")).get("corrections", []) if path.exists() else []


def apply_corrections(tables: dict[str, pd.DataFrame], corrections: list[dict], ctx: StepContext) -> None:
    """set_null the listed columns of matching rows; warn when a correction matches nothing or the
    published value changed (then upstream may have fixed it and the correction is stale)."""
    for c in corrections:
        m = dict(c["match"])
        df = tables[m.pop("table")]
        hit = pd.Series(True, index=df.index)
        for k, v in m.items():
            hit &= df[k].astype(str).eq(str(v))
        if not hit.any():
            ctx.warn(f"correction {c['match']} matched no row")
            continue
        for col, val in (c.get("published") or {}).items():
            if not (df.loc[hit, col].astype("float64").round(6) == round(float(val), 6)).all():
                ctx.warn(f"correction {c['match']}: {col} is no longer {val} (upstream fixed?); applied anyway")
        if c["action"] != "set_null":
            raise ValueError(f"unknown correction action {c['action']!r}")
        for col in c["columns"]:
            df.loc[hit, col] = pd.NA


def check_kreis_targets(df: pd.DataFrame, ctx: StepContext, expected: int) -> None:
    sets = df.groupby("from_year")["to_ags"].apply(frozenset)
    if sets.nunique() != 1 or len(sets.iloc[0]) != expected:
        ctx.warn(f"Kreis sheets do not all map onto the same {expected} target Kreise: "
                 f"{sets.map(len).to_dict()}")


def check_gemeinde_chain(df: pd.DataFrame, ctx: StepContext) -> None:
    sheets = sorted(df["sheet"].unique())
    for a, b in zip(sheets, sheets[1:]):
        to_a = set(df.loc[df["sheet"].eq(a), "to_ags"])
        from_b = set(df.loc[df["sheet"].eq(b), "from_ags"])
        if to_a != from_b:
            ctx.warn(f"Gemeinde sheet {a} targets and sheet {b} sources differ: {len(to_a - from_b)} only in {a}, "
                     f"{len(from_b - to_a)} only in {b}")
    s = df.groupby(["sheet", "from_ags"])["weight_pop"].sum()
    odd = s[(s - 1).abs() > 0.01]
    if len(odd):
        ctx.warn(f"population weights not adding up to 1 (area weights used instead): "
                 f"{[f'{sh}:{k}={v:g}' for (sh, k), v in odd.items()]}")


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    kreis_path = ctx.input(KREIS_FILE)
    gem_path = ctx.input(GEMEINDE_FILE)
    # Process data
    kreis = parse_kreis_keys(kreis_path)
    gem = parse_gemeinde_keys(gem_path)
    tables = {"kreis": kreis, "gemeinde": gem}
    apply_corrections(tables, load_corrections(), ctx)
    kreis["to_gebietsstand"] = KREIS_TARGET
    check_kreis_targets(kreis, ctx, 400)
    if "16056" in set(kreis["to_ags"]):
        ctx.warn("16056 Eisenach appears as a target: this is not the 2021 Kreis key file")
    check_gemeinde_chain(gem, ctx)
    # Save outputs
    return StepOutput(observations=None, tables={"bbsr_kreis_keys_2021": kreis, "bbsr_gemeinde_keys": gem})
