"""The GWK table "Königsteiner Schlüssel für das Jahr …" (one-page PDF made from Excel): Länder × years in %.

pypdf extracts the page as text lines: a line of years, the Bundesanzeiger reference of each year's key, then one
line per Land (long names broken after their hyphen: "Baden-" / "Württemberg 12,80360 % …") and "Zusammen".
The reader rebuilds those lines, maps the 16 written-out Land names to their keys (the PDF has no codes) and
parses each "12,80360 %" through etl.quality. Anything else (a 17th name, a missing value, a year line that does
not match the number of values) is a ParseError naming the file, the line and the value.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import ParseError
from ..quality import SymbolError, parse_number

LAENDER = {
    "Schleswig-Holstein": "01", "Hamburg": "02", "Niedersachsen": "03", "Bremen": "04", "Nordrhein-Westfalen": "05",
    "Hessen": "06", "Rheinland-Pfalz": "07", "Baden-Württemberg": "08", "Bayern": "09", "Saarland": "10",
    "Berlin": "11", "Brandenburg": "12", "Mecklenburg-Vorpommern": "13", "Sachsen": "14", "Sachsen-Anhalt": "15",
    "Thüringen": "16",
}
TOTAL = "Zusammen"
_YEARS = re.compile(r"^\s*((?:(?:19|20)\d{2}\s+)+(?:19|20)\d{2})\s*$")
_ROW = re.compile(r"^(?P<name>[^\d%]+?)\s+(?P<values>\d[\d,.\s%]*%)\s*$")
_VALUE = re.compile(r"(\S+)\s*%")


def pdf_lines(path: Path | str) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return [ln for page in reader.pages for ln in (page.extract_text() or "").splitlines()]


def read_koenigsteiner_pdf(path: Path | str, name: str | None = None,
                           lines: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shares, banz): shares = one row per Land (and "Zusammen") and year: name, ags ("DG" for Zusammen),
    year, value (in %), raw, line; banz = year and the printed Bundesanzeiger reference of that year's key."""
    label = name or Path(path).name
    lines = pdf_lines(path) if lines is None else lines
    y_at = next((i for i, ln in enumerate(lines) if _YEARS.match(ln)), None)
    if y_at is None:
        raise ParseError(label, "no line of years (e.g. '2010 2011 … 2020') in the PDF text")
    years = [int(y) for y in lines[y_at].split()]
    if years != list(range(years[0], years[0] + len(years))):
        raise ParseError(label, "years are not consecutive", field="years", value=lines[y_at], line=y_at + 1)
    rows, banz_text, pending, pending_at = [], [], "", None
    for i in range(y_at + 1, len(lines)):
        ln = lines[i].strip()
        if not ln:
            continue
        m = _ROW.match((pending + ln) if pending else ln)
        if m and "%" in ln:
            rows.append((m.group("name").strip(), m.group("values"), pending_at or i + 1))
            pending, pending_at = "", None
            if m.group("name").strip() == TOTAL:
                break
        elif re.fullmatch(r"[A-ZÄÖÜ][A-Za-zÄÖÜäöüß-]*-", ln):
            pending, pending_at = ln, i + 1      # "Baden-" + next line "Württemberg 12,80360 % …"
        elif not rows:
            banz_text.append(ln)
        else:
            raise ParseError(label, "unexpected text between the Land rows", value=ln[:60], line=i + 1)
    out = []
    for lname, values, line in rows:
        ags = "DG" if lname == TOTAL else LAENDER.get(lname)
        if ags is None:
            raise ParseError(label, f"not one of the 16 Länder {sorted(LAENDER)}", field="Land", value=lname,
                             line=line)
        raws = _VALUE.findall(values)
        if len(raws) != len(years):
            raise ParseError(label, f"{len(raws)} values for {len(years)} years", field=lname, value=values[:60],
                             line=line)
        for year, raw in zip(years, raws):
            try:
                v, flag = parse_number(raw, decimal=",")
            except SymbolError as exc:
                raise ParseError(label, str(exc), field=f"{lname} {year}", value=raw, line=line) from None
            if v is None or flag is not None:
                raise ParseError(label, "not a number", field=f"{lname} {year}", value=raw, line=line)
            out.append({"name": lname, "ags": ags, "year": year, "value": v, "raw": raw, "line": line})
    shares = pd.DataFrame(out)
    got = set(shares.loc[shares["ags"].ne("DG"), "ags"]) if len(shares) else set()
    if got != set(LAENDER.values()):
        missing = sorted(set(LAENDER) - {n for n in shares.get("name", [])})
        raise ParseError(label, "not all 16 Länder found", field="Land", value=", ".join(missing))
    dup = shares.duplicated(["ags", "year"])
    if dup.any():
        raise ParseError(label, "Land twice", field="Land", value=shares.loc[dup, "name"].iloc[0])
    refs = [" ".join(p.split()) for p in re.split(r"(?i)(?=\bbanz\b)", " ".join(banz_text)) if p.strip()]
    banz = pd.DataFrame({"year": years, "banz": refs if len(refs) == len(years) else [None] * len(years)})
    return shares, banz
