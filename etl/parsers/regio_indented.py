"""Re-packaged Regionaldatenbank exports without title/footer: `Stichtag;key;indented name;value`.

Why a reader of its own: these copies lost the GENESIS header, and the keys lost their leading zeros
(Land "1", Kreis "1001"), so a 2-digit key can be a Land ("10") or a Regierungsbezirk ("31"). The
publisher's indentation of the name (2 spaces Land, 4 Regierungsbezirk/Statistische Region, 6 Kreis
or Gemeinde) decides the level; the key is then zero-filled to that level's length (and we say so).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import ParseError
from ..quality import SymbolError, parse_number
from .regio_csv import decode

INDENT_LEVEL = {0: "bund", 2: "land", 4: "regierungsbezirk", 6: "kreis"}
KEY_LENGTH = {"land": 2, "regierungsbezirk": 3, "kreis": 5, "gemeinde": 8}


def read_indented(path: Path | str, name: str) -> pd.DataFrame:
    """One row per data line: line, date (ISO), key (zero-filled), raw_key, name, level, value, flag."""
    text, _ = decode(Path(path).read_bytes())
    lines = text.splitlines()
    if not lines:
        raise ParseError(name, "empty file")
    rows = []
    for i, line in enumerate(lines[1:], 2):  # line 1 is the column header
        if not line.strip():
            continue
        cells = line.split(";")
        if len(cells) != 4:
            raise ParseError(name, f"expected 4 fields, found {len(cells)}", line=i, value=line[:80])
        date, key, label, raw = cells
        m = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})", date.strip())
        if not m:
            raise ParseError(name, "not a date dd.mm.yyyy", field="Stichtag", value=date, line=i)
        indent = len(label) - len(label.lstrip(" "))
        key = key.strip()
        if key == "DG":
            level = "bund"
        elif indent not in INDENT_LEVEL or not key.isdigit():
            raise ParseError(name, f"unexpected key/indentation (indent {indent})", field="key", value=key, line=i)
        else:
            level = INDENT_LEVEL[indent]
            if level == "kreis" and len(key) > 5:
                level = "gemeinde"  # cities inside Kreise (Hannover, Aachen, Saarbrücken), Berlin Bezirke
            if len(key) > KEY_LENGTH[level]:
                raise ParseError(name, f"key longer than a {level} key", field="key", value=key, line=i)
            key = key.zfill(KEY_LENGTH[level])  # leading zeros lost in the re-packaged copy
        try:
            value, flag = parse_number(raw.strip())
        except SymbolError as exc:
            raise ParseError(name, str(exc), field="value", value=raw, line=i) from None
        rows.append({"line": i, "date": f"{m.group(3)}-{m.group(2)}-{m.group(1)}", "key": key,
                     "raw_key": cells[1].strip(), "name": label.strip(), "level": level, "value": value,
                     "flag": flag})
    if not rows:
        raise ParseError(name, "no data lines")
    df = pd.DataFrame(rows)
    dup = df.duplicated(["date", "level", "key"])
    if dup.any():
        r = df[dup].iloc[0]
        raise ParseError(name, "duplicate key", field="key", value=r["key"], line=int(r["line"]))
    return df
