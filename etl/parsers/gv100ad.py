"""GV100AD fixed-width municipality directory (Destatis GV-ISys, "alle Daten").

Every record is 220 *characters* but up to 222 *bytes* (umlauts, Sorbian names), so the
file is decoded as UTF-8 first and sliced by character. Positions are 1-based in the
Datensatzbeschreibung; the slices below subtract one.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import ParseError

RECORD_LENGTH = 220
SATZARTEN = {"10": "land", "20": "regierungsbezirk", "30": "region", "40": "kreis",
             "50": "gemeindeverband", "60": "gemeinde"}


def _f(line: str, start: int, end: int) -> str:
    return line[start - 1:end].strip()


def parse_gv100ad(path: Path | str) -> pd.DataFrame:
    """One row per record: satzart, gebietsstand, land, rb, kreis, gemeinde, verband, name, sitz,
    textkennzeichen, area_ha, population, population_male, plz, ags, ars, kreis_ags."""
    name = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(name, f"not UTF-8 ({exc}); GV100AD must be decoded before slicing") from None
    rows = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if len(line) != RECORD_LENGTH:
            raise ParseError(name, f"record has {len(line)} characters, expected {RECORD_LENGTH}", line=i)
        satzart = line[0:2]
        if satzart not in SATZARTEN:
            raise ParseError(name, "unknown Satzart", field="Satzart", value=satzart, line=i)
        land, rb, kreis, gem, verband = _f(line, 11, 12), _f(line, 13, 13), _f(line, 14, 15), _f(line, 16, 18), _f(line, 19, 22)
        area = population = male = None
        if satzart == "60":
            try:
                area = int(_f(line, 129, 139) or 0)
                population = int(_f(line, 140, 150) or 0)
                male = int(_f(line, 151, 161) or 0)
            except ValueError as exc:
                raise ParseError(name, f"non-numeric area/population ({exc})", line=i) from None
        rows.append({
            "satzart": satzart,
            "gebietsstand": _f(line, 3, 10),
            "land": land, "rb": rb, "kreis": kreis, "gemeinde": gem, "verband": verband,
            "name": _f(line, 23, 72),
            "sitz": _f(line, 73, 122) or None,
            "textkennzeichen": _f(line, 123, 124) or None,
            "area_ha": area, "population": population, "population_male": male,
            "plz": _f(line, 166, 170) or None,
        })
    df = pd.DataFrame(rows)
    if df.empty:
        raise ParseError(name, "no records")
    for col in ("area_ha", "population", "population_male"):
        df[col] = df[col].astype("Int64")
    df["kreis_ags"] = (df["land"] + df["rb"] + df["kreis"]).where(df["satzart"].isin(["40", "50", "60"]))
    df["ags"] = (df["land"] + df["rb"] + df["kreis"] + df["gemeinde"]).where(df["satzart"] == "60")
    df["ars"] = (df["land"] + df["rb"] + df["kreis"] + df["verband"] + df["gemeinde"]).where(df["satzart"] == "60")
    df["verband_ars"] = (df["land"] + df["rb"] + df["kreis"] + df["verband"]).where(df["satzart"].isin(["50", "60"]))
    bad = df.loc[df["satzart"] == "60", "ags"].str.fullmatch(r"\d{8}") == False  # noqa: E712
    if bad.any():
        raise ParseError(name, "Gemeinde key is not 8 digits", field="AGS", value=df.loc[bad[bad].index[0], "ags"])
    return df
