"""BA "Arbeitslose nach Gemeinden" Jahreszahlen (file family JJJJjz-gem21_d_0), as Excel-exported CSV.

Why a parser of its own: the CSVs are a spreadsheet "save as" of BA's xls, so they carry the
sheet layout (title rows, a 3-row header with line breaks inside quotes, a footer) and Excel's
cell formatting: US thousands separators plus a trailing blank (`"2,794,664 "`), names with a
leading blank in older years, and empty cells where BA suppressed small numbers. An empty cell is
therefore *suppressed*, never zero; "0" is a published (rounded) zero.
Keys: "" + name "Deutschland" = Germany, 2 = Land, 3 = Regierungsbezirk, 5 = Landkreis,
8 = Gemeinde (kreisfreie Städte appear only as 8-digit rows).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import ParseError

RECHTSKREISE = ("sgb2u3", "sgb3", "sgb2")  # columns 1-10, 11-20, 21-30
# u20 = 15-<20, u25 = 15-<25, ue50 = 50-<65 (2009-2014) or 50+ (2015, per header), ue55 = 55-<65
GROUPS = ("insgesamt", "u20", "u25", "ue50", "ue55", "auslaender",
          "ausl_u20", "ausl_u25", "ausl_ue50", "ausl_ue55")
VALUE_COLUMNS = tuple(f"{rk}_{g}" for rk in RECHTSKREISE for g in GROUPS)
KEY_LEVELS = {2: "land", 3: "regierungsbezirk", 5: "kreis", 8: "gemeinde"}
_YEAR = re.compile(r"(?:Jahresdurchschnitte?|Jahreszahlen(?:/-durchschnitte)?)\s+(\d{4})")
_HEADER_ROWS = 8  # title (4) + header (3) + column numbers (1)
_COUNT = re.compile(r"^\d{1,3}(,\d{3})*$|^\d+$")


def read_ba_gemeinden(path: Path | str) -> pd.DataFrame:
    """One row per published area: key, name, level (bund|land|regierungsbezirk|kreis|gemeinde),
    year, row (0-based CSV record; error messages give the physical line) and the 30 value columns
    as Float64 (NA = suppressed)."""
    label = str(path)
    n_cols = 2 + len(VALUE_COLUMNS)
    try:  # pyarrow: ~5x faster than pandas here; header cells hold line breaks inside quotes
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="latin-1", autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(n_cols)},
                                                 strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise ParseError(label, f"not a BA Gemeinde CSV: {exc}") from None
    if table.num_columns != n_cols:
        raise ParseError(label, f"expected {n_cols} columns, found {table.num_columns}")
    year = _year(table, label)
    key = pc.utf8_trim_whitespace(table["f0"])
    name = pc.utf8_trim_whitespace(table["f1"])
    is_de = pc.and_(pc.equal(key, ""), pc.equal(name, "Deutschland"))
    digits = pc.match_substring_regex(key, r"^\d+$")
    ok_len = pc.is_in(pc.utf8_length(key), value_set=pa.array(list(KEY_LEVELS), pa.int32()))
    bad = pc.and_(digits, pc.invert(ok_len))
    if pc.any(bad).as_py():
        i = pc.index(bad, True).as_py()
        raise ParseError(label, "key of unexpected length (leading zero lost in the export?)",
                         field="Schlüssel", value=key[i].as_py(), line=_line(table, i))
    n_de = pc.sum(pc.cast(is_de, pa.int64())).as_py() or 0
    if n_de != 1:
        raise ParseError(label, f"expected one 'Deutschland' row, found {n_de}")
    rows = pc.or_(is_de, digits)
    first = pc.utf8_trim_whitespace(table["f2"])
    stray = pc.and_(pc.invert(rows), pc.match_substring_regex(first, r"^\d"))
    stray = pc.and_(stray, pa.array(np.arange(table.num_rows) >= _HEADER_ROWS))  # header row 8: column numbers
    if pc.any(stray).as_py():
        i = pc.index(stray, True).as_py()
        raise ParseError(label, "row with numbers but no recognisable key", value=table.slice(i, 1).to_pylist()[0],
                         line=_line(table, i))
    idx = np.flatnonzero(np.asarray(rows.to_numpy(zero_copy_only=False)))
    data = table.take(pa.array(idx))
    keys = pc.take(key, pa.array(idx)).to_pandas()
    de = pc.take(is_de, pa.array(idx)).to_numpy(zero_copy_only=False)
    out = pd.DataFrame({
        "key": keys.where(~de, "DG"),
        "name": pc.take(name, pa.array(idx)).to_pandas(),
        "level": keys.str.len().map(KEY_LEVELS).where(~de, "bund"),
        "year": year,
        "row": idx,
    })
    for j, col in enumerate(VALUE_COLUMNS):
        cells = pc.utf8_trim_whitespace(data[f"f{j + 2}"])
        ok = pc.or_(pc.match_substring_regex(cells, _COUNT.pattern), pc.equal(cells, ""))
        if not pc.all(ok).as_py():
            k = pc.index(ok, False).as_py()
            raise ParseError(label, "not a count and not an empty (suppressed) cell", field=f"Spalte {j + 1}",
                             value=cells[k].as_py(), line=_line(table, int(idx[k])))
        digits_only = pc.replace_substring(cells, ",", "")
        nums = pc.cast(pc.if_else(pc.equal(digits_only, ""), pa.scalar(None, pa.string()), digits_only), pa.float64())
        out[col] = pd.array(nums, dtype="Float64")
    return out


def _year(table: pa.Table, label: str) -> int:
    head = " ".join(str(v) for col in table.slice(0, _HEADER_ROWS).to_pydict().values() for v in col)
    m = _YEAR.search(head)
    if not m:
        raise ParseError(label, "no 'Jahreszahlen <year>' / 'Jahresdurchschnitt <year>' in the title rows")
    return int(m.group(1))


def _line(table: pa.Table, i: int) -> int:
    """1-based file line of table row i (header cells contain line breaks, so count them)."""
    before = table.slice(0, i).to_pydict().values()
    return i + 1 + sum(str(v).count("\n") for col in before for v in col)
