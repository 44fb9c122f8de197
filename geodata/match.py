"""Match VG5000 polygons (Gebietsstand of one edition, e.g. 31.12.2023) to the units of the current region dimension.

Why by crosswalk and never by name: names repeat and change; keys and the official conversion
keys (BBSR 2020→2023, Destatis change lists 2024–02/2025) say which old units form a new one.
Rules:
- every old unit goes to exactly one current unit (the crosswalk target with the largest weight),
  so the result stays a coverage (no overlaps) and the successor's area is the sum of its parts;
- a current unit whose predecessors are exactly itself is 'ok', one built from other or several
  keys is 'dissolved', one without any predecessor polygon is 'not_available' with the reason;
- an old key missing from the crosswalk keeps its polygon only if the same key exists today.
Kreis and Land mappings are derived from the Gemeinde crosswalk (first 5 / 2 digits of old and
new AGS), which is how Eisenach 16056 (edition 01.01.2021) ends up in Wartburgkreis 16063.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import shapely

PREFIX = {"gemeinde": 8, "kreis": 5, "land": 2}


@dataclass
class MatchResult:
    level: str
    units: pd.DataFrame       # ags, name, geometry (shapely or None), boundary_status, note, predecessors
    crosswalk: pd.DataFrame   # old_ags, new_ags, level, change_type, valid_from, source
    orphans: pd.DataFrame     # old_ags, name, reason  (old polygons not used for any current unit)
    notes: list[str] = field(default_factory=list)


def derive_level_crosswalk(cw: pd.DataFrame, level: str) -> pd.DataFrame:
    """Aggregate a Gemeinde crosswalk (from_ags, to_ags, weight, valid_from, source) to Kreis/Land keys."""
    if level == "gemeinde" or cw.empty:
        return cw.copy()
    n = PREFIX[level]
    out = cw.assign(from_ags=cw["from_ags"].str[:n], to_ags=cw["to_ags"].str[:n])
    return (out.groupby(["from_ags", "to_ags"], as_index=False)
               .agg(weight=("weight", "sum"), valid_from=("valid_from", "max"),
                    source=("source", lambda s: "; ".join(sorted(set(s.dropna()))))))


def _union(parts: list) -> object:
    """Coverage union is exact for polygons sharing edges; fall back to a general union if it fails."""
    if len(parts) == 1:
        return parts[0]
    try:
        g = shapely.coverage_union_all(parts)
        if shapely.is_valid(g):
            return g
    except shapely.errors.GEOSException:
        pass
    return shapely.make_valid(shapely.union_all(parts))


def match_level(level: str, old: pd.DataFrame, current: pd.DataFrame, cw: pd.DataFrame | None,
                cw_note: str | None = None, edition: str = "VG5000 01.01.2021",
                gebietsstand: str = "2020-12-31") -> MatchResult:
    """old: ags, name, geometry (Gebietsstand `gebietsstand` of `edition`); current: ags, name; cw: from_ags,
    to_ags, weight, valid_from, source for this level from that Gebietsstand (None = no crosswalk available)."""
    notes = [cw_note] if cw_note else []
    have_cw = cw is not None and not cw.empty
    cw = cw if have_cw else pd.DataFrame(columns=["from_ags", "to_ags", "weight", "valid_from", "source"])
    cur_keys = set(current["ags"])
    old_geom = dict(zip(old["ags"], old["geometry"]))
    old_name = dict(zip(old["ags"], old["name"]))

    # per old key: targets best first (largest weight; on a tie the same key, then the smaller key)
    targets: dict[str, list[tuple]] = {}
    for f, t, w, vf, src in cw[["from_ags", "to_ags", "weight", "valid_from", "source"]].itertuples(index=False):
        targets.setdefault(f, []).append((t, w, vf, src))
    for f, lst in targets.items():
        lst.sort(key=lambda r: (-(r[1] if r[1] == r[1] and r[1] is not None else 0.0), r[0] != f, r[0]))
    assigned: dict[str, list[str]] = {}
    cw_rows, orphans = [], []
    for key in old["ags"]:
        t = targets.get(key)
        if not t:
            if key in cur_keys:
                assigned.setdefault(key, []).append(key)
                cw_rows.append((key, key, "unchanged", None, "same key" + ("" if have_cw else " (no crosswalk)")))
            else:
                orphans.append((key, old_name.get(key), "old key not in crosswalk and not in the current region "
                                "dimension" if have_cw else "old key not in the current region dimension; "
                                "no crosswalk available"))
            continue
        main = t[0][0]
        if main not in cur_keys:
            orphans.append((key, old_name.get(key), f"crosswalk target {main} is not in the current region dimension"))
            continue
        assigned.setdefault(main, []).append(key)
        split = len(t) > 1
        for to, _w, vf, src in t:
            cw_rows.append((key, to, "split" if split else None, vf, src))

    preds_of = assigned
    # split targets that did not get the polygon: they gained a part we cannot cut out
    gained_part: dict[str, list[str]] = {}
    for key, t in targets.items():
        for to, *_ in t[1:]:
            gained_part.setdefault(to, []).append(key)

    # keys that existed at the edition's Gebietsstand (crosswalk sources) but have no polygon in it
    no_polygon: dict[str, list[str]] = {}
    for f, lst in targets.items():
        if f not in old_geom:
            for to, *_ in lst:
                no_polygon.setdefault(to, []).append(f)
    stand = f"{gebietsstand[8:10]}.{gebietsstand[5:7]}.{gebietsstand[:4]}"

    rows = []
    for ags, name in zip(current["ags"], current["name"]):
        preds = sorted(preds_of.get(ags, []))
        extra = gained_part.get(ags)
        extra_note = (f"; also received part of {', '.join(sorted(extra))} (split; that part is not in this polygon)"
                      if extra and preds else "")
        if not preds:
            if extra:
                reason = (f"created from part of {', '.join(sorted(extra))} (split); the part cannot be cut "
                          f"from the {edition} polygon")
            elif no_polygon.get(ags):
                reason = (f"{edition} has no polygon for {', '.join(sorted(no_polygon[ags]))} although the key "
                          f"existed on {stand} (crosswalk {stand} → current)")
            elif have_cw:
                reason = (f"no predecessor in the {edition} polygons via the crosswalk {stand} → current (new key "
                          f"not derivable from the stored change lists, e.g. a unit created after 28.02.2025)")
            else:
                reason = f"key not in {edition} and no crosswalk available (see notes)"
            rows.append((ags, name, None, "not_available", reason, ""))
        elif preds == [ags]:
            rows.append((ags, name, old_geom[ags], "ok", extra_note.lstrip("; ") or None, ags))
        else:
            how = (f"key change from {preds[0]}" if len(preds) == 1 else f"dissolved from {', '.join(preds)}")
            rows.append((ags, name, _union([old_geom[p] for p in preds]), "dissolved", how + extra_note,
                         ",".join(preds)))
    units = pd.DataFrame(rows, columns=["ags", "name", "geometry", "boundary_status", "note", "predecessors"])

    xw = pd.DataFrame(cw_rows, columns=["old_ags", "new_ags", "change_type", "valid_from", "source"])
    n_preds = {k: len(v) for k, v in preds_of.items()}
    def kind(r):
        if r["change_type"] == "split":
            return "split"
        if n_preds.get(r["new_ags"], 0) > 1:
            return "merged"
        return "unchanged" if r["old_ags"] == r["new_ags"] else "key_change"
    if not xw.empty:
        xw["change_type"] = [kind(r) for r in xw.to_dict("records")]
    xw["level"] = level
    xw = xw[["old_ags", "new_ags", "level", "change_type", "valid_from", "source"]]
    return MatchResult(level, units, xw, pd.DataFrame(orphans, columns=["old_ags", "name", "reason"]), notes)
