"""Destatis GV-ISys Excel products: "Auszug GV" (Gemeinden, all Satzarten) and "04_KreiseVorjahr" (Kreise).

Why a parser of its own: both sheets carry their Gebietsstand and population date only in the header
text, the key parts are separate text columns (leading zeros kept), and footnotes/copyright lines follow
the records. Records are recognised by their key columns, not by row numbers, so a moved footer or an
extra header line does not shift the data; anything unexpected in a record raises a ParseError naming
the row. Numbers go through etl.quality.parse_number so a publisher symbol never becomes 0.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from ..errors import ParseError
from ..quality import SymbolError, parse_number

SATZARTEN = {"10": "land", "20": "regierungsbezirk", "30": "region", "40": "kreis",
             "50": "gemeindeverband", "60": "gemeinde"}
_DATE = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})")
# Auszug GV columns (0-based): A Satzart … P Breitengrad
_KEY_PARTS = (("land", 2, 2), ("rb", 3, 1), ("kreis", 4, 2), ("verband", 5, 4), ("gemeinde", 6, 3))


def _iso(text: str, label: str, what: str) -> str:
    m = _DATE.search(text or "")
    if not m:
        raise ParseError(label, f"no date found for {what} in {text!r}")
    d, mth, y = m.groups()
    return dt.date(int(y), int(mth), int(d)).isoformat()


def _sheet_rows(path: Path | str, startswith: str, label: str, max_col: int) -> list[tuple]:
    """All rows (values only, empty cells None) of the one sheet whose name starts with `startswith`.
    Read with calamine (Rust): openpyxl's read-only mode took ~40 s for the 3.5 MB 2016 edition."""
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # corrupt or not an xlsx: name the file, not a Rust traceback
        raise ParseError(label, f"not a readable xlsx workbook ({exc})") from None
    names = [n for n in wb.sheet_names if n.startswith(startswith)]
    if len(names) != 1:
        raise ParseError(label, f"expected one sheet starting with {startswith!r}, found {wb.sheet_names}")
    rows = wb.get_sheet_by_name(names[0]).to_python(skip_empty_area=False)
    return [tuple(None if c == "" else c for c in r[:max_col]) for r in rows]


def _num(raw: object, label: str, row: int, field: str) -> tuple[float | None, str | None]:
    try:
        return parse_number(raw)
    except SymbolError as exc:
        raise ParseError(label, str(exc), field=field, value=raw, line=row) from None


def _text(v: object) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def parse_auszug_gv(path: Path | str) -> pd.DataFrame:
    """One row per record (all Satzarten): satzart, textkennzeichen, land, rb, kreis, verband, gemeinde,
    ags (8 digits, Gemeinde rows only), ars (12 digits, Gemeinde rows), kreis_ags, name, area_km2,
    population (+ _flag), population_male, population_female, plz, gebietsstand, population_date."""
    label = str(path)
    rows = _sheet_rows(path, "Onlineprodukt_Gemeinden", label, max_col=16)
    gebietsstand = population_date = None
    records = []
    for i, r in enumerate(rows, 1):
        r = tuple(r) + (None,) * (16 - len(r))
        a = _text(r[0])
        if a is None or a not in SATZARTEN:
            # header/footer line: the Gebietsstand and population dates sit in the third header row
            c, area_hdr, pop_hdr = _text(r[2]), _text(r[8]), _text(r[9])
            if c and c.startswith("Gebietsstand"):
                gebietsstand = _iso(c, label, "Gebietsstand")
                # the 2023 edition merges the date cell over Fläche and Bevölkerung: then it sits in column I
                population_date = _iso(pop_hdr or area_hdr or "", label, "Bevölkerung (Stichtag)")
            continue
        parts = {}
        for name, col, width in _KEY_PARTS:
            v = _text(r[col])
            if a == "30" and name == "kreis":
                v = None  # Satzart 30 (Region, Baden-Württemberg) puts its 1-digit region code here
            if v is not None and not re.fullmatch(rf"\d{{{width}}}", v):
                raise ParseError(label, f"key part '{name}' is not {width} digits", field=name, value=v, line=i)
            parts[name] = v
        rec = {"satzart": a, "textkennzeichen": _text(r[1]), **parts, "name": _text(r[7]),
               "area_km2": None, "population": None, "population_flag": None,
               "population_male": None, "population_female": None, "plz": _text(r[13])}
        if a == "60":
            missing = [n for n, v in parts.items() if v is None]
            if missing:
                raise ParseError(label, f"Gemeinde record without key parts {missing}", line=i)
            rec["area_km2"] = _num(r[8], label, i, "Fläche km2")[0]
            rec["population"], rec["population_flag"] = _num(r[9], label, i, "Bevölkerung insgesamt")
            rec["population_male"] = _num(r[10], label, i, "männlich")[0]
            rec["population_female"] = _num(r[11], label, i, "weiblich")[0]
        records.append(rec)
    if gebietsstand is None:
        raise ParseError(label, "header row 'Gebietsstand am …' not found")
    if not records:
        raise ParseError(label, "no records (Satzart 10–60) found")
    df = pd.DataFrame(records)
    for name, _, _ in _KEY_PARTS:
        df[name] = df[name].astype("string")  # so missing parts concatenate to <NA>, not a TypeError
    gem = df["satzart"].eq("60")
    df["ags"] = (df["land"] + df["rb"] + df["kreis"] + df["gemeinde"]).where(gem)
    df["ars"] = (df["land"] + df["rb"] + df["kreis"] + df["verband"] + df["gemeinde"]).where(gem)
    df["kreis_ags"] = (df["land"] + df["rb"] + df["kreis"]).where(df["kreis"].notna())
    df["gebietsstand"] = gebietsstand
    df["population_date"] = population_date
    for col in ("area_km2", "population", "population_male", "population_female"):
        df[col] = df[col].astype("Float64")
    # gemeindefreie Gebiete (Textkennzeichen 65 bewohnt / 66 unbewohnt) may share one 8-digit AGS and differ by
    # Verband (e.g. Bavarian "...444" in 2016): unique by ARS. The 2016 edition also repeats two such records
    # verbatim (8 records, e.g. Lkr Kelheim, Lkr Rhön-Grabfeld): an identical repeated record is counted once (df.attrs says how
    # many were dropped). Any other repeated AGS is an error.
    repeated = df.duplicated(keep="first") & gem & df["textkennzeichen"].isin(["65", "66"])
    df = df[~repeated].reset_index(drop=True)
    df.attrs["repeated_records_dropped"] = int(repeated.sum())
    gem = df["satzart"].eq("60")
    g = df[gem]
    dup_ags = g["ags"].duplicated(keep=False)
    free = g["textkennzeichen"].isin(["65", "66"])
    bad = (dup_ags & ~free) | g["ars"].duplicated()
    if bad.any():
        raise ParseError(label, "duplicate Gemeinde key", field="AGS", value=g.loc[bad, "ags"].iloc[0])
    return df


def parse_kreise_vorjahr(path: Path | str) -> pd.DataFrame:
    """Kreis rows of "Kreisfreie Städte und Landkreise nach Fläche, Bevölkerung…": ags (5 digits),
    kreistyp, name, nuts3, area_km2, population (+ _flag), population_male, population_female,
    density, gebietsstand. Land/RB headings and "Insgesamt" sums are not returned."""
    label = str(path)
    rows = _sheet_rows(path, "Kreisfreie", label, max_col=9)
    gebietsstand = None
    records = []
    for i, r in enumerate(rows, 1):
        r = tuple(r) + (None,) * (9 - len(r))
        a = _text(r[0])
        if a and a.startswith("Gebietsstand"):
            gebietsstand = _iso(a, label, "Gebietsstand")
            continue
        if a is None or not re.fullmatch(r"\d{5}", a):
            continue  # Land / Regierungsbezirk headings (2–4 digits), sums, footnotes
        pop, flag = _num(r[5], label, i, "Bevölkerung insgesamt")
        records.append({
            "ags": a, "kreistyp": _text(r[1]), "name": _text(r[2]), "nuts3": _text(r[3]),
            "area_km2": _num(r[4], label, i, "Fläche")[0], "population": pop, "population_flag": flag,
            "population_male": _num(r[6], label, i, "männlich")[0],
            "population_female": _num(r[7], label, i, "weiblich")[0],
            "density": _num(r[8], label, i, "je km2")[0],
        })
    if gebietsstand is None:
        raise ParseError(label, "line 'Gebietsstand: …' not found")
    if not records:
        raise ParseError(label, "no five-digit Kreis rows found")
    df = pd.DataFrame(records)
    dup = df["ags"].duplicated()
    if dup.any():
        raise ParseError(label, "duplicate Kreis key", field="Schlüsselnummer", value=df["ags"][dup].iloc[0])
    for col in ("area_km2", "population", "population_male", "population_female", "density"):
        df[col] = df[col].astype("Float64")
    df["gebietsstand"] = gebietsstand
    return df
