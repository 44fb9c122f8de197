"""Deutschlandatlas data workbooks (every edition in the catalogue) -> ~80 Kreis and Gemeinde indicators.

Loops over the catalogue's xlsx files (ctx.files), so a new edition is one more file line. Per workbook:
etl.parsers.deutschlandatlas reads both layouts into a tidy frame; here each numeric column (sheet + Kürzel) gets
  * its indicator id: the indicator in etl/indicators/deutschlandatlas.yml whose `source_code` is the Kürzel, or the
    existing id named under `continues` in the catalogue (alq -> unemployment_rate, bev_ausl -> foreigners_share);
  * its reference year: the file item's `reference_years` (from the edition's PDF), else the year in the header
    (2026 layout); where both exist and differ the PDF wins and the step warns;
  * its reference date: the indicator's `reference_date_rule` ("YYYY-03-01", {2025: "2025-02-23"}, default
    "YYYY-12-31"), unless `reference_years` gives a full ISO date.
Gemeindeverband sheets (VBGEM) are not a level of this product: staged in staging.deutschlandatlas_values (the values
that did not become observations), no observations. Class-label columns (preis_miet, preis_baul) go to staging.deutschlandatlas_classes. -9999 arrives
from the parser as value NULL with flag "missing".
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from ..catalogue import load_indicators
from ..errors import EtlError, ParseError
from ..parsers.deutschlandatlas import read_workbook
from ..step import StepContext, StepOutput

DATASET = "deutschlandatlas"
INDICATOR_FILE = "deutschlandatlas.yml"
EMITTED_LEVELS = ("kreis", "gemeinde")
DEFAULT_RULE = "YYYY-12-31"


def code_map(entry: dict, indicators: dict[str, dict] | None = None) -> dict[str, str]:
    """Kürzel -> indicator id: `source_code` of the Deutschlandatlas indicators plus the catalogue's `continues`."""
    indicators = load_indicators() if indicators is None else indicators
    out: dict[str, str] = {}
    for iid, spec in indicators.items():
        if spec.get("catalogue_file") != INDICATOR_FILE:
            continue
        codes = spec.get("source_code")
        for code in [codes] if isinstance(codes, str) else (codes or []):
            if code in out:
                raise EtlError(f"{INDICATOR_FILE}: Kürzel {code!r} is the source_code of {out[code]} and {iid}")
            out[code] = iid
    for code, iid in (entry.get("continues") or {}).items():
        if iid not in indicators:
            raise EtlError(f"catalogue {DATASET}.yml: continues {code!r} -> unknown indicator id {iid!r}")
        if code in out:
            raise EtlError(f"catalogue {DATASET}.yml: Kürzel {code!r} both continues {iid} and is {out[code]}")
        out[code] = iid
    return out


def reference_date(rule: object, year_or_date: object, where: str) -> str:
    """ISO date for one column: a full ISO date wins; else the year through the indicator's rule."""
    text = str(year_or_date)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        dt.date.fromisoformat(text)
        return text
    if not re.fullmatch(r"\d{4}", text):
        raise EtlError(f"{where}: reference year {year_or_date!r} is neither YYYY nor an ISO date")
    year = int(text)
    rule = DEFAULT_RULE if rule is None or (isinstance(rule, float) and pd.isna(rule)) else rule
    if isinstance(rule, dict):
        date = rule.get(year) or rule.get(str(year))
        if date is None:
            raise EtlError(f"{where}: reference_date_rule has no date for {year} (known: {sorted(rule)})")
        return str(date)
    iso = str(rule).replace("YYYY", str(year))
    dt.date.fromisoformat(iso)
    return iso


def resolve_columns(columns: pd.DataFrame, item: dict, codes: dict[str, str], indicators: dict[str, dict],
                    ctx: StepContext | None = None) -> pd.DataFrame:
    """One row per workbook column: indicator id, reference date, whether it is emitted and why not."""
    years = item.get("reference_years") or {}
    out = []
    for c in columns.to_dict("records"):
        where = f"dataset {DATASET}: {item['name']}, sheet {c['sheet']}, column {c['code']!r}"
        iid = codes.get(c["code"])
        row = {**c, "file": item["name"], "published": item.get("published"), "indicator_id": iid,
               "reference_year": None, "reference_date": None, "emitted": False, "reason": None}
        if c["kind"] != "numeric":
            row["reason"] = "class labels (text), not a numeric indicator"
        elif c["level"] not in EMITTED_LEVELS:
            row["reason"] = "Gemeindeverband: not a level of this product (staged only)"
        elif iid is None:
            row["reason"] = "Kürzel not in etl/indicators/deutschlandatlas.yml (staged only)"
            if ctx is not None:
                ctx.warn(f"{where}: Kürzel not in the indicator catalogue: staged, not emitted")
        hy = None if pd.isna(c["header_year"]) else int(c["header_year"])
        ref = years.get(c["code"])
        if ref is not None and hy is not None and int(str(ref)[:4]) != hy and ctx is not None:
            ctx.warn(f"{where}: header says {hy}, the edition's PDF {ref} (catalogue reference_years): PDF used")
        year = ref if ref is not None else hy
        if row["reason"] is None:
            if year is None:
                raise ParseError(f"dataset {DATASET}: {item['name']}", "no reference year: neither in the header "
                                 "nor in the catalogue's reference_years", field=f"sheet {c['sheet']}, column "
                                 f"{c['code']!r}", value=c["header"])
            row["reference_year"] = int(str(year)[:4])
            row["reference_date"] = reference_date(indicators[iid].get("reference_date_rule"), year, where)
            row["emitted"] = True
        out.append(row)
    return pd.DataFrame(out)


def run(ctx: StepContext) -> StepOutput:
    indicators = load_indicators()
    codes = code_map(ctx.entry, indicators)
    obs_parts, values, columns, classes, notes = [], [], [], [], []
    for item in ctx.files(".xlsx"):
        # Load inputs
        path = ctx.input(item["name"])
        wb = read_workbook(path, DATASET, item["name"])
        # Process data
        cols = resolve_columns(wb.columns, item, codes, indicators, ctx)
        emitted = cols[cols["emitted"]][["sheet", "code", "indicator_id", "reference_date"]]
        v = wb.values.merge(emitted, on=["sheet", "code"], how="inner")
        obs_parts.append(pd.DataFrame({
            "ags": v["ags"], "level": v["level"], "indicator_id": v["indicator_id"],
            "reference_date": v["reference_date"], "value": v["value"], "flag": v["flag"],
            "gebietsstand": v["gebietsstand"], "source_table": v["sheet"] + "/" + v["code"],
            "source_file": item["name"],
        }))
        # staged raw: only what did not become an observation (a second copy of 570k values cost ~3 s per build)
        rest = wb.values.merge(emitted[["sheet", "code"]], on=["sheet", "code"], how="left", indicator=True)
        values.append(rest[rest["_merge"] == "left_only"].drop(columns=["description", "_merge"]).assign(file=item["name"]))
        columns.append(cols)
        classes.append(wb.classes.assign(file=item["name"]))
        notes += [{"file": item["name"], "note": n} for n in wb.notes]
    if not obs_parts:
        raise EtlError(f"dataset {DATASET}: the catalogue lists no xlsx file")
    obs = pd.concat(obs_parts, ignore_index=True)
    # Save outputs
    return StepOutput(observations=obs, tables={
        "deutschlandatlas_values": pd.concat(values, ignore_index=True),
        "deutschlandatlas_columns": pd.concat(columns, ignore_index=True).astype(
            {"header_year": "Int64", "reference_year": "Int64"}),
        "deutschlandatlas_classes": pd.concat(classes, ignore_index=True),
        "deutschlandatlas_notes": pd.DataFrame(notes, columns=["file", "note"]),
    })
