"""Regionaldatenbank tables saved again without their GENESIS frame (companion of etl.parsers.regio_csv).

Someone who downloaded a regionalstatistik CSV sometimes kept only the data rows: one header line with
column names of their own, rows `Stichtag;key;name;values…`, no title, no footer, and the keys stored as
numbers (leading zeros lost). The 22221 Kreis table of 31.12.2019 in the store is such a file. This reader
returns the same RegioTable (same long columns, same symbol rules via etl.quality) as read_regio_csv, so a
step reads both layouts of one table with the same code downstream.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ParseError
from .text import check_mojibake
from .regio_csv import _DATE, TIDY_COLUMNS, RegioTable, _iso, _parse_values, decode


def _restore_key(key: str) -> tuple[str, str] | None:
    """(key with leading zeros, level) for a key whose leading zeros were lost (saved as a number).
    Länder are 1..16, Regierungsbezirke / Statistische Regionen 031..147 (never <= 16), Kreise 4-5
    digits, Gemeinden 7-8 digits: the digit count and value decide, e.g. "1" -> "01", "31" -> "031",
    "1001" -> "01001", "3241001" -> "03241001". None for any other shape."""
    if key == "DG":
        return key, "bund"
    if not key.isdigit():
        return None
    n = len(key)
    if n <= 2 and 1 <= int(key) <= 16:
        return key.zfill(2), "land"
    if n in (2, 3):
        return key.zfill(3), "regierungsbezirk"
    if n in (4, 5):
        return key.zfill(5), "kreis"
    if n in (7, 8):
        return key.zfill(8), "gemeinde"
    return None


def read_regio_rows(source: Path | str | bytes, name: str | None = None, *, table: str,
                    columns: dict[str, str | None]) -> RegioTable:
    """A regionalstatistik table saved again without its GENESIS header and footer: one header line of
    column names chosen by whoever saved it, then rows `Stichtag;key;name;values…` with the keys'
    leading zeros lost (e.g. the 22221 Kreis table of 31.12.2019, `asylbewerberleistungen_2019.csv`).

    `table` is the official table code (the file has none); `columns` maps each value column's header
    to the official variable label read_regio_csv would give it (None = meaning unknown: the column is
    kept under its header as `? <header>`). Keys get their zeros back (`_restore_key`); the name's
    indentation must agree with the level that gives (Land < Regierungsbezirk < Kreis/Gemeinde), else
    the key is not trusted. Returns the same RegioTable as read_regio_csv (stand None, no footer)."""
    label = name or (Path(source).name if not isinstance(source, bytes) else "<bytes>")
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    text, encoding = decode(raw)
    check_mojibake(text, label)
    rows = [r for r in csv.reader(text.splitlines(), delimiter=";")]
    if not rows or len(rows[0]) < 4 or rows[0][0].strip():
        raise ParseError(label, "expected one header line ';<key>;<name>;<value columns…>'", line=1,
                         value=";".join(rows[0])[:80] if rows else "")
    heads = [h.strip() for h in rows[0][3:]]
    unknown = [h for h in heads if h not in columns]
    if unknown:
        raise ParseError(label, f"value column not described in the catalogue (columns: {sorted(columns)})",
                         field="header", value=unknown[0], line=1)
    variables = [columns[h] or f"? {h}" for h in heads]
    width = len(rows[0])
    data, lines = [], []
    for ln, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        if len(r) != width:
            raise ParseError(label, f"expected {width} fields, found {len(r)}", line=ln, value=";".join(r)[:80])
        if not _DATE.match(r[0].strip()):
            raise ParseError(label, "not a date (dd.mm.yyyy)", field="Stichtag", value=r[0], line=ln)
        data.append(r)
        lines.append(ln)
    if not data:
        raise ParseError(label, "no data lines")
    keys, levels = [], []
    for r, ln in zip(data, lines):
        restored = _restore_key(r[1].strip())
        if restored is None:
            raise ParseError(label, "not a regional key", field="key", value=r[1], line=ln)
        keys.append(restored[0])
        levels.append(restored[1])
    indent = [len(r[2]) - len(r[2].lstrip(" ")) for r in data]
    rank = {"bund": 0, "land": 1, "regierungsbezirk": 2, "kreis": 3, "gemeinde": 3}
    ranks = [rank[lv] for lv in levels]
    usual = {k: pd.Series([i for r, i in zip(ranks, indent) if r == k]).mode().iloc[0] for k in set(ranks)}
    if list(dict.fromkeys(usual[k] for k in sorted(usual))) != sorted(set(usual.values())) or \
            len(set(usual.values())) != len(usual):
        raise ParseError(label, f"name indentation does not grow with the level of the keys: {usual}")
    for i, (r, ind) in enumerate(zip(ranks, indent)):
        if ind != usual[r]:
            raise ParseError(label, f"key restored as level '{levels[i]}' but its name is indented like another "
                             "level", field="key", value=data[i][1], line=lines[i])
    n_rows, n_vals = len(data), len(heads)
    per_row = pd.DataFrame({
        "line": np.asarray(lines), "time": pd.array([r[0].strip() for r in data], dtype="string"),
        "key": pd.array(keys, dtype="string"), "name": pd.array([r[2].strip() for r in data], dtype="string"),
        "indent": np.asarray(indent), "level": pd.array(levels, dtype="string"),
        "category": pd.array([None] * n_rows, dtype="string"),
    })
    per_col = pd.DataFrame({"variable": pd.array(variables, dtype="string"),
                            "unit": pd.array(["Anzahl"] * n_vals, dtype="string")})
    out = pd.concat([per_row.take(np.repeat(np.arange(n_rows), n_vals)).reset_index(drop=True),
                     per_col.take(np.tile(np.arange(n_vals), n_rows)).reset_index(drop=True)], axis=1)
    out["date"] = out["time"].map(_iso).astype("string")
    out["year"] = out["time"].str[-4:].astype(int)
    raw_vals = pc.utf8_trim_whitespace(pa.array([c for r in data for c in r[3:]], pa.string()))
    out["raw"] = pd.array(raw_vals, dtype="string")
    values, flags = _parse_values(raw_vals, out["line"].to_numpy(), out["variable"].to_numpy(), label)
    out["value"] = pd.array(values, dtype="Float64")
    out.loc[np.isnan(values), "value"] = pd.NA
    out["flag"] = pd.array(flags, dtype="string")
    return RegioTable(file=label, table=table, title=[], encoding=encoding, stand=None, footer=[],
                      data=out[list(TIDY_COLUMNS)])
