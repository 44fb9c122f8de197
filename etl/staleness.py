"""How old the newest value of an indicator is, per level: "kreis 2025-12-31 (0.9 J.)".

Why its own module: the CLI (`integrationsatlas indicators`) and the Sources page say the same thing
about staleness; the age is counted from today's date, so it is computed when shown, not when built.
"""
from __future__ import annotations

import datetime as dt

LEVEL_ORDER = ("gemeinde", "kreis", "land", "bund")


def age_years(date: dt.date | str, today: dt.date | None = None) -> float:
    d = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date)[:10])
    return round(((today or dt.date.today()) - d).days / 365.25, 1)


SHORT = {"gemeinde": "Gem", "kreis": "Krs", "land": "Land", "bund": "DE"}


def latest_per_level(latest_by_level, today: dt.date | None = None, unit: str = "J.") -> str:
    """'2025-12-31 (0.9 J.): Krs, Land, DE; 2016-12-31 (9.9 J.): Gem' — levels that share their latest date
    are named together, newest first (from the warehouse map level -> latest date)."""
    if latest_by_level is None:
        return ""
    items = dict(latest_by_level) if not isinstance(latest_by_level, dict) else latest_by_level
    if "key" in items and "value" in items:  # DuckDB MAP arrives as {'key': [...], 'value': [...]}
        items = dict(zip(items["key"], items["value"]))
    by_date: dict[str, list[str]] = {}
    for level in sorted(items, key=lambda k: LEVEL_ORDER.index(k) if k in LEVEL_ORDER else 9):
        by_date.setdefault(str(items[level])[:10], []).append(SHORT.get(level, level))
    return "; ".join(f"{d} ({age_years(d, today)} {unit}): {', '.join(lv)}"
                     for d, lv in sorted(by_date.items(), reverse=True))
