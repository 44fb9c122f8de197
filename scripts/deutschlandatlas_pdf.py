"""Authoring helper: the indicator entries of a Deutschlandatlas PDF (Kürzel, page, title, description,
Gebietsstand, year, Datenbasis, Methodischer Hinweis) as JSON, used to write etl/indicators/deutschlandatlas.yml
and the `reference_years` of etl/catalogue/deutschlandatlas.yml. Needs pypdf (test extra).

    python scripts/deutschlandatlas_pdf.py ../shared/opendata/deutschlandatlas_2026-04-22/extracted_from_xlsx_*.pdf
"""
from __future__ import annotations

import json
import re
import sys

from etl.parsers.deutschlandatlas import header_year, pdf_text

_HEAD = re.compile(r"^(?:Seite|S\s*$|Sei\s*$|eite|te \d)")


def _clean(s: str) -> str:
    s = re.sub(r"\s+", " ", s).strip()
    return re.sub(r"(\w)- (?!und\b|oder\b|bis\b)([a-zäöüß])", r"\1\2", s)  # line-break hyphens


def entries(path: str) -> dict[str, dict]:
    lines: list[tuple[int, str]] = []
    for page, text in enumerate(pdf_text(path), 1):
        for line in text.splitlines():
            lines.append((page, line))
    out: dict[str, dict] = {}
    starts = [i for i, (_, l) in enumerate(lines) if "ndikatorenkürzel:" in l.replace(" ", "")]
    for n, i in enumerate(starts):
        page, line = lines[i]
        squashed = line.replace(" ", "")
        code = squashed.split("ndikatorenkürzel:")[1].strip()
        title = line.split("|")[0] if "|" in line and not line.strip().startswith("|") else lines[i - 1][1].split("|")[0]
        if "ndikatorenkürzel" in title.replace(" ", ""):
            title = lines[i - 1][1].split("|")[0]
        end = len(lines)
        if n + 1 < len(starts):  # the next entry's title is on its Kürzel line or on the line before it
            nxt = lines[starts[n + 1]][1]
            end = starts[n + 1] if nxt.split("|")[0].strip() and "|" in nxt else starts[n + 1] - 1
        body = [l for _, l in lines[i + 1:end] if not re.search(r"\|\s*Stand: ", l) and not re.match(r"^\s*(S|Sei|eite \d+ von \d+|te \d+ von \d+)\s*$", l)]
        text = "\n".join(body)
        m_gs = re.search(r"Gebietsstand:\s*([A-Z]+\s*\d{4})", text)
        desc = _clean(text.split("Gebietsstand:")[0])
        hint = text.split("Methodischer Hinweis:")[1] if "Methodischer Hinweis:" in text else ""
        basis = text.split("Datenbasis:")[1].split("Methodischer Hinweis:")[0] if "Datenbasis:" in text else ""
        out[code] = {"page": page, "title": _clean(title), "description": desc,
                     "gebietsstand": m_gs.group(1).replace(" ", "") if m_gs else None,
                     "year": header_year(desc), "datenbasis": _clean(basis), "hinweis": _clean(hint)}
    return out


if __name__ == "__main__":
    print(json.dumps(entries(sys.argv[1]), ensure_ascii=False, indent=1))
