"""Text guards shared by every reader: mojibake (a file decoded with the wrong encoding) is an error.

A UTF-8 file read as latin-1/cp1252 turns 'ä' into 'Ã¤', 'ß' into 'ÃŸ'; a latin-1 file forced through UTF-8
with errors='replace' gives U+FFFD. Neither is ever a real label in German official statistics, so the first
hit is reported with file and line instead of loading broken names.
"""
from __future__ import annotations

import re

import pandas as pd

from ..errors import ParseError

# 'Ã' followed by the cp1252/latin-1 reading of a UTF-8 continuation byte of ä ö ü ß Ä Ö Ü é; U+FFFD
MOJIBAKE = re.compile("Ã[¤¶¼Ÿ„–œ©\u0084\u0096\u009c\u009f]|Â[°§]|\ufffd")


def check_mojibake(text: str, label: str) -> None:
    """Raise ParseError naming file, line and the broken word at the first mojibake sequence in `text`."""
    m = MOJIBAKE.search(text)
    if m is None:
        return
    line = text.count("\n", 0, m.start()) + 1
    start = text.rfind("\n", 0, m.start()) + 1
    end = text.find("\n", m.end())
    snippet = text[start:end if end >= 0 else len(text)].strip()[:60]
    raise ParseError(label, f"mojibake {m.group(0)!r}: the file was decoded with the wrong encoding "
                     "(UTF-8 read as latin-1, or the reverse)", line=line, value=snippet)


def frame_mojibake(df: pd.DataFrame) -> tuple[str, int, str] | None:
    """(column, row position, value) of the first mojibake cell in the text columns of `df`, else None."""
    for col in df.columns:
        s = df[col]
        if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
            continue
        s = s.dropna()
        if s.empty or isinstance(s.iloc[0], (bytes, bytearray, memoryview)):
            continue  # binary columns (geometry WKB) are no text
        uniq = pd.Series(pd.unique(s.astype(str)))
        hit = uniq[uniq.str.contains(MOJIBAKE.pattern, regex=True)]
        if len(hit):
            value = hit.iloc[0]
            pos = int(df.index.get_loc(s.index[s.astype(str).eq(value).to_numpy().argmax()]))
            return str(col), pos, value
    return None
