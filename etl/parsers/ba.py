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

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ParseError

RECHTSKREISE = ("sgb2u3", "sgb3", "sgb2")  # columns 1-10, 11-20, 21-30
GROUPS = ("insgesamt", "u20", "u25", "ue50", "ue55", "auslaender",
          "ausl_u20", "ausl_u25", "ausl_ue50", "ausl_ue55")
VALUE_COLUMNS = tuple(f"{rk}_{g}" for rk in RECHTSKREISE for g in GROUPS)
KEY_LEVELS = {2: "land", 3: "regierungsbezirk", 5: "kreis", 8: "gemeinde"}
_YEAR = re.compile(r"(?:Jahresdurchschnitte?|Jahreszahlen(?:/-durchschnitte)?)\s+(\d{4})")
_COUNT = re.compile(r"^\d{1,3}(,\d{3})*$|^\d+$")


def read_ba_gemeinden(path: Path | str) -> pd.DataFrame:
    """One row per published area: key, name, level (bund|land|regierungsbezirk|kreis|gemeinde),
    year, line (1-based in the file) and the 30 value columns as Float64 (NA = suppressed)."""
    label = str(path)
    try:
        raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="latin-1",
                          skip_blank_lines=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ParseError(label, f"not a BA Gemeinde CSV: {exc}") from None
    if raw.shape[1] != 2 + len(VALUE_COLUMNS):
        raise ParseError(label, f"expected {2 + len(VALUE_COLUMNS)} columns, found {raw.shape[1]}")
    year = _year(raw, label)
    lines = _physical_lines(raw)
    key = raw[0].str.strip()
    name = raw[1].str.strip()
    is_de = key.eq("") & name.eq("Deutschland")
    digits = key.str.fullmatch(r"\d+")
    bad = digits & ~key.str.len().isin(list(KEY_LEVELS))
    if bad.any():
        i = int(bad.idxmax())
        raise ParseError(label, "key of unexpected length (leading zero lost in the export?)",
                         field="Schlüssel", value=key[i], line=int(lines[i]))
    rows = is_de | digits
    if int(is_de.sum()) != 1:
        raise ParseError(label, f"expected one 'Deutschland' row, found {int(is_de.sum())}")
    stray = ~rows & raw[2].str.strip().str.match(r"^\d")
    stray.iloc[:8] = False  # header row 8 carries the column numbers 1-30
    if stray.any():
        i = int(stray.idxmax())
        raise ParseError(label, "row with numbers but no recognisable key", value=raw.iloc[i, :3].tolist(),
                         line=int(lines[i]))
    data = raw[rows]
    out = pd.DataFrame({
        "key": key[rows].where(~is_de[rows], "DG"),
        "name": name[rows],
        "level": key[rows].str.len().map(KEY_LEVELS).where(~is_de[rows], "bund"),
        "year": year,
        "line": lines[rows].astype(int),
    })
    values = {}
    for j, col in enumerate(VALUE_COLUMNS):
        cells = pa.array(data[j + 2].to_numpy(dtype=object), pa.string())
        stripped = pc.utf8_trim_whitespace(cells)
        ok = pc.or_(pc.match_substring_regex(stripped, _COUNT.pattern), pc.equal(stripped, ""))
        if not pc.all(ok).as_py():
            k = pc.index(ok, False).as_py()
            i = data.index[k]
            raise ParseError(label, "not a count and not an empty (suppressed) cell", field=f"Spalte {j + 1}",
                             value=cells[k].as_py(), line=int(lines[i]))
        digits = pc.replace_substring(stripped, ",", "")
        nums = pc.cast(pc.if_else(pc.equal(digits, ""), pa.scalar(None, pa.string()), digits), pa.float64())
        values[col] = pd.array(nums, dtype="Float64")
    out = pd.concat([out, pd.DataFrame(values, index=out.index)], axis=1)
    return out.reset_index(drop=True)


def _year(raw: pd.DataFrame, label: str) -> int:
    head = " ".join(" ".join(r) for r in raw.head(8).itertuples(index=False))
    m = _YEAR.search(head)
    if not m:
        raise ParseError(label, "no 'Jahreszahlen <year>' / 'Jahresdurchschnitt <year>' in the title rows")
    return int(m.group(1))


def _physical_lines(raw: pd.DataFrame) -> pd.Series:
    """1-based file line of each frame row: header cells contain line breaks, so count them."""
    breaks = sum(raw[c].str.count("\n") for c in raw.columns)
    return raw.index.to_series() + 1 + breaks.cumsum().shift(fill_value=0)
