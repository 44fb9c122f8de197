"""BBSR Umsteigeschlüssel (conversion keys) for Kreise and Gemeinden, one sheet per source Gebietsstand.

Why columns are found by their header text: the sheets differ (1990–1996 have no employment key, the
Gemeinde sheet 2022 adds 12-digit Regionalschlüssel and gives population as persons instead of hundreds,
and the Kreis sheets 2007–2010 are headed "Kreise 31.12.2020" although their targets are the 2021 Kreise).
Keys are stored by Excel as integers (Kreis = AGS × 1000, leading zero dropped): they are restored with
zfill(8) – the only place keys are padded – and the Kreis key is the first five digits.
"""
from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd

from ..errors import ParseError

# (column name, header test); the first and second key/name columns are the source and target units
_MEASURES = (
    ("weight_area", re.compile(r"^fl[äa]chen", re.I)),
    ("weight_pop", re.compile(r"^bev[öo]lkerungs", re.I)),
    ("weight_emp", re.compile(r"^besch[äa]ftigten", re.I)),
    ("area_km2", re.compile(r"^Fl[äa]che am", re.I)),
    ("population_raw", re.compile(r"^Bev[öo]lkerung am", re.I)),
    ("employment_raw", re.compile(r"^sozialvers", re.I)),
)
_KEY = re.compile(r"^(Kreise|Gemeinden)\s+(\d{2})\.(\d{2})\.(\d{4})$")
_ARS = re.compile(r"Regionalschl")
_UNIT = re.compile(r"in\s+(1\.?000|100)\s*$")


def _norm(h: object) -> str:
    return re.sub(r"\s+", " ", str(h or "")).replace("- ", "-").strip()


def _columns(header: tuple, label: str, sheet: str) -> dict:
    """Map the header row to column indexes and read the Gebietsstände and population unit from it."""
    cols: dict[str, int] = {}
    keys = []
    for i, raw in enumerate(header):
        h = _norm(raw)
        if not h:
            continue
        m = _KEY.match(h)
        if m:
            keys.append((i, f"{m.group(4)}-{m.group(3)}-{m.group(2)}"))
            continue
        if _ARS.search(h):
            cols["from_ars" if len(keys) == 1 else "to_ars"] = i
            continue
        if re.match(r"^(Kreis|Gemeinde)name", h):
            cols["from_name" if len(keys) == 1 else "to_name"] = i
            continue
        for name, rx in _MEASURES:
            if rx.match(h):
                cols[name] = i
                if name == "population_raw":
                    u = _UNIT.search(h)
                    cols["_pop_factor"] = {"1.000": 1000, "1000": 1000, "100": 100}[u.group(1)] if u else 1
                break
    if len(keys) != 2:
        raise ParseError(label, f"sheet {sheet}: expected two key columns (source and target), found {keys}")
    for need in ("weight_area", "weight_pop", "population_raw", "from_name", "to_name"):
        if need not in cols:
            raise ParseError(label, f"sheet {sheet}: column '{need}' not found in header {list(map(_norm, header))}")
    cols["from_ags"], cols["_from_date"] = keys[0]
    cols["to_ags"], cols["_to_date"] = keys[1]
    return cols


def _key(v: object, digits: int, label: str, sheet: str, row: int, field: str) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise ParseError(label, f"sheet {sheet}: key is not a number", field=field, value=v, line=row)
    s = str(int(v)) if isinstance(v, (int, float)) else v.strip()
    if not s.isdigit() or len(s) > digits:
        raise ParseError(label, f"sheet {sheet}: key is not a {digits}-digit number", field=field, value=v, line=row)
    return s.zfill(digits)  # Excel dropped the leading zero of Länder 01–09


def _read_sheet(ws, label: str, sheet: str, key_digits: int) -> pd.DataFrame:
    rows = ws.iter_rows(values_only=True)
    header = next(rows)
    cols = _columns(header, label, sheet)
    out = []
    for n, r in enumerate(rows, 2):
        if r is None or all(c is None for c in r):
            continue
        rec = {"from_ags": _key(r[cols["from_ags"]], key_digits, label, sheet, n, "from key"),
               "to_ags": _key(r[cols["to_ags"]], key_digits, label, sheet, n, "to key"),
               "from_name": r[cols["from_name"]], "to_name": r[cols["to_name"]]}
        for name in ("from_ars", "to_ars"):
            if name in cols:
                rec[name] = _key(r[cols[name]], 12, label, sheet, n, name)
        for name, _ in _MEASURES:
            if name in cols:
                v = r[cols[name]]
                if v is not None and not isinstance(v, (int, float)):
                    raise ParseError(label, f"sheet {sheet}: not a number", field=name, value=v, line=n)
                rec[name] = None if v is None else float(v)
        out.append(rec)
    if not out:
        raise ParseError(label, f"sheet {sheet}: no key rows")
    df = pd.DataFrame(out)
    for name, _ in _MEASURES:
        if name not in df:
            df[name] = None
        df[name] = df[name].astype("Float64")
    df["population"] = (df.pop("population_raw") * cols["_pop_factor"]).round(0)  # "in 100" → persons
    df["from_gebietsstand"] = cols["_from_date"]
    df["to_gebietsstand_header"] = cols["_to_date"]
    df["sheet"] = sheet
    return df


def _check_weights(df: pd.DataFrame, label: str, tol: float = 1e-3) -> None:
    """Area weights of each source unit must add up to 1 (population weights may not: BBSR gives
    every part of an uninhabited unit the population weight 1 – the step reports that)."""
    s = df.groupby(["sheet", "from_ags"])["weight_area"].sum()
    bad = s[(s - 1).abs() > tol]
    if len(bad):
        (sheet, key), val = next(iter(bad.items()))
        raise ParseError(label, f"sheet {sheet}: area weights of {key} add up to {val}, not 1")


def parse_kreis_keys(path: Path | str) -> pd.DataFrame:
    """All sheets of a Kreis key file ("1990" … or "1990-2020" …): from_year, from_ags/to_ags (5 digits),
    names, weight_area, weight_pop, weight_emp, area_km2, pop_thousands, population (persons),
    emp_thousands, sheet."""
    label = str(path)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        frames = []
        for sheet in wb.sheetnames:
            m = re.match(r"^(\d{4})(-\d{4})?$", sheet)
            if not m:
                continue
            df = _read_sheet(wb[sheet], label, sheet, 8)
            df["from_year"] = int(m.group(1))
            frames.append(df)
    finally:
        wb.close()
    if not frames:
        raise ParseError(label, "no sheets named by year")
    df = pd.concat(frames, ignore_index=True)
    for side in ("from_ags", "to_ags"):
        bad = ~df[side].str.endswith("000")
        if bad.any():
            raise ParseError(label, "Kreis key × 1000 expected (last three digits 000)", field=side,
                             value=df.loc[bad, side].iloc[0])
        df[side] = df[side].str[:5]
    _check_weights(df, label)
    df["pop_thousands"] = df["population"] / 1000
    df["emp_thousands"] = df.pop("employment_raw")
    return df[["from_year", "from_ags", "from_name", "to_ags", "to_name", "weight_area", "weight_pop",
               "weight_emp", "area_km2", "pop_thousands", "population", "emp_thousands",
               "from_gebietsstand", "sheet"]]


def parse_gemeinde_keys(path: Path | str) -> pd.DataFrame:
    """All sheets of the Gemeinde key file ("2020", "2021", "2022"): from_gebietsstand / to_gebietsstand
    (ISO, from the header), from_ags/to_ags (8 digits), from_ars/to_ars (12 digits where given), names,
    weights, area_km2, population (persons; the file gives hundreds for 2020/2021), sheet."""
    label = str(path)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        frames = [_read_sheet(wb[s], label, s, 8) for s in wb.sheetnames if re.fullmatch(r"\d{4}", s)]
    finally:
        wb.close()
    if not frames:
        raise ParseError(label, "no sheets named by year")
    df = pd.concat(frames, ignore_index=True)
    _check_weights(df, label)
    df = df.rename(columns={"to_gebietsstand_header": "to_gebietsstand", "employment_raw": "employment_hundreds"})
    for col in ("from_ars", "to_ars"):
        if col not in df:
            df[col] = None
    return df[["from_gebietsstand", "to_gebietsstand", "from_ags", "from_ars", "from_name", "to_ags", "to_ars",
               "to_name", "weight_area", "weight_pop", "weight_emp", "area_km2", "population", "sheet"]]
