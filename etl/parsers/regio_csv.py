"""Table CSVs of the Regionaldatenbank (regionalstatistik.de) and GENESIS-Online ("Werte" export).

Why one reader for both: they share one layout. Line 1 is "GENESIS-Tabelle: <code>", then title lines
(text in the first cell only), header lines (first cell empty: variable groups, sub-groups, dates,
units), data lines, and a footer that starts with a line of underscores (notes, copyright, "Stand").
What varies is handled here and nowhere else:
- encoding: the original downloads are ISO-8859-1/Windows-1252, datenguide's copies were re-encoded
  to UTF-8 (detected: BOM, else strict UTF-8, else cp1252, else latin-1);
- time: a date row in the header (wide layout, one column block per Stichtag), a leading time column
  (`Jahr` or `Stichtag` per data line), or one time in the title ("Jahr: 2016");
- leading label columns: `[time;]key;name[;category…]` (e.g. 22543 "Art der Betreuung");
- names indented with spaces to show the hierarchy (kept as `indent`);
- numbers with decimal comma, publisher symbols ("-", ".", "x", "/", "...") via etl.quality.

Everything is returned as text first; keys keep leading zeros. The result is one long row per
published cell, with `level` from the key (DG bund, 2 land, 3 regierungsbezirk, 5 kreis, 8 gemeinde,
7/9/10/11 gemeindeverband; 5-digit rows indented below the Kreise, i.e. Berlin Bezirke, "bezirk").
Which rows mean "the unit did not exist" is decided by `nonexistent`.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ParseError
from ..quality import SymbolError, parse_number
from .text import check_mojibake

TIDY_COLUMNS = ("line", "time", "date", "year", "key", "name", "indent", "level", "category", "variable",
                "unit", "raw", "value", "flag")
UNITS = frozenset({"Anzahl", "Prozent", "%", "EUR", "Euro", "Tsd. EUR", "1000 EUR", "ha", "qkm", "km²",
                   "Jahre", "Tage", "Personen", "Tsd.", "1000"})
TIME_WORDS = frozenset({"Stichtag", "Jahr", "Jahresdurchschnitt", "Zeit"})
_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_TIME_IN_TITLE = re.compile(r"^\s*(?:Jahr|Stichtag|Berichtsjahr)\s*:?\s*(\d{2}\.\d{2}\.\d{4}|\d{4})\s*$")
_KEY = re.compile(r"^(DG|\d+)$")
_FOOTER = re.compile(r"^_{5,}")
_PLAIN = re.compile(r"^-?\d+(?:,\d+)?$")
_DOTTED = re.compile(r"\d\.\d")
KEY_LEVELS = {2: "land", 3: "regierungsbezirk", 5: "kreis", 7: "gemeindeverband", 8: "gemeinde",
              9: "gemeindeverband", 10: "gemeindeverband", 11: "gemeindeverband"}


@dataclass
class RegioTable:
    """One parsed table: metadata plus the long frame (columns TIDY_COLUMNS)."""
    file: str
    table: str
    title: list[str]
    encoding: str
    stand: str | None
    footer: list[str]
    data: pd.DataFrame = field(repr=False)

    def variables(self) -> list[str]:
        return list(dict.fromkeys(self.data["variable"]))


def decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding). Strict UTF-8 first: latin-1 umlauts are never valid UTF-8 sequences in practice."""
    if raw[:3] == b"\xef\xbb\xbf":
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:  # bytes 0x81/0x8d/0x8f/0x90/0x9d are unassigned in cp1252
        return raw.decode("latin-1"), "latin-1"


def _iso(time: str) -> str | None:
    m = _DATE.match(time)
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else None


def _is_time(cell: str) -> bool:
    return bool(_DATE.match(cell) or _YEAR.match(cell))


def _level(key: str, label: str, line: int) -> str:
    if key == "DG":
        return "bund"
    lvl = KEY_LEVELS.get(len(key))
    if lvl is None:
        raise ParseError(label, f"regional key of unexpected length {len(key)}", field="key", value=key, line=line)
    return lvl


def _parse_values(raw: pa.Array, lines: np.ndarray, variables: np.ndarray, label: str
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised parse_number for German numbers: plain ints/decimals at once (pyarrow), the few
    distinct rest (symbols, flagged numbers) through etl.quality so its rules stay the only ones."""
    plain = pc.match_substring_regex(raw, _PLAIN.pattern).to_numpy(zero_copy_only=False)
    values = np.full(len(raw), np.nan)
    if plain.any():
        nums = pc.cast(pc.replace_substring(pc.filter(raw, pa.array(plain)), ",", "."), pa.float64())
        values[plain] = nums.to_numpy(zero_copy_only=False)
    flags = np.full(len(raw), None, dtype=object)
    rest_idx = np.flatnonzero(~plain)
    if len(rest_idx):
        rest = np.asarray(pc.take(raw, pa.array(rest_idx)).to_pylist(), dtype=object)
        parsed: dict[str, tuple[float | None, str | None]] = {}
        for v in pd.unique(rest):
            pos = rest_idx[np.flatnonzero(rest == v)[0]]
            where = dict(field=str(variables[pos]), value=v, line=int(lines[pos]))
            if _DOTTED.search(v):
                raise ParseError(label, "dot inside a number (thousands separator or decimal point?); "
                                        "this format uses a decimal comma and no thousands separator", **where)
            try:
                parsed[v] = parse_number(v, decimal=",")
            except SymbolError as exc:
                raise ParseError(label, str(exc), **where) from None
        vals = [parsed[v] for v in rest]
        values[rest_idx] = [np.nan if p[0] is None else p[0] for p in vals]
        flags[rest_idx] = [p[1] for p in vals]
    return values, flags


def _split_sections(text: str, label: str) -> tuple[list[list[str]], list[int], list[str]]:
    """Rows before the footer (with 1-based physical line numbers) and the footer lines."""
    lines = text.splitlines()
    footer_at = next((i for i, ln in enumerate(lines) if _FOOTER.match(ln)), None)
    if footer_at is None:
        raise ParseError(label, "no footer line of underscores found: truncated file or not a GENESIS table CSV")
    body = lines[:footer_at]
    rows = list(csv.reader(body, delimiter=";"))
    # csv.reader joins quoted multi-line cells; the body has none, so row i is physical line i+1
    if len(rows) != len(body):
        raise ParseError(label, "quoted line breaks above the footer are not supported")
    return rows, list(range(1, len(rows) + 1)), lines[footer_at + 1:]


def _header_variables(header: list[list[str]], lead: int, width: int, label: str
                      ) -> tuple[list[str], list[str | None], list[str | None]]:
    """Per value column: variable label (header parts joined by ' | '), unit, time (wide layout)."""
    parts: list[list[str]] = [[] for _ in range(width - lead)]
    units: list[str | None] = [None] * (width - lead)
    times: list[str | None] = [None] * (width - lead)
    for row in header:
        cells = [c.strip() for c in row[lead:]]
        filled = [c for c in cells if c]
        if not filled:
            continue
        if all(_is_time(c) for c in filled):
            if len(filled) != len(cells):
                raise ParseError(label, "date header row with empty cells", field="header", value=";".join(row))
            times = list(cells)
        elif all(c in UNITS for c in filled):
            units = [c or None for c in cells]
        elif all(c in TIME_WORDS for c in filled):
            continue
        else:
            for j, c in enumerate(cells):
                if c and (not parts[j] or parts[j][-1] != c):
                    parts[j].append(c)
    return [" | ".join(p) for p in parts], units, times


def read_regio_csv(source: Path | str | bytes, name: str | None = None) -> RegioTable:
    """Parse one regionalstatistik / GENESIS-Online table CSV into a RegioTable (long, one row per cell)."""
    label = name or (Path(source).name if not isinstance(source, bytes) else "<bytes>")
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    text, encoding = decode(raw)
    if not text.strip():
        raise ParseError(label, "empty file", line=1)
    check_mojibake(text, label)
    rows, line_no, footer = _split_sections(text, label)
    # newer regionalstatistik exports (2026) begin with "Tabelle: <code>" instead of "GENESIS-Tabelle: <code>"
    if not rows or not rows[0] or not rows[0][0].startswith(("GENESIS-Tabelle:", "Tabelle:")):
        first = rows[0][0] if rows and rows[0] else ""
        raise ParseError(label, "not a GENESIS table CSV (line 1 must start with 'GENESIS-Tabelle:' or 'Tabelle:')",
                         value=first[:60], line=1)
    table = rows[0][0].split(":", 1)[1].strip()

    def is_data(r: list[str]) -> bool:
        return bool(r and r[0].strip()) and any(c.strip() for c in r[1:])

    first_data = next((i for i in range(1, len(rows)) if is_data(rows[i])), None)
    if first_data is None:
        raise ParseError(label, "no data lines above the footer")
    title = [r[0].strip() for r in rows[1:first_data] if r and r[0].strip()]
    header = [r for r in rows[1:first_data] if r and not r[0].strip() and any(c.strip() for c in r)]
    if not header:
        raise ParseError(label, "no header lines (first cell empty) before the data", line=first_data + 1)
    width = max(len(r) for r in header)  # title lines may carry any number of trailing ';'
    lead = min(next((j for j, c in enumerate(r) if c.strip()), len(r)) for r in header)
    if lead < 2:
        raise ParseError(label, f"expected at least key and name before the values, header leaves {lead} column(s)")
    data = rows[first_data:]
    data_lines = line_no[first_data:]
    for r, ln in zip(data, data_lines):
        if len(r) != width:
            raise ParseError(label, f"expected {width} fields, found {len(r)}", line=ln, value=";".join(r)[:80])
    variables, units, col_times = _header_variables(header, lead, width, label)

    time_col = _is_time(data[0][0].strip())
    if time_col and lead < 3:
        raise ParseError(label, "time column but no name column", line=data_lines[0], value=data[0][0])
    title_time = next((m.group(1) for t in title for m in [_TIME_IN_TITLE.match(t)] if m), None)
    if time_col and any(col_times):
        raise ParseError(label, "time both in a column and in the header")
    if not time_col and not any(col_times) and title_time is None:
        raise ParseError(label, "no reference time found (no time column, date header row or 'Jahr: …' title line)")

    arr = np.array(data, dtype=object)
    k0 = 1 if time_col else 0
    keys = pd.Series(arr[:, k0], dtype=object).str.strip()
    bad = ~keys.str.match(_KEY.pattern)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ParseError(label, "not a regional key", field="key", value=keys.iloc[i], line=data_lines[i])
    names_raw = pd.Series(arr[:, k0 + 1], dtype=object)
    row_time = (pd.Series(arr[:, 0], dtype=object).str.strip() if time_col
                else pd.Series([title_time] * len(data), dtype=object))
    if time_col:
        bad_t = ~row_time.map(_is_time)
        if bad_t.any():
            i = int(np.flatnonzero(bad_t.to_numpy())[0])
            raise ParseError(label, "not a date or year", field="time", value=row_time.iloc[i], line=data_lines[i])
    classes = (pd.Series([" | ".join(c.strip() for c in r[k0 + 2:lead]) for r in data], dtype=object)
               if lead > k0 + 2 else pd.Series([None] * len(data), dtype=object))
    levels = [_level(k, label, ln) for k, ln in zip(keys, data_lines)]
    check_keys(keys, row_time if time_col else None, classes, data_lines, label)

    # one small frame per data line and one per value column, expanded by index (cheap on arrow strings)
    n_rows, n_vals = len(data), width - lead
    names = names_raw.str.strip()
    per_row = pd.DataFrame({
        "line": np.asarray(data_lines), "time": row_time.astype("string"), "key": keys.astype("string"),
        "name": names.astype("string"),
        "indent": (names_raw.str.len() - names_raw.str.lstrip(" ").str.len()).to_numpy(),
        "level": pd.array(levels, dtype="string"), "category": classes.astype("string"),
    })
    per_col = pd.DataFrame({"variable": pd.array(variables, dtype="string"),
                            "unit": pd.array(units, dtype="string"),
                            "col_time": pd.array(col_times, dtype="string")})
    out = pd.concat([per_row.take(np.repeat(np.arange(n_rows), n_vals)).reset_index(drop=True),
                     per_col.take(np.tile(np.arange(n_vals), n_rows)).reset_index(drop=True)], axis=1)
    if any(col_times):
        out["time"] = out["col_time"]
    distinct = out["time"].unique()
    out["date"] = out["time"].map({t: _iso(t) for t in distinct}).astype("string")
    out["year"] = out["time"].map({t: int(t[-4:]) for t in distinct}).astype(int)
    raw_vals = pc.utf8_trim_whitespace(pa.array(arr[:, lead:].reshape(-1).tolist(), pa.string()))
    out["raw"] = pd.array(raw_vals, dtype="string")
    values, flags = _parse_values(raw_vals, out["line"].to_numpy(), out["variable"].to_numpy(), label)
    out["value"] = pd.array(values, dtype="Float64")
    out.loc[np.isnan(values), "value"] = pd.NA
    out["flag"] = pd.array(flags, dtype="string")
    _mark_sub_kreis_districts(out)
    stand = next((m.group(1) for ln in footer for m in [re.match(r"^Stand:\s*(.+?)\s*$", ln)] if m), None)
    return RegioTable(file=label, table=table, title=title, encoding=encoding, stand=stand,
                      footer=footer, data=out[list(TIDY_COLUMNS)])


def check_keys(keys: pd.Series, times: pd.Series | None, classes: pd.Series, lines: list[int], label: str) -> None:
    """Keys the hierarchy contradicts are errors, not new units:
    - a 7- or 9-digit (Gemeindeverband) key whose first five digits are no Kreis of the file while the key with a
      leading zero is a Gemeinde of one: an 8-digit Gemeinde key that lost its leading zero (01001000 -> 1001000)
      would be read as a Gemeindeverband and dropped;
    - the same key (and time, and category) on two data lines: one of the two would silently win."""
    k = keys.astype(str)
    kreise = set(k[k.str.len().eq(5)])
    if kreise:
        odd = k.str.len().isin([7, 9]) & ~k.str[:5].isin(kreise) & ("0" + k).str[:5].isin(kreise)
        if odd.any():
            i = int(np.flatnonzero(odd.to_numpy())[0])
            raise ParseError(label, "key lost its leading zero: its Kreis is '0" + k.iloc[i][:4] + "' (read as "
                             "a Gemeindeverband it would be dropped)", field="key", value=k.iloc[i], line=lines[i])
    ident = pd.DataFrame({"key": k.to_numpy(), "time": (times.astype(str).to_numpy() if times is not None else ""),
                          "cat": classes.astype(str).to_numpy()})
    dup = ident.duplicated(keep=False).to_numpy()
    if dup.any():
        idx = np.flatnonzero(dup)
        tuples = list(ident.itertuples(index=False, name=None))
        first = dict(zip(ident.columns, tuples[idx[0]]))
        same = [lines[j] for j in idx if tuples[j] == tuples[idx[0]]][:4]
        raise ParseError(label, f"duplicated key: lines {same} report the same unit"
                         + (f" and time {first['time']}" if times is not None else ""),
                         field="key", value=first["key"], line=same[0])


def _mark_sub_kreis_districts(df: pd.DataFrame) -> None:
    """5-digit rows indented deeper than the file's Kreis rows are districts inside a Kreis
    (Berlin Bezirke 11001–11012 in Gemeinde tables): not Kreise, level 'bezirk'."""
    kreis = df["level"].eq("kreis")
    if not kreis.any() or df["indent"].eq(0).all():
        return
    usual = df.loc[kreis, "indent"].mode().iloc[0]
    df.loc[kreis & df["indent"].gt(usual), "level"] = "bezirk"


def nonexistent(df: pd.DataFrame, by: tuple[str, ...] = ("key", "time")) -> pd.Series:
    """True for rows of (key, time) groups that hold no number and at least one "-": regionalstatistik
    keeps keys that did not exist at that date and fills them with "-" (sometimes "." in a rate block,
    e.g. 05354 Kreis Aachen in 13211 for 2010); such a row is no zero, it is no row. A "-" in a row
    that has numbers elsewhere is left alone (a true zero unless a correction says otherwise)."""
    groups = [df[c] for c in by]
    no_number = df["value"].isna() | df["flag"].eq("-").fillna(False)
    some_dash = df["raw"].eq("-")
    return (no_number.groupby(groups).transform("all").astype(bool)
            & some_dash.groupby(groups).transform("any").astype(bool))


def drop_nonexistent(df: pd.DataFrame, by: tuple[str, ...] = ("key", "time")) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kept, dropped) split by `nonexistent`."""
    gone = nonexistent(df, by)
    return df[~gone].reset_index(drop=True), df[gone].reset_index(drop=True)
