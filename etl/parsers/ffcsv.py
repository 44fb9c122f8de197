"""GENESIS "ffcsv" flat files (regionalstatistik.de, GENESIS-Online, Zensus 2022 DB).

UTF-8 with BOM, ';', one header line. Per classifying variable i the columns
`{i}_variable_code`, `{i}_variable_attribute_code`, `{i}_variable_attribute_label`;
totals have an empty attribute code. `value` holds numbers or symbols; `value_q`
(quality=on) holds a quality letter. Everything is read as text: keys keep their
leading zeros, symbols stay symbols until etl.quality decides.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import ParseError
from ..quality import SymbolError, parse_number
from .text import frame_mojibake

REQUIRED = ("statistics_code", "time", "value")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _read_text_table(raw: bytes, label: str) -> pd.DataFrame:
    """All columns as non-null strings. pyarrow's CSV reader is ~4x faster than pandas' on the
    33 MB AZR file; every column is forced to string so keys keep their leading zeros."""
    body = raw[3:] if raw[:3] == b"\xef\xbb\xbf" else raw
    end = body.find(b"\n")
    try:
        header = body[: end if end >= 0 else len(body)].rstrip(b"\r").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(label, f"not UTF-8: {exc}") from None
    names = next(csv.reader([header], delimiter=";"), [])
    types = {n: pa.string() for n in names}
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            parse_options=pacsv.ParseOptions(delimiter=";"),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:  # also raised for invalid UTF-8 (check_utf8 is on)
        what = "not UTF-8" if "UTF8" in str(exc) else "malformed ffcsv"
        raise ParseError(label, f"{what}: {exc}") from None
    return table.to_pandas()


def _parse_values(values: pd.Series, label: str) -> tuple[pd.Series, pd.Series]:
    """Vectorised etl.quality.parse_number: plain numbers in one go, the few other distinct
    strings (symbols, trailing flags) through parse_number so its rules stay the only ones."""
    s = values.astype(str).str.strip()
    plain = s.str.match(_PLAIN_NUMBER.pattern)
    nums = pd.Series(pd.NA, index=values.index, dtype="Float64")
    flags = pd.Series(pd.NA, index=values.index, dtype="string")
    nums[plain] = pd.array(pc.cast(pa.array(s[plain].to_numpy(dtype=object), pa.string()), pa.float64()),
                           dtype="Float64")
    rest = s[~plain]
    if len(rest):
        parsed: dict[str, tuple[float | None, str | None]] = {}
        for v in rest.unique():
            try:
                parsed[v] = parse_number(v)
            except SymbolError as exc:
                line = int(rest.index[rest.eq(v)][0]) + 2
                raise ParseError(label, str(exc), field="value", value=v, line=line) from None
        nums[~plain] = pd.array([parsed[v][0] for v in rest], dtype="Float64")
        flags[~plain] = pd.array([parsed[v][1] for v in rest], dtype="string")
    return nums, flags


def read_ffcsv(source: Path | str | bytes, member: str | None = None, name: str | None = None) -> pd.DataFrame:
    """Read an ffcsv file (plain or inside a zip) into a frame of strings plus `num`/`flag` columns."""
    label = name or (str(source) if not isinstance(source, bytes) else "<bytes>")
    raw: bytes
    if isinstance(source, bytes):
        raw = source
    else:
        raw = Path(source).read_bytes()
    if raw[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                names = [n for n in zf.namelist() if n.endswith(".csv")]
                if member:
                    names = [n for n in names if n == member]
                if len(names) != 1:
                    raise ParseError(label, f"expected exactly one CSV in the zip, found {names}")
                raw = zf.read(names[0])
                label = f"{label}!{names[0]}"
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise ParseError(label, f"corrupt or truncated zip ({type(exc).__name__}: {exc})") from None
    if not raw.strip(b"\xef\xbb\xbf \r\n"):
        raise ParseError(label, "empty file", line=1)
    df = _read_text_table(raw, label)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ParseError(label, f"not an ffcsv file: missing columns {missing}")
    if df.empty:
        raise ParseError(label, "header only, no data lines", line=2)
    df["num"], df["flag"] = _parse_values(df["value"], label)
    _check_rows(df.drop(columns=["num", "flag"]), label)
    if "value_q" in df.columns:
        q = df["value_q"].replace("", pd.NA)
        df["flag"] = df["flag"].fillna(q.where(q.isin(["p", "r", "s"])))
    return df


def _check_rows(df: pd.DataFrame, label: str) -> None:
    """No mojibake in the labels; no detail cell twice: a repeated line (same statistic, time, variables and
    attributes) would be summed into a Kreis total or silently keep one of two values."""
    hit = frame_mojibake(df[[c for c in df.columns if c.endswith("_label") or c.endswith("_attribute_label")]])
    if hit:
        col, pos, value = hit
        raise ParseError(label, "mojibake: the file was decoded with the wrong encoding (UTF-8 read as "
                         "latin-1, or the reverse)", field=col, value=value, line=pos + 2)
    key = [c for c in df.columns if c not in ("value", "value_q", "value_unit", "value_variable_label")
           and not c.endswith("_label")]
    dup = df.duplicated(key, keep=False)
    if dup.any():
        lines = (df.index[dup.to_numpy()][:4] + 2).tolist()
        first = df.loc[dup].iloc[0]
        what = ", ".join(str(first[c]) for c in key if c.endswith("_attribute_code") and first[c])
        raise ParseError(label, f"duplicated detail row (lines {lines}; {int(dup.sum())} lines share a key): "
                         "would be summed twice or keep one of two values", field="key",
                         value=f"{first.get('time', '')} {what}".strip(), line=lines[0])


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
