"""GENESIS "ffcsv" flat files (regionalstatistik.de, GENESIS-Online, Zensus 2022 DB).

UTF-8 with BOM, ';', one header line. Per classifying variable i the columns
`{i}_variable_code`, `{i}_variable_attribute_code`, `{i}_variable_attribute_label`;
totals have an empty attribute code. `value` holds numbers or symbols; `value_q`
(quality=on) holds a quality letter. Everything is read as text: keys keep their
leading zeros, symbols stay symbols until etl.quality decides.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd

from ..errors import ParseError
from ..quality import SymbolError, parse_number

REQUIRED = ("statistics_code", "time", "value")


def read_ffcsv(source: Path | str | bytes, member: str | None = None, name: str | None = None) -> pd.DataFrame:
    """Read an ffcsv file (plain or inside a zip) into a frame of strings plus `num`/`flag` columns."""
    label = name or (str(source) if not isinstance(source, bytes) else "<bytes>")
    raw: bytes
    if isinstance(source, bytes):
        raw = source
    else:
        raw = Path(source).read_bytes()
    if raw[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            names = [n for n in zf.namelist() if n.endswith(".csv")]
            if member:
                names = [n for n in names if n == member]
            if len(names) != 1:
                raise ParseError(label, f"expected exactly one CSV in the zip, found {names}")
            raw = zf.read(names[0])
            label = f"{label}!{names[0]}"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(label, f"not UTF-8: {exc}") from None
    df = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False, na_values=[])
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ParseError(label, f"not an ffcsv file: missing columns {missing}")
    nums, flags = [], []
    for i, v in enumerate(df["value"].tolist()):
        try:
            n, f = parse_number(v)
        except SymbolError as exc:
            raise ParseError(label, str(exc), field="value", value=v, line=i + 2) from None
        nums.append(n)
        flags.append(f)
    df["num"] = pd.array(nums, dtype="Float64")
    df["flag"] = pd.array(flags, dtype="string")
    if "value_q" in df.columns:
        q = df["value_q"].replace("", pd.NA)
        df["flag"] = df["flag"].fillna(q.where(q.isin(["p", "r", "s"])))
    return df


def variable_columns(df: pd.DataFrame) -> dict[str, int]:
    """Map variable code (e.g. 'KREISE', 'GES') to its position i in the ffcsv header."""
    out = {}
    i = 1
    while f"{i}_variable_code" in df.columns:
        codes = df[f"{i}_variable_code"].unique()
        for c in codes:
            out[c] = i
        i += 1
    return out
