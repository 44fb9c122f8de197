"""Publishers' quality symbols: kept as flags, never silently turned into numbers.

"-"  nichts vorhanden / genau null  -> value 0.0, flag "-"   (a true zero)
"."  Zahlenwert unbekannt oder geheim -> value None, flag "."
"x"  Tabellenfach gesperrt / nicht sinnvoll -> value None, flag "x"
"/"  keine Angabe, zu unsicher -> value None, flag "/"
"..." Angabe fällt später an -> value None, flag "..."
Anything else that is not a number raises, naming the value, so a new symbol is
noticed instead of becoming 0 or NaN unnoticed.
"""
from __future__ import annotations

import math
import re

SYMBOLS = {"-": 0.0, ".": None, "x": None, "/": None, "...": None}
MISSING_SYMBOLS = frozenset({".", "x", "/", "..."})
ALLOWED_FLAGS = frozenset(SYMBOLS) | {"e", "p", "r", "s"}  # e endgültig, p vorläufig, r berichtigt, s geschätzt

_TRAILING_FLAG = re.compile(r"^(?P<num>[-+]?[\d.,]+)\s*(?P<flag>[eprs])$")


class SymbolError(ValueError):
    pass


def parse_number(raw: object, decimal: str = ".", thousands: str | None = None) -> tuple[float | None, str | None]:
    """Return (value, flag) for one published cell.

    `decimal`/`thousands` describe the file's number format (e.g. "," and "." for German CSVs).
    Empty cells return (None, None): "no row" is different from a published symbol.
    """
    if raw is None:
        return None, None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if isinstance(raw, float) and math.isnan(raw):
            return None, None
        return float(raw), None
    s = str(raw).strip().strip('"').strip()
    if s == "":
        return None, None
    if s in SYMBOLS:
        return SYMBOLS[s], s
    flag = None
    m = _TRAILING_FLAG.match(s)
    if m:
        s, flag = m.group("num"), m.group("flag")
    if thousands:
        s = s.replace(thousands, "")
    if decimal != ".":
        s = s.replace(decimal, ".")
    s = s.replace(" ", "")
    try:
        return float(s), flag
    except ValueError:
        raise SymbolError(f"not a number and not a known quality symbol: {raw!r}") from None
