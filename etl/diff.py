"""What a build changed: core.fact_observation of the previous build against the new one.

Both files are opened read-only (the new one, with the previous one ATTACHed), so a diff can run
after the swap, while the app reads the new warehouse, and on any two archived builds
(`etl report`, the /status console). Reported:
- new reference dates per indicator (and level), dates that disappeared;
- indicators added / removed;
- units (core.dim_region, level + AGS) added / removed;
- per indicator: how many units' values changed by more than the threshold (relative change
  |new − old| / |old|; from or to 0 counts as changed; a value that became NULL or was published
  where there was a NULL counts too), with the largest changes named (unit name, AGS, date, old → new).
"""
from __future__ import annotations

from pathlib import Path

import duckdb

TOP_CHANGES = 5


def _q(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def diff_builds(prev: Path | str | None, new: Path | str, threshold: float = 0.01,
                top: int = TOP_CHANGES) -> dict:
    """A JSON-able diff report; with no previous build everything is 'new' (first_build=True)."""
    con = duckdb.connect(str(new), read_only=True, config={"autoload_known_extensions": False,
                                                             "autoinstall_known_extensions": False})
    try:
        if prev is None or not Path(prev).exists():
            n = con.execute("SELECT count(*) FROM core.fact_observation").fetchone()[0]
            return {"first_build": True, "observations_new": n, "threshold": threshold,
                    "new_reference_dates": [], "removed_reference_dates": [], "indicators_added": [],
                    "indicators_removed": [], "units_added": [], "units_removed": [], "changed_values": []}
        con.execute(f"ATTACH '{Path(prev).as_posix()}' AS prev (READ_ONLY)")
        out: dict = {"first_build": False, "threshold": threshold}
        out["observations_old"], out["observations_new"] = con.execute(
            "SELECT (SELECT count(*) FROM prev.core.fact_observation), (SELECT count(*) FROM core.fact_observation)"
        ).fetchone()
        dates = """SELECT indicator_id, level, list(DISTINCT strftime(reference_date, '%Y-%m-%d')
                          ORDER BY strftime(reference_date, '%Y-%m-%d')) AS dates, count(*) AS rows
                   FROM {a}.core.fact_observation x
                   ANTI JOIN (SELECT DISTINCT indicator_id, level, reference_date FROM {b}.core.fact_observation) y
                        USING (indicator_id, level, reference_date)
                   GROUP BY 1, 2 ORDER BY 1, 2"""
        new_db = con.execute("SELECT current_database()").fetchone()[0]
        out["new_reference_dates"] = _q(con, dates.format(a=new_db, b="prev"))
        out["removed_reference_dates"] = _q(con, dates.format(a="prev", b=new_db))
        ind = "SELECT DISTINCT indicator_id FROM {a}.core.fact_observation EXCEPT " \
              "SELECT DISTINCT indicator_id FROM {b}.core.fact_observation ORDER BY 1"
        out["indicators_added"] = [r["indicator_id"] for r in _q(con, ind.format(a=new_db, b="prev"))]
        out["indicators_removed"] = [r["indicator_id"] for r in _q(con, ind.format(a="prev", b=new_db))]
        units = """SELECT level, ags, name FROM {a}.core.dim_region x
                   ANTI JOIN {b}.core.dim_region y USING (level, ags) ORDER BY level, ags"""
        out["units_added"] = _q(con, units.format(a=new_db, b="prev"))
        out["units_removed"] = _q(con, units.format(a="prev", b=new_db))
        changed = _q(con, f"""
            WITH j AS (
                SELECT n.indicator_id, n.level, n.ags, n.reference_date, o.value AS old, n.value AS new,
                       o.flag AS old_flag, n.flag AS new_flag
                FROM {new_db}.core.fact_observation n
                JOIN prev.core.fact_observation o USING (ags, level, indicator_id, reference_date)
            ), c AS (
                SELECT *, CASE WHEN old IS NULL OR new IS NULL THEN NULL
                               WHEN old = 0 THEN CASE WHEN new = 0 THEN 0 ELSE 'inf'::DOUBLE END
                               ELSE abs(new - old) / abs(old) END AS rel
                FROM j
                WHERE (old IS NULL) <> (new IS NULL)
                   OR (old IS NOT NULL AND new IS NOT NULL AND
                       (CASE WHEN old = 0 THEN new <> 0 ELSE abs(new - old) / abs(old) > ? END))
            ), counted AS (
                SELECT c.*, count(*) OVER (PARTITION BY indicator_id) AS n_values,
                       row_number() OVER (PARTITION BY indicator_id, level, ags ORDER BY rel DESC NULLS FIRST,
                                          abs(coalesce(new, 0) - coalesce(old, 0)) DESC, reference_date DESC) AS per_unit
                FROM c
            ), ranked AS (   -- the largest change of each unit, units ranked by it
                SELECT u.*, coalesce(r.name, '') AS name,
                       row_number() OVER (PARTITION BY indicator_id ORDER BY rel DESC NULLS FIRST,
                                          abs(coalesce(new, 0) - coalesce(old, 0)) DESC, ags) AS rk,
                       count(*) OVER (PARTITION BY indicator_id) AS n_units
                FROM counted u LEFT JOIN {new_db}.core.dim_region r USING (level, ags)
                WHERE per_unit = 1
            )
            SELECT indicator_id, level, ags, name, strftime(reference_date, '%Y-%m-%d') AS reference_date,
                   old, new, old_flag, new_flag, rel, rk, n_values, n_units
            FROM ranked WHERE rk <= ? ORDER BY n_values DESC, indicator_id, rk""", [threshold, top])
        by_ind: dict[str, dict] = {}
        for r in changed:
            e = by_ind.setdefault(r["indicator_id"], {"indicator_id": r["indicator_id"], "units": r["n_units"],
                                                      "values": r["n_values"], "largest": []})
            rel = r["rel"]
            e["largest"].append({k: r[k] for k in ("level", "ags", "name", "reference_date", "old", "new",
                                                   "old_flag", "new_flag")}
                                | {"rel_change": None if rel is None or rel == float("inf") else round(rel, 6)})
        out["changed_values"] = list(by_ind.values())
        return out
    finally:
        con.close()


def is_empty(d: dict) -> bool:
    return not d.get("first_build") and not any(
        d.get(k) for k in ("new_reference_dates", "removed_reference_dates", "indicators_added",
                           "indicators_removed", "units_added", "units_removed", "changed_values"))


def summary_lines(d: dict, width: int = 80, max_items: int = 8) -> list[str]:
    """The diff as plain text lines no wider than `width` (for `etl report`, the history and the console)."""
    import textwrap

    def wrap(text: str, indent: str = "  ") -> list[str]:
        return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent + "  ") or [indent]

    if not d:
        return ["no diff (nothing was rebuilt)"]
    if d.get("first_build"):
        return [f"first build: {d.get('observations_new', 0):,} observations (no previous build to compare)"]
    lines = [f"observations: {d['observations_old']:,} -> {d['observations_new']:,}"]
    if is_empty(d):
        return lines + ["no changes above the threshold"]
    for key, title in (("new_reference_dates", "new reference dates"),
                       ("removed_reference_dates", "reference dates no longer present")):
        items = d.get(key) or []
        if items:
            lines.append(f"{title}: {len(items)} indicator/level pair(s)")
            for r in items[:max_items]:
                lines += wrap(f"{r['indicator_id']} ({r['level']}): {', '.join(r['dates'])} [{r['rows']:,} rows]")
            if len(items) > max_items:
                lines.append(f"  … and {len(items) - max_items} more")
    for key, title in (("indicators_added", "indicators added"), ("indicators_removed", "indicators removed")):
        if d.get(key):
            lines += wrap(f"{title} ({len(d[key])}): {', '.join(d[key])}", indent="")
    for key, title in (("units_added", "units added"), ("units_removed", "units removed")):
        items = d.get(key) or []
        if items:
            shown = ", ".join(f"{u['name']} ({u['ags']})" for u in items[:max_items])
            more = f" … and {len(items) - max_items} more" if len(items) > max_items else ""
            lines += wrap(f"{title} ({len(items)}): {shown}{more}", indent="")
    ch = d.get("changed_values") or []
    if ch:
        lines.append(f"values changed by more than {d['threshold'] * 100:g} %: {len(ch)} indicator(s)")
        for e in ch[:max_items]:
            lines += wrap(f"{e['indicator_id']}: {e['units']:,} unit(s), {e['values']:,} value(s); largest:")
            for c in e["largest"][:3]:
                pct = "new" if c["old"] is None else "gone" if c["new"] is None else \
                    "from 0" if not c["old"] else f"{(c['new'] - c['old']) / abs(c['old']) * 100:+.1f} %"
                lines += wrap(f"{c['name'] or c['ags']} ({c['ags']}, {c['reference_date']}): "
                              f"{_fmt(c['old'], c['old_flag'])} -> {_fmt(c['new'], c['new_flag'])} ({pct})",
                              indent="    ")
        if len(ch) > max_items:
            lines.append(f"  … and {len(ch) - max_items} more indicator(s)")
    return lines


def _fmt(v, flag) -> str:
    if v is None:
        return flag or "NULL"
    s = f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
    return s + (f" [{flag}]" if flag else "")
