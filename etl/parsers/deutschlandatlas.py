"""Deutschlandatlas data workbooks ("Daten zum Deutschlandatlas", Destatis for the BMWSB), both layouts.

One workbook holds one data sheet per level and Gebietsstand, named `Deutschlandatlas_<LEVEL><MMYY>`
(GEM = Gemeinden, KRS = Kreise, VBGEM = Gemeindeverbände; MMYY = Gebietsstand, e.g. KRS1224 → 31.12.2024).
Two layouts exist (see the SOURCE.md of each store folder):

* edition 12.12.2024: row 1 is the header; indicator headers are the bare Kürzel (`kbetr_u3`);
* edition 22.04.2026 ("barrierefrei"): title rows first, the header row has `Indikatorkürzel: <code>\\n\\n<description
  with the year>`, the last row reads "Ende der Tabelle.".

The header row is found by its key cell (GKZ/KRS/VBG + MMYY), not by a row number, so both layouts read alike.
Quirks handled here, each failing loudly when it is not what we expect:

* keys are Excel integers (leading zeros lost; VBGEM1219 mixes text and integers): rebuilt as strings with
  `str(int(x)).zfill(8)` — Gemeindeverband keys to the sheet's widest key (8 or 9 digits). Kreis keys must end in
  '000'; the Kreis AGS is the first 5 digits.
* the 2026 KRS1224 key header is misspelled `KRS12224` (accepted as a known alias; any other mismatch is an error);
* -9999 (and -99999, which the PDF names for st_einnkr) = "Fehlender Wert": value NULL with the project flag
  "missing", never a number; the few empty cells (v_lte, v_5g) likewise, each named in the notes;
* class-label columns (preis_miet, preis_baul: "8,50 bis unter 10,00") are text, not numeric indicators: they are
  skipped with a note; any other text in a numeric column is an error.

This module does not decide which indicator a code belongs to or which date it refers to: that is the step's job
(etl/steps/deutschlandatlas.py) with etl/indicators/deutschlandatlas.yml and the catalogue.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ParseError

SHEET = re.compile(r"^Deutschlandatlas_(GEM|KRS|VBGEM)(\d{2})(\d{2})$")
LEVEL = {"GEM": "gemeinde", "KRS": "kreis", "VBGEM": "gemeindeverband"}  # gemeindeverband: staged only
KEY_PREFIX = {"GEM": "GKZ", "KRS": "KRS", "VBGEM": "VBG"}
KEY_HEADER = re.compile(r"^(GKZ|KRS|VBG)\d{4,5}$")
KNOWN_KEY_HEADER_TYPOS = {"KRS12224": "KRS1224"}  # edition 22.04.2026, sheet KRS1224 (see SOURCE.md)
CODE = re.compile(r"Indikatork(?:ü|ue)rzel:\s*(\S+)")
YEAR = re.compile(r"\b((?:19|20)\d{2})(?:\s*[-–]\s*(\d{2})\b)?")
MISSING_CODES = (-9999.0, -99999.0)  # publisher's "Fehlender Wert"; -99999 for st_einnkr (PDF, Steuereinnahmekraft)
MISSING_FLAG = "missing"
CLASS_LABEL = re.compile(r"^\s*([\d.,]+\s*)?(bis unter\s*[\d.,]+|und mehr)\s*$")  # "bis unter 5,50" too
END_OF_TABLE = "Ende der Tabelle."
MAX_HEADER_ROW = 10


@dataclass
class AtlasWorkbook:
    """values: one row per published cell of a numeric column (sheet, gebietsstand, level, ags, name, code,
    description, header_year, value, flag); columns: one row per indicator column with its kind (numeric |
    text_class); classes: the class labels of text columns (sheet, gebietsstand, level, ags, code, label), staged
    but not indicators; notes: what was skipped and why."""
    values: pd.DataFrame
    columns: pd.DataFrame
    classes: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def header_year(description: str | None) -> int | None:
    """The latest year named in a header/PDF description ("zwischen 2019 und 2024" → 2024, "2021-24" → 2024)."""
    if not description:
        return None
    years = []
    for y, short in YEAR.findall(description):
        years.append(int(y[:2] + short) if short else int(y))
    return max(years) if years else None


def sheet_gebietsstand(sheet: str) -> tuple[str, str] | None:
    """(level code, ISO Gebietsstand) of a data sheet name, e.g. KRS1224 → ('KRS', '2024-12-31'); None otherwise."""
    m = SHEET.match(sheet)
    if not m:
        return None
    prefix, mm, yy = m.group(1), int(m.group(2)), 2000 + int(m.group(3))
    if not 1 <= mm <= 12:
        return None
    return prefix, dt.date(yy, mm, calendar.monthrange(yy, mm)[1]).isoformat()


class _Where:
    def __init__(self, dataset: str, file: str):
        self.label = f"dataset {dataset}: {file}"

    def fail(self, message: str, sheet: str, column: str | None = None, value: object = None,
             row: int | None = None) -> ParseError:
        fld = f"sheet {sheet}" + (f", column {column!r}" if column is not None else "")
        return ParseError(self.label, message, field=fld, value=value, line=row)


def _key_strings(raw: pd.Series, prefix: str, sheet: str, col: str, where: _Where, first_row: int) -> pd.Series:
    """Keys as strings with leading zeros. The workbook stores most keys as Excel integers (leading zero lost),
    so integers are rebuilt with str(int(x)).zfill(n) — the only place a key is ever an int, and only on input."""
    is_text = raw.map(type).eq(str).to_numpy()
    text = raw.where(is_text).astype("string").str.strip()
    num = pd.to_numeric(raw.where(~is_text), errors="coerce")
    ok_text = text.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)
    ok_num = (num.notna() & (num % 1 == 0)).to_numpy()
    bad = ~np.where(is_text, ok_text, ok_num)
    if bad.any():
        i = int(np.argmax(bad))
        raise where.fail("key is not an integer or a digit string", sheet, col, raw.iloc[i], first_row + i)
    keys = pd.Series(np.where(is_text, text.fillna("").to_numpy(dtype=object),
                              num.fillna(0).astype("int64").astype(str).to_numpy(dtype=object)),
                     index=raw.index, dtype="string")
    width = 8 if prefix != "VBGEM" else max(8, int(keys.str.len().max()))
    too_long = (keys.str.len() > width).to_numpy()
    if too_long.any():
        i = int(np.argmax(too_long))
        raise where.fail(f"key longer than {width} digits", sheet, col, keys.iloc[i], first_row + i)
    keys = keys.str.zfill(width)
    if prefix == "KRS":
        bad = (~keys.str.endswith("000")).to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise where.fail("Kreis key does not end in '000' (expected AGS5 + '000')", sheet, col, keys.iloc[i],
                             first_row + i)
        keys = keys.str[:5]
    dup = keys.duplicated().to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        raise where.fail("duplicate key", sheet, col, keys.iloc[i], first_row + i)
    return keys


def _header_row(df: pd.DataFrame) -> int | None:
    for i in range(min(MAX_HEADER_ROW, len(df))):
        v = df.iat[i, 0]
        if isinstance(v, str) and KEY_HEADER.match(v.strip()):
            return i
    return None


def _code_and_description(header: object) -> tuple[str, str | None]:
    text = str(header).strip()
    m = CODE.search(text)
    if m:
        desc = text[m.end():].strip()
        return m.group(1).strip(), (re.sub(r"\s+", " ", desc) or None)
    return text, None


def _numeric(raw: pd.Series, vals: pd.Series, code: str, sheet: str, where: _Where, first_row: int,
             keys: pd.Series) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(value, missing, empty keys) of one numeric column: -9999/-99999 → NULL + 'missing'; an empty cell (a
    handful in v_lte/v_5g) is no value either → NULL + 'missing', and its key is reported; text is an error."""
    empty = raw.isna().to_numpy()
    bad = vals.isna().to_numpy() & ~empty
    if bad.any():
        i = int(np.argmax(bad))
        raise where.fail("text in a numeric indicator column", sheet, code, raw.iloc[i], first_row + i)
    v = vals.to_numpy(dtype="float64", na_value=np.nan)
    missing = np.isin(v, MISSING_CODES) | empty
    v = np.where(missing, np.nan, v)
    return v, missing, keys[empty].tolist()


def read_sheets(path: Path | str) -> dict[str, pd.DataFrame]:
    """Every sheet as raw cells (no header); calamine reads a 3.5 MB workbook in ~2 s (openpyxl: ~30 s)."""
    return pd.read_excel(path, sheet_name=None, header=None, engine="calamine")


def read_workbook(path: Path | str, dataset: str = "deutschlandatlas", file: str | None = None,
                  sheets: dict[str, pd.DataFrame] | None = None) -> AtlasWorkbook:
    """Read one Deutschlandatlas workbook (either layout) into a tidy frame; see the module docstring."""
    where = _Where(dataset, file or Path(path).name)
    sheets = read_sheets(path) if sheets is None else sheets
    parts: dict[str, list] = {k: [] for k in ("col", "ags", "name", "value", "missing")}
    cols, notes, classes = [], [], []
    data_sheets = 0
    for sheet, df in sheets.items():
        parsed = sheet_gebietsstand(sheet)
        if parsed is None:
            if sheet.startswith("Deutschlandatlas_"):
                raise where.fail("sheet name does not follow Deutschlandatlas_<GEM|KRS|VBGEM><MMYY>", sheet)
            continue  # Vorblatt, Titel, Impressum, ...: text only
        prefix, gebietsstand = parsed
        data_sheets += 1
        h = _header_row(df)
        if h is None:
            raise where.fail(f"no header row with a key column (GKZ/KRS/VBG…) in the first {MAX_HEADER_ROW} rows",
                             sheet)
        header = [None if pd.isna(c) else str(c).strip() for c in df.iloc[h].tolist()]
        key_header = KNOWN_KEY_HEADER_TYPOS.get(header[0], header[0])
        expected = KEY_PREFIX[prefix] + sheet[-4:]
        if key_header != expected:
            raise where.fail(f"key column header should be {expected!r}", sheet, header[0], header[0], h + 1)
        body = df.iloc[h + 1:]
        first = body.iloc[:, 0]
        end = np.flatnonzero(first.map(lambda v: isinstance(v, str) and v.strip() == END_OF_TABLE).to_numpy())
        if len(end):
            body = body.iloc[: end[0]]
        body = body[~body.isna().all(axis=1)]
        first_row = h + 2  # Excel row number of the first data row
        keys = _key_strings(body.iloc[:, 0], prefix, sheet, header[0], where, first_row)
        names = body.iloc[:, 1].astype("string").to_numpy(dtype=object)
        ags = keys.to_numpy(dtype=object)
        level = LEVEL[prefix]
        for j in range(2, len(header)):
            raw = body.iloc[:, j]
            if header[j] is None:
                if raw.notna().any():
                    raise where.fail("data in a column without header", sheet, f"#{j + 1}", None, h + 1)
                continue
            code, desc = _code_and_description(header[j])
            info = {"sheet": sheet, "gebietsstand": gebietsstand, "level": level, "code": code,
                    "header": header[j], "description": desc, "header_year": header_year(desc),
                    "n_rows": len(raw)}
            vals = pd.to_numeric(raw, errors="coerce")
            non_null = raw[raw.notna()]
            if len(non_null) and vals[raw.notna()].isna().all():  # every cell is text: class labels?
                labels = non_null.astype(str)
                odd = labels[~labels.str.match(CLASS_LABEL)]
                if len(odd):
                    raise where.fail("text column that is not a class label ('x bis unter y')", sheet, code,
                                     odd.iloc[0], first_row + raw.index.get_loc(odd.index[0]))
                cols.append({**info, "kind": "text_class", "n_missing": int(raw.isna().sum())})
                classes.append(pd.DataFrame({"sheet": sheet, "gebietsstand": gebietsstand, "level": level,
                                             "ags": ags, "code": code, "label": raw.astype("string").to_numpy()}))
                notes.append(f"{sheet} {code}: class labels (text, e.g. {labels.iloc[0]!r}), not a numeric "
                             "indicator: skipped")
                continue
            value, missing, empty = _numeric(raw, vals, code, sheet, where, first_row, keys)
            if empty:
                notes.append(f"{sheet} {code}: {len(empty)} empty cell(s) (no -9999 either) read as missing: "
                             f"{', '.join(empty[:5])}")
            cols.append({**info, "kind": "numeric", "n_missing": int(missing.sum())})
            parts["col"].append(np.full(len(value), len(cols) - 1))
            parts["ags"].append(ags)
            parts["name"].append(names)
            parts["value"].append(value)
            parts["missing"].append(missing)
    if not data_sheets:
        raise ParseError(where.label, "no Deutschlandatlas_<GEM|KRS|VBGEM><MMYY> data sheet found")
    columns = pd.DataFrame(cols, columns=["sheet", "gebietsstand", "level", "code", "header", "description",
                                          "header_year", "n_rows", "kind", "n_missing"])
    columns["header_year"] = columns["header_year"].astype("Int64")
    if parts["col"]:
        idx = np.concatenate(parts["col"])
        meta = columns.iloc[idx][["sheet", "gebietsstand", "level", "code", "description", "header_year"]]
        values = meta.reset_index(drop=True)
        values.insert(3, "ags", np.concatenate(parts["ags"]))
        values.insert(4, "name", np.concatenate(parts["name"]))
        missing = np.concatenate(parts["missing"])
        values["value"] = pd.array(np.concatenate(parts["value"]), dtype="Float64")
        values["flag"] = pd.array(np.where(missing, MISSING_FLAG, None), dtype="string")
    else:
        values = pd.DataFrame(columns=["sheet", "gebietsstand", "level", "ags", "name", "code", "description",
                                       "header_year", "value", "flag"])
    values = values.astype({"sheet": "string", "gebietsstand": "string", "level": "string", "ags": "string",
                            "name": "string", "code": "string", "description": "string",
                            "header_year": "Int64", "value": "Float64", "flag": "string"})
    class_frame = (pd.concat(classes, ignore_index=True) if classes else
                   pd.DataFrame(columns=["sheet", "gebietsstand", "level", "ags", "code", "label"])).astype("string")
    return AtlasWorkbook(values=values, columns=columns, classes=class_frame, notes=notes)


def pdf_text(path: Path | str) -> list[str]:
    """Text of each page of the embedded indicator PDF (authoring and tests only; needs pypdf)."""
    from pypdf import PdfReader  # not needed by the ETL itself

    return [p.extract_text() or "" for p in PdfReader(str(path)).pages]


def squash(text: str) -> str:
    """Text without whitespace and line-break hyphens, lower-cased: pypdf splits words ("Landwi rtschaft",
    "Mi-\\nnuten"), so phrases are compared in this form."""
    text = re.sub(r"-\s*\n\s*", "", text)
    return re.sub(r"\s+", "", text).lower()
