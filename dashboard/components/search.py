"""Name search for the autocomplete: umlaut-insensitive, prefix before substring, duplicates disambiguated.

'Halle (Saale)' must be found by 'halle', 'Halle Saale' and 'halle (s'; 'Neustadt' has many hits and
each label carries its Kreis and Land so the user can tell them apart.
"""
from __future__ import annotations

import re
import unicodedata

import pandas as pd

_TRANS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NONWORD = re.compile(r"[^0-9a-z]+")


def normalise(s: str) -> str:
    """casefold, ä→ae…, strip accents (Chóśebuz), punctuation → single spaces."""
    s = str(s).casefold().translate(_TRANS)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return _NONWORD.sub(" ", s).strip()


def _variants(s: str) -> set[str]:
    """Also match 'Muenchen' typed as 'munchen' (umlaut without e)."""
    base = str(s).casefold()
    alt = unicodedata.normalize("NFKD", base)
    alt = "".join(ch for ch in alt if not unicodedata.combining(ch)).replace("ß", "ss")
    return {normalise(s), _NONWORD.sub(" ", alt).strip()}


def build_index(regions: pd.DataFrame) -> pd.DataFrame:
    """regions: ags, name, level, kreis_name, land_name → index with normalised keys and display labels."""
    df = regions[["ags", "name", "level", "kreis_name", "land_name"]].copy()
    df["key"] = df["name"].map(lambda s: " | ".join(sorted(_variants(s))))
    df["short"] = df["name"].map(lambda s: normalise(str(s).split(",")[0]))
    dup = df.groupby(["level", "short"])["ags"].transform("count") > 1
    df["label"] = [_label(r, d) for r, d in zip(df.itertuples(), dup)]
    return df


def _label(r, duplicate: bool) -> str:
    where = []
    if r.level == "gemeinde":
        # the Kreis tells the many 'Neustadt' apart; kreisfreie Städte are their own Kreis
        if isinstance(r.kreis_name, str) and r.kreis_name and r.kreis_name != r.name:
            where.append(r.kreis_name)
        if isinstance(r.land_name, str):
            where.append(r.land_name)
    elif r.level == "kreis" and isinstance(r.land_name, str):
        where.append(r.land_name)
    kind = {"gemeinde": "Gemeinde", "kreis": "Kreis", "land": "Land"}.get(r.level, r.level)
    return f"{r.name} ({kind}{', ' + ', '.join(where) if where else ''}) · {r.ags}"


def search(index: pd.DataFrame, query: str, limit: int = 20) -> pd.DataFrame:
    """Best matches: exact short name, then prefix, then word prefix, then substring; larger units first."""
    q = normalise(query or "")
    if len(q) < 2:
        return index.iloc[0:0]
    if q.isdigit():
        hit = index[index["ags"].str.startswith(q)]
        return hit.head(limit)
    key, short = index["key"], index["short"]
    score = pd.Series(9, index=index.index)
    score[key.str.contains(q, regex=False)] = 4
    score[key.str.contains(" " + q, regex=False)] = 3
    score[key.str.startswith(q) | key.str.contains("| " + q, regex=False)] = 2
    score[short == q] = 1
    level_rank = index["level"].map({"gemeinde": 0, "kreis": 1, "land": 2}).fillna(3)
    hits = index.assign(_s=score, _l=level_rank)
    hits = hits[hits["_s"] < 9].sort_values(["_s", "_l", "name"])
    return hits.drop(columns=["_s", "_l"]).head(limit)
