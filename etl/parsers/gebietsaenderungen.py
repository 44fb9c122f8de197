"""Destatis GV-ISys "Gebietsänderungen" (Namens-, Grenz- und Schlüsseländerungen), one xlsx per period.

Why it is parsed record by record: the sheet has a two-row header (Abgebende / Aufnehmende Gemeinde,
Wirksamkeitsdatum), records for Gemeinden and Gemeindeverbände, footnotes that define the Änderungsart
codes, and in some files keys, areas and populations are stored as text, in others as numbers. Keys are
kept as text (they carry leading zeros in the file); the code meanings are read from footnote 1) of the
same sheet rather than hard-coded, so a changed legend is picked up (and an unknown code raises).
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pandas as pd

from ..errors import ParseError
from ..quality import SymbolError, parse_number

SHEET = "Gebietsaenderungen"
_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
_PERIOD = re.compile(r"vom\s+(\d{2})\.(\d{2})\.(?:(\d{4}))?\s*(?:-|bis)\s*(\d{2})\.(\d{2})\.(\d{4})")
_LEGEND = re.compile(r"^\s*(\d+)\s*=\s*(.+?)\s*$")
# column positions below the header row "Kennziffer | Regionaleinheit | Abgebende … | Aufnehmende … | Wirksamkeitsdatum"
COLUMNS = ("kennziffer", "regionaleinheit", "from_ars", "from_ags", "from_name", "change_type", "area_sqm",
           "population", "to_ars", "to_ags", "to_name", "effective_legal", "effective_statistical")


def _text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    return s or None


def _date(v: object, label: str, row: int, field: str) -> str | None:
    if v is None:
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v.strftime("%Y-%m-%d")
    m = _DATE.match(str(v).strip())
    if not m:
        raise ParseError(label, "not a date dd.mm.yyyy", field=field, value=v, line=row)
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}"


def _key(v: object, digits: int, label: str, row: int, field: str) -> str | None:
    s = _text(v)
    if s is None:
        return None
    if not s.isdigit() or len(s) not in (digits, digits - 1):
        raise ParseError(label, f"not a {digits}-digit key", field=field, value=v, line=row)
    return s.zfill(digits)  # numeric cells lose the leading zero of Länder 01–09


def parse_gebietsaenderungen(path: Path | str) -> pd.DataFrame:
    """One row per record: kennziffer, regionaleinheit (Gemeinde | Gemeindeverband), from_ars, from_ags,
    from_name, change_types (list of int codes), change_type (text as published), change_meaning,
    area_sqm, population (+ _flag), to_ars, to_ags, to_name, effective_legal, effective_statistical
    (ISO dates), period_start, period_end, row."""
    label = str(path)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if SHEET not in wb.sheetnames:
            raise ParseError(label, f"sheet {SHEET!r} not found; sheets: {wb.sheetnames}")
        rows = list(wb[SHEET].iter_rows(values_only=True, max_col=len(COLUMNS)))
    finally:
        wb.close()
    period = None
    header_row = None
    legend: dict[int, str] = {}
    in_legend = False
    records = []
    for i, r in enumerate(rows, 1):
        r = tuple(r) + (None,) * (len(COLUMNS) - len(r))
        first = _text(r[0])
        if first and period is None and (m := _PERIOD.search(first)):
            d1, m1, y1, d2, m2, y2 = m.groups()
            period = (f"{y1 or y2}-{m1}-{d1}", f"{y2}-{m2}-{d2}")
            continue
        if first == "Kennziffer":
            header_row = i
            continue
        if first and first.startswith("1)") and "nderungsart" in first:
            in_legend = True
            continue
        if in_legend:
            m = _LEGEND.match(first or "")
            if m:
                legend[int(m.group(1))] = m.group(2)
                continue
            in_legend = False
        if header_row is None or r[1] not in ("Gemeinde", "Gemeindeverband"):
            continue
        rec = dict(zip(COLUMNS, r))
        digits = 12 if rec["regionaleinheit"] == "Gemeinde" else 9
        rec["kennziffer"] = first
        rec["from_ars"] = _key(rec["from_ars"], digits, label, i, "ARS (abgebend)")
        rec["to_ars"] = _key(rec["to_ars"], digits, label, i, "ARS (aufnehmend)")
        rec["from_ags"] = _key(rec["from_ags"], 8, label, i, "AGS (abgebend)")
        rec["to_ags"] = _key(rec["to_ags"], 8, label, i, "AGS (aufnehmend)")
        rec["from_name"], rec["to_name"] = _text(rec["from_name"]), _text(rec["to_name"])
        code = _text(rec["change_type"])
        if code is None or not re.fullmatch(r"\d+(\s*,\s*\d+)*", code):
            raise ParseError(label, "Änderungsart is not a code list", field="Änderungsart", value=code, line=i)
        rec["change_type"] = code
        rec["change_types"] = [int(c) for c in code.split(",")]
        try:
            rec["area_sqm"] = parse_number(_text(rec["area_sqm"]))[0]
            rec["population"], rec["population_flag"] = parse_number(_text(rec["population"]))
        except SymbolError as exc:
            raise ParseError(label, str(exc), line=i) from None
        rec["effective_legal"] = _date(rec["effective_legal"], label, i, "Wirksamkeitsdatum juristisch")
        rec["effective_statistical"] = _date(rec["effective_statistical"], label, i, "Wirksamkeitsdatum statistisch")
        rec["row"] = i
        records.append(rec)
    if header_row is None:
        raise ParseError(label, "header row 'Kennziffer' not found")
    if period is None:
        raise ParseError(label, "title 'Gebietsänderungen vom … - …' not found")
    if not legend:
        raise ParseError(label, "footnote '1) Änderungsart:' with the code legend not found")
    df = pd.DataFrame(records, columns=[*COLUMNS, "change_types", "population_flag", "row"])
    unknown = sorted({c for cs in df["change_types"] for c in cs} - set(legend))
    if unknown:
        raise ParseError(label, f"Änderungsart codes {unknown} are not in the footnote legend {legend}")
    df["change_meaning"] = df["change_types"].map(lambda cs: ", ".join(legend[c] for c in cs))
    df["period_start"], df["period_end"] = period
    df["area_sqm"] = df["area_sqm"].astype("Float64")
    df["population"] = df["population"].astype("Float64")
    return df
