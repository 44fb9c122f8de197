"""Register statistics of single cities with "Migrationshintergrund": Berlin (AfS A I 16, T1, processed CSVs),
Köln (Stadt Köln, long CSV of the Strukturdaten) and Hamburg (Statistikamt Nord, Stadtteil-Profile xlsx).

Why one module: the three files are small and differ completely in layout, but their readers share the rules
of the project – keys and ids stay text, numbers go through etl.quality (publisher symbols become flags, never
numbers), and any cell that does not fit raises a ParseError naming file, line, field and value. Each reader
returns a tidy frame of what the file publishes; which rows become observations is the step's business.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from ..errors import ParseError
from ..quality import SymbolError, parse_number

# -- Berlin ---------------------------------------------------------------------------------------------------
BERLIN_NAME = re.compile(r"^berlin-lor-population-(\d{4})-(0[12])-t1-(city|districts|planning-areas)\.csv$")
BERLIN_COUNTS = ("inhabitants", "inhabitants_with_migration_background", "inhabitants_germans",
                 "inhabitants_germans_without_migration_background", "inhabitants_germans_with_migration_background",
                 "inhabitants_foreigners")
BERLIN_UNIT = {"city": "stadt", "districts": "bezirk", "planning-areas": "planungsraum"}
BERLIN_ID = {"stadt": re.compile(r"^0$"), "bezirk": re.compile(r"^(0[1-9]|1[0-2])$"),
             "planungsraum": re.compile(r"^\d{8}$")}


def berlin_period(name: str) -> tuple[str, str]:
    """(reference date, unit type) from a T1 file name: suffix -01 is the report of 30.06., -02 of 31.12."""
    m = BERLIN_NAME.match(name)
    if not m:
        raise ParseError(name, "not a Berlin T1 file name (berlin-lor-population-YYYY-0[12]-t1-<level>.csv)",
                         field="name", value=name)
    year, half, level = m.groups()
    return (f"{year}-06-30" if half == "01" else f"{year}-12-31"), BERLIN_UNIT[level]


def _count(raw: str, label: str, field: str, line: int, decimal: str = ".") -> tuple[float | None, str | None]:
    try:
        value, flag = parse_number(raw, decimal=decimal)
    except SymbolError as exc:
        raise ParseError(label, str(exc), field=field, value=raw, line=line) from None
    if value is None and flag is None:
        raise ParseError(label, "empty cell", field=field, value=raw, line=line)
    if value is not None and (value < 0 or value != int(value)):
        raise ParseError(label, "not a count (negative or fractional)", field=field, value=raw, line=line)
    return value, flag


def read_berlin_t1(path: Path | str, name: str | None = None) -> pd.DataFrame:
    """One T1 file -> one row per spatial unit: unit_type, id (text, leading zeros kept), reference_date, the six
    counts, line. The `*_percentage` columns are the repository's recomputations and are not read. Checks the
    identities inhabitants = Germans without MH + with MH and with MH = Germans with MH + foreigners per row."""
    label = name or Path(path).name
    ref, unit = berlin_period(label)
    text = Path(path).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ParseError(label, "empty file")
    header = rows[0]
    missing = [c for c in ("id", *BERLIN_COUNTS) if c not in header]
    if missing:
        raise ParseError(label, f"columns missing (header has {header})", field="header", value=missing[0], line=1)
    idx = {c: header.index(c) for c in ("id", *BERLIN_COUNTS)}
    out = []
    for line, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        if len(r) != len(header):
            raise ParseError(label, f"expected {len(header)} fields, found {len(r)}", line=line, value=",".join(r)[:80])
        uid = r[idx["id"]].strip()
        if not BERLIN_ID[unit].match(uid):
            raise ParseError(label, f"not a {unit} id", field="id", value=uid, line=line)
        rec = {"unit_type": unit, "id": uid, "reference_date": ref, "line": line}
        for c in BERLIN_COUNTS:
            v, flag = _count(r[idx[c]], label, c, line)
            if flag is not None:
                raise ParseError(label, "publisher symbol in a processed table that has none", field=c,
                                 value=r[idx[c]], line=line)
            rec[c] = v
        if rec["inhabitants"] != (rec["inhabitants_germans_without_migration_background"]
                                  + rec["inhabitants_with_migration_background"]):
            raise ParseError(label, "inhabitants != Germans without MH + inhabitants with MH",
                             field="inhabitants", value=r[idx["inhabitants"]], line=line)
        if rec["inhabitants_with_migration_background"] != (rec["inhabitants_germans_with_migration_background"]
                                                            + rec["inhabitants_foreigners"]):
            raise ParseError(label, "with MH != Germans with MH + foreigners",
                             field="inhabitants_with_migration_background",
                             value=r[idx["inhabitants_with_migration_background"]], line=line)
        out.append(rec)
    if not out:
        raise ParseError(label, "no data rows")
    if unit == "stadt" and len(out) != 1:
        raise ParseError(label, f"a city file has one row, found {len(out)}")
    df = pd.DataFrame(out)
    df["id"] = df["id"].astype("string")
    return df


# -- Köln -----------------------------------------------------------------------------------------------------
KOELN_COLUMNS = ("id", "tab_id", "tabelle", "jahr", "raum_id", "raum", "zei_id", "zeile", "zahl")


def _koeln_unit(raum_id: str) -> str:
    if raum_id == "000":
        return "stadt"
    return "stadtbezirk" if raum_id.startswith("00") else "stadtteil"


def read_koeln_long(path: Path | str, name: str | None = None) -> pd.DataFrame:
    """bevoelkerung.csv (Stadt Köln, long: one row per table, year, Raum and line) -> the same rows with
    `value`/`flag` (numbers like "1023101.0": decimal point), `unit_type` (stadt / stadtbezirk / stadtteil from
    raum_id: 000 / 001–009 / 101–909) and the physical `line`. ids stay text."""
    label = name or Path(path).name
    text = Path(path).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != KOELN_COLUMNS:
        raise ParseError(label, f"header must be {','.join(KOELN_COLUMNS)}", field="header",
                         value=",".join(rows[0])[:80] if rows else "", line=1)
    recs = []
    for line, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        if len(r) != len(KOELN_COLUMNS):
            raise ParseError(label, f"expected {len(KOELN_COLUMNS)} fields, found {len(r)}", line=line,
                             value=",".join(r)[:80])
        rec = dict(zip(KOELN_COLUMNS, (c.strip() for c in r)))
        if not re.fullmatch(r"\d{3}", rec["raum_id"]):
            raise ParseError(label, "raum_id is not three digits", field="raum_id", value=rec["raum_id"], line=line)
        if not re.fullmatch(r"\d{4}", rec["jahr"]):
            raise ParseError(label, "not a year", field="jahr", value=rec["jahr"], line=line)
        try:
            value, flag = parse_number(rec["zahl"], decimal=".")
        except SymbolError as exc:
            raise ParseError(label, str(exc), field="zahl", value=rec["zahl"], line=line) from None
        rec.update(value=value, flag=flag, unit_type=_koeln_unit(rec["raum_id"]), line=line)
        recs.append(rec)
    df = pd.DataFrame(recs)
    for c in KOELN_COLUMNS + ("flag", "unit_type"):
        df[c] = df[c].astype("string")
    df["value"] = df["value"].astype("Float64")
    return df


# -- Hamburg --------------------------------------------------------------------------------------------------
HAMBURG_BEZIRKE = ("Hamburg-Mitte", "Altona", "Eimsbüttel", "Hamburg-Nord", "Wandsbek", "Bergedorf", "Harburg")
HAMBURG_COLUMNS = {  # header text in the sheet's third row (soft hyphens as printed) -> tidy name
    "Bevölkerung": "population",
    "Ausländerinnen und Ausländer": "foreigners",
    "Ausländeranteil in %": "foreigners_share",
    "Bevölkerung mit Migrations-hintergrund": "migration_background_persons",
    "Anteil der Bevölkerung mit Migrations-hintergrund in %": "migration_background_share",
    "Unter 18-Jährige mit Migrations-hintergrund": "u18_migration_background_persons",
    "Anteil der unter 18-Jährigen mit Migrations-hintergrund in %": "u18_migration_background_share",
}
_DMY = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})")


def read_hamburg_profile(path: Path | str, name: str | None = None) -> pd.DataFrame:
    """Daten_fuer_die_Stadtteilprofile_<year>.xlsx -> one row per area: name, unit_type (stadtteil / bezirk /
    stadt), reference_date (from the header "Bevölkerung und Haushalte dd.mm.yyyy"), sheet row, and the columns of
    HAMBURG_COLUMNS as value + flag ("." = secret: NULL, flag kept). The sheet has names only, no keys; the city
    is the row "Hamburg", the Bezirke are the seven rows right above it (names checked), the rest Stadtteile
    (four names – Eimsbüttel, Wandsbek, Bergedorf, Harburg – are both a Stadtteil and a Bezirk)."""
    from openpyxl import load_workbook

    label = name or Path(path).name
    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    head_at = next((i for i, r in enumerate(rows[:10]) if r and len(r) > 1 and r[1] == "Bevölkerung"), None)
    if head_at is None:
        raise ParseError(label, "no header row with 'Bevölkerung' in column B among the first 10 rows")
    group = next((str(r[1]) for r in rows[:head_at] if r and len(r) > 1 and r[1]
                  and str(r[1]).startswith("Bevölkerung und Haushalte")), None)
    m = _DMY.search(group or "")
    if not m:
        raise ParseError(label, "no Stichtag in the header group 'Bevölkerung und Haushalte dd.mm.yyyy'",
                         field="header", value=group, line=head_at)
    ref = f"{m.group(3)}-{m.group(2)}-{m.group(1)}"
    header = [str(c).strip() if c is not None else "" for c in rows[head_at]]
    cols = {}
    for text, tidy_name in HAMBURG_COLUMNS.items():
        hits = [j for j, h in enumerate(header) if h == text]
        if len(hits) != 1:
            raise ParseError(label, f"header found {len(hits)} times (expected once)", field="header", value=text,
                             line=head_at + 1)
        cols[tidy_name] = hits[0]
    # the header row is followed by a row of long descriptions; data start at the first numeric population
    first = next((i for i in range(head_at + 1, len(rows))
                  if rows[i] and len(rows[i]) > 1 and isinstance(rows[i][1], (int, float))), None)
    if first is None:
        raise ParseError(label, "no data rows (no numeric 'Bevölkerung' below the header)")
    recs = []
    for i in range(first, len(rows)):
        r = rows[i]
        if r is None or r[0] is None or str(r[0]).strip() == "":
            continue
        rec = {"name": str(r[0]).strip(), "row": i + 1, "reference_date": ref}
        for tidy_name, j in cols.items():
            raw = r[j] if j < len(r) else None
            try:
                v, flag = parse_number(raw)
            except SymbolError as exc:
                raise ParseError(label, str(exc), field=header[j], value=raw, line=i + 1) from None
            rec[tidy_name], rec[f"{tidy_name}_flag"] = v, flag
        recs.append(rec)
    df = pd.DataFrame(recs)
    city = df.index[df["name"].eq("Hamburg")].tolist()
    if len(city) != 1:
        raise ParseError(label, f"expected one row 'Hamburg', found {len(city)}", field="Stadtgebiet", value="Hamburg")
    c = city[0]
    if c + 1 != len(df):
        raise ParseError(label, "rows below the city row 'Hamburg'", field="Stadtgebiet",
                         value=df.loc[c + 1, "name"], line=int(df.loc[c + 1, "row"]))
    bez = df.iloc[c - len(HAMBURG_BEZIRKE):c]
    if tuple(bez["name"]) != HAMBURG_BEZIRKE:
        raise ParseError(label, f"the seven rows above 'Hamburg' must be the Bezirke {HAMBURG_BEZIRKE}",
                         field="Stadtgebiet", value=", ".join(bez["name"]), line=int(bez["row"].iloc[0]))
    df["unit_type"] = "stadtteil"
    df.loc[bez.index, "unit_type"] = "bezirk"
    df.loc[c, "unit_type"] = "stadt"
    return df
