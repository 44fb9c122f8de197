"""`integrationsatlas geodata check|build`: which units of the current Gebietsstand have a boundary, and why not.

Plain functions returning text, so the lead's typer CLI only prints them and sets the exit code.
"""
from __future__ import annotations

import math
import os
import shutil
import uuid
from pathlib import Path

import duckdb

from warehouse.connection import connect_reader, connect_writer

from .assets import LEVELS

EXPECTED = {"land": 16, "kreis": 400}  # Gebietsstand 30.11.2025 (GV100AD); Gemeinden: whatever dim_region has
LEVEL_DE = {"land": "Länder", "kreis": "Kreise", "gemeinde": "Gemeinden"}


def _pct(part: int, whole: int) -> str:
    """Share in % with 2 decimals, rounded down: 10,952 of 10,953 is 99.99 %, never 100.00 %."""
    if not whole:
        return "–"
    return f"{math.floor(part * 10000 / whole) / 100:.2f}"


def _de_date(d) -> str:
    return d.strftime("%d.%m.%Y") if hasattr(d, "strftime") else str(d)


MAX_KREIS_AREA_DIFF_PCT = 5.0    # VG5000 vs VG250 01.01.2025: median 0.2 %, largest 4.4 % (09461 Bamberg)
MAX_KREIS_OUTLINE_PCT = 15.0     # symmetric difference / VG250 area; today median 2.6 %, largest 10.7 %


def _kreis_check_lines(con: duckdb.DuckDBPyConnection, lines: list[str]) -> bool:
    """Kreis polygons of the map against BKG VG250 Kreise (core.geo_kreis_check); False when a Kreis is off."""
    rows = con.execute("""SELECT ags, name, vg250_edition, area_vg5000_km2, area_vg250_km2, area_diff_pct,
        outline_mismatch_pct, status FROM core.geo_kreis_check ORDER BY ags""").fetchall()
    if not rows:
        return True
    ok = True
    ed = rows[0][2]
    good = [r for r in rows if r[7] == "ok"]
    diffs = sorted(abs(r[5]) for r in good)
    outl = sorted(r[6] for r in good)
    med = lambda v: v[len(v) // 2] if v else float("nan")  # noqa: E731
    lines.append(f"Kreis geometry vs. BKG VG250 Kreise {_de_date(ed)} (GF 4 land areas, 1:250 000): "
                 f"{len(good)}/{len(rows)} Kreise compared")
    if good:
        worst_a = max(good, key=lambda r: abs(r[5]))
        worst_o = max(good, key=lambda r: r[6])
        lines.append(f"  area difference |VG5000 − VG250|: median {med(diffs):.2f} %, largest {abs(worst_a[5]):.2f} % "
                     f"({worst_a[0]} {worst_a[1]}: {worst_a[3]:,.1f} vs {worst_a[4]:,.1f} km²)")
        lines.append(f"  outline mismatch (symmetric difference / VG250 area): median {med(outl):.2f} %, largest "
                     f"{worst_o[6]:.2f} % ({worst_o[0]} {worst_o[1]})")
    for ags, name, _ed, a5, a250, d, o, status in rows:
        if status != "ok":
            ok = False
            lines.append(f"  ! kreis {ags} {name or ''}: {status}")
        elif abs(d) > MAX_KREIS_AREA_DIFF_PCT or o > MAX_KREIS_OUTLINE_PCT:
            ok = False
            lines.append(f"  ! kreis {ags} {name or ''}: area {a5:,.1f} vs {a250:,.1f} km² ({d:+.2f} %), outline "
                         f"mismatch {o:.2f} % (limits {MAX_KREIS_AREA_DIFF_PCT:g} % / {MAX_KREIS_OUTLINE_PCT:g} %)")
    return ok


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables").fetchall()}


def check(settings) -> tuple[str, bool]:
    """Counts per level, each unit without polygon and its reason, unused old polygons, notes, assets."""
    try:
        con = connect_reader(settings.warehouse)
    except FileNotFoundError as exc:
        return str(exc), False
    try:
        have = _tables(con)
        need = {"core.geo_region", "core.geo_crosswalk", "core.geo_unmatched", "core.geo_notes", "marts.geo_assets"}
        if not need <= have:
            return (f"geometry tables missing: {', '.join(sorted(need - have))}; run `integrationsatlas etl run` "
                    f"(the build calls geodata.build.post_build)"), False
        ok = True
        cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_schema = 'core' AND table_name = 'geo_region'").fetchall()}
        if "source_edition" not in cols:
            return ("core.geo_region has no source_edition column (built before VG5000 editions existed); run "
                    "`integrationsatlas etl run` or `integrationsatlas geodata build`"), False
        counts = {lvl: (n, p, o, d, na) for lvl, n, p, o, d, na in con.execute("""
            SELECT level, count(*), count(wkb), count(*) FILTER (boundary_status = 'ok'),
                   count(*) FILTER (boundary_status = 'dissolved'), count(*) FILTER (boundary_status = 'not_available')
            FROM core.geo_region GROUP BY level""").fetchall()}
        regions = dict(con.execute("SELECT level, count(*) FROM core.dim_region GROUP BY level").fetchall())
        gs = con.execute("SELECT min(gebietsstand), max(gebietsstand) FROM core.dim_region").fetchone() \
            if "gebietsstand" in {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' "
                "AND table_name = 'dim_region'").fetchall()} else (None, None)
        editions = con.execute("""SELECT source_edition, source_gebietsstand, count(*) FROM core.geo_region
            WHERE wkb IS NOT NULL GROUP BY ALL ORDER BY source_gebietsstand DESC""").fetchall()
        target = f"Gebietsstand {_de_date(gs[1])}" if gs[1] is not None else "the Gebietsstand"
        lines = [f"Boundaries: BKG {editions[0][0] if editions else 'VG5000 (no polygons)'}"
                 + (f" (Gebietsstand {_de_date(editions[0][1])})" if editions else "")
                 + f", matched to the units of core.dim_region ({target})",
                 "Polygons per edition: " + ("; ".join(f"{e} (Gebietsstand {_de_date(g)}): {n:,}"
                                                       for e, g, n in editions) or "none"),
                 "Map coverage (units with a polygon / units):"]
        for lvl in reversed(LEVELS):
            n, p = counts.get(lvl, (0, 0, 0, 0, 0))[:2]
            lines.append(f"  {LEVEL_DE[lvl]}: {p:,}/{n:,} ({_pct(p, n)} %)")
        lines.append(f"{'level':<9}{'units':>7}{'polygon':>9}{'ok':>7}{'dissolved':>11}{'not avail.':>12}")
        for lvl in LEVELS:
            n, p, o, d, na = counts.get(lvl, (0, 0, 0, 0, 0))
            lines.append(f"{lvl:<9}{n:>7}{p:>9}{o:>7}{d:>11}{na:>12}")
            if n != regions.get(lvl, 0):
                ok = False
                lines.append(f"  ! {lvl}: {n} geometry rows but {regions.get(lvl, 0)} units in core.dim_region")
            if lvl in EXPECTED and (n != EXPECTED[lvl] or p != EXPECTED[lvl]):
                ok = False
                lines.append(f"  ! {lvl}: expected {EXPECTED[lvl]} units, all with a polygon")
        notes = con.execute("SELECT DISTINCT note FROM core.geo_notes ORDER BY 1").fetchall()
        if notes:
            lines.append("Notes:")
            lines += [f"  - {n}" for (n,) in notes]
            if any("missing" in n or "no rows" in n for (n,) in notes):
                ok = False
        missing = con.execute("""
            SELECT level, ags, name, note FROM core.geo_region WHERE boundary_status = 'not_available'
            ORDER BY CASE level WHEN 'land' THEN 1 WHEN 'kreis' THEN 2 ELSE 3 END, ags""").fetchall()
        per_level = ", ".join(f"{LEVEL_DE[lvl]} {sum(1 for m in missing if m[0] == lvl)}" for lvl in reversed(LEVELS))
        lines.append(f"Units without polygon: {len(missing)} ({per_level}); reasons:")
        for lvl, ags, name, note in missing:
            if not note:
                ok = False
            lines.append(f"  {lvl:<9}{ags:<10}{name or '':<40} {note or 'NO REASON RECORDED'}")
        dissolved = con.execute("""SELECT level, ags, name, note FROM core.geo_region
            WHERE boundary_status = 'dissolved' ORDER BY level DESC, ags""").fetchall()
        lines.append(f"Built by dissolving predecessors ({len(dissolved)}):")
        lines += [f"  {lvl:<9}{ags:<10}{name or '':<40} {note}" for lvl, ags, name, note in dissolved]
        unmatched = con.execute("SELECT level, old_ags, name, reason FROM core.geo_unmatched ORDER BY 1, 2").fetchall()
        lines.append(f"Polygons of the edition not used for any current unit ({len(unmatched)}):")
        lines += [f"  {lvl:<9}{ags:<10}{name or '':<40} {reason}" for lvl, ags, name, reason in unmatched]
        if "core.geo_kreis_check" in have:
            ok &= _kreis_check_lines(con, lines)
        lines.append("Client assets:")
        for lvl, fn, b, gz, feats in con.execute(
                "SELECT level, filename, bytes, gzip_bytes, features FROM marts.geo_assets ORDER BY 1").fetchall():
            present = (Path(settings.assets) / fn).exists() and (Path(settings.assets) / (fn + ".gz")).exists()
            ok &= present
            lines.append(f"  {fn:<30}{feats:>7} features {b / 1e6:6.2f} MB, gzip {gz / 1e6:5.2f} MB"
                         f"{'' if present else '  ! FILE MISSING in ' + str(settings.assets)}")
        lines.append("OK" if ok else "NOT OK")
        return "\n".join(lines), ok
    finally:
        con.close()


def build(settings) -> str:
    """Rebuild geometry tables and assets in a copy of the warehouse and swap it in (never write the live file)."""
    from .build import post_build
    target = Path(settings.warehouse)
    if not target.exists():
        raise FileNotFoundError(f"warehouse not found at {target}; run `integrationsatlas etl run` first")
    tmp = target.with_name(f"{target.stem}.geodata-{os.getpid()}-{uuid.uuid4().hex[:6]}.duckdb")
    shutil.copy2(target, tmp)
    try:
        con = connect_writer(tmp)
        try:
            post_build(con, settings)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        for p in (tmp, Path(str(tmp) + ".wal")):
            if p.exists():
                p.unlink()
    return check(settings)[0]
