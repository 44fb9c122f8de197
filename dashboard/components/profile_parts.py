"""Pieces of the profile page that are plain functions of the numbers (unit-tested without a server):
the territory rule for a kreisfreie Stadt opened as a Gemeinde, the sparkline of a series with the census
breaks marked, the peer comparison behind a sentence and the plain-language summary (DE/EN, every sentence
with its reference date)."""
from __future__ import annotations

import base64
from html import escape

import pandas as pd

from ..i18n import fmt_date, fmt_number

CENSUS_BREAKS = (2011, 2022)  # population series rebased on the Zensus 2011 (31.12.2011) and 2022 (15.05.2022)
SPARK_W, SPARK_H, SPARK_PAD = 120, 28, 3

# indicators a summary talks about, in this order (the first of each tuple that has a value is used)
SUMMARY_TOPICS = (
    ("ukrainian_protection_seekers_per_1000", "ukrainian_protection_seekers"),
    ("protection_seekers_per_1000", "protection_seekers"),
    ("foreigners_share",),
    ("unemployment_rate",),
    ("childcare_quota_u3_da", "childcare_rate_under3"),
)


def same_territory_kreis(region: dict, level: str, gemeinden: pd.DataFrame) -> str | None:
    """The Kreis key whose territory equals this Gemeinde (a kreisfreie Stadt is one Gemeinde and one Kreis),
    else None. `gemeinden`: the Gemeinde rows of core.dim_region (ags, kreis_ags)."""
    if level != "gemeinde" or region.get("kommunaltyp") not in ("kreisfreie_stadt",):
        return None
    k = region.get("kreis_ags")
    if not isinstance(k, str) or not k:
        return None
    return k if int((gemeinden["kreis_ags"] == k).sum()) == 1 else None


def yearly(obs: pd.DataFrame) -> pd.DataFrame:
    """One point per year (the year's latest Stichtag) with a value: year, value, reference_date."""
    o = obs[obs["value"].notna()].sort_values(["year", "reference_date"])
    return o.drop_duplicates("year", keep="last")[["year", "value", "reference_date"]]


def sparkline_svg(points: pd.DataFrame, title: str) -> str:
    """A small SVG line of the yearly values; dashed vertical lines where the series crosses a census
    break (2011, 2022), labelled in the title so screen readers get it too."""
    p = points.sort_values("year")
    return sparkline_svg_xy(p["year"].astype(int).tolist(), p["value"].astype(float).tolist(), title)


def sparkline_svg_xy(years: list[int], vals: list[float], title: str) -> str:
    """sparkline_svg of plain lists (years ascending): the profile draws ~100 of these per page."""
    if not years:
        return ""
    y0, y1 = years[0], years[-1]
    lo, hi = min(vals), max(vals)
    span_x = max(y1 - y0, 1)
    span_y = (hi - lo) or 1.0

    def x(y: float) -> float:
        return SPARK_PAD + (y - y0) / span_x * (SPARK_W - 2 * SPARK_PAD)

    def yv(v: float) -> float:
        return SPARK_H - SPARK_PAD - (v - lo) / span_y * (SPARK_H - 2 * SPARK_PAD)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{SPARK_W}" height="{SPARK_H}" '
             f'viewBox="0 0 {SPARK_W} {SPARK_H}" role="img"><title>{escape(title)}</title>']
    for b in census_breaks_in(years):
        bx = x(b - 0.5)
        parts.append(f'<line x1="{bx:.1f}" y1="0" x2="{bx:.1f}" y2="{SPARK_H}" stroke="#999" stroke-width="1" '
                     f'stroke-dasharray="2,2" class="census-break" data-year="{b}"/>')
    if len(years) == 1:
        parts.append(f'<circle cx="{x(y0):.1f}" cy="{yv(vals[0]):.1f}" r="2" fill="#0072B2"/>')
    else:
        pts = " ".join(f"{x(a):.1f},{yv(v):.1f}" for a, v in zip(years, vals))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="#0072B2" stroke-width="1.5"/>')
        parts.append(f'<circle cx="{x(years[-1]):.1f}" cy="{yv(vals[-1]):.1f}" r="2" fill="#0072B2"/>')
    parts.append("</svg>")
    return "".join(parts)


def census_breaks_in(years: list[int]) -> list[int]:
    """Census breaks a series crosses: a value before and one from the break year on."""
    if not years:
        return []
    return [b for b in CENSUS_BREAKS if min(years) < b <= max(years)]


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii") if svg else ""


def spark_alt(points: pd.DataFrame, label: str, lang: str) -> str:
    """Alternative text: range of years, first and last value, census breaks crossed."""
    if points.empty:
        return ""
    p = points.sort_values("year")
    return spark_alt_xy(p["year"].astype(int).tolist(), p["value"].tolist(), label, lang)


def spark_alt_xy(years: list[int], vals: list[float], label: str, lang: str) -> str:
    """spark_alt of plain lists (years ascending)."""
    if not years:
        return ""
    y0, y1 = int(years[0]), int(years[-1])
    v0, v1 = fmt_number(vals[0], lang), fmt_number(vals[-1], lang)
    br = census_breaks_in([int(y) for y in years])
    if lang == "en":
        txt = f"{label}: {y0} {v0} … {y1} {v1} ({len(years)} years)"
        return txt + (f"; census break {', '.join(map(str, br))}" if br else "")
    txt = f"{label}: {y0} {v0} … {y1} {v1} ({len(years)} Jahre)"
    return txt + (f"; Zensus-Bruch {', '.join(map(str, br))}" if br else "")


def peer_comparison(values: pd.DataFrame, ags: str, berlin_rule: str = "west") -> dict | None:
    """How a unit compares with its peer group (size class × East/West, as analysis.peer_rank):
    n_peers (other units with a value), n_lower, n_higher; None when the unit has no value."""
    df = values.copy()
    ew = df["east_west"].where(df["east_west"] != "berlin", berlin_rule if berlin_rule != "own" else "berlin")
    size = df["size_class"].where(df["size_class"].notna(), df["size_class_fine"])
    df = df.assign(_ew=ew, _size=size)
    me = df[df["ags"] == ags]
    if me.empty or pd.isna(me["value"].iloc[0]):
        return None
    v = float(me["value"].iloc[0])
    peers = df[(df["_size"] == me["_size"].iloc[0]) & (df["_ew"] == me["_ew"].iloc[0]) & df["value"].notna()
               & (df["ags"] != ags)]
    return {"n_peers": int(len(peers)), "n_lower": int((peers["value"] < v).sum()),
            "n_higher": int((peers["value"] > v).sum()), "size": me["_size"].iloc[0], "ew": me["_ew"].iloc[0]}


def sentence(name: str, label: str, value: float, unit: str, date: str, lang: str,
             cmp: dict | None = None, peer_name: str | None = None) -> str:
    """One summary sentence; the date is always part of it."""
    d = fmt_date(date, lang)
    num = fmt_number(value, lang)
    unit_txt = f" {unit}" if unit and unit not in ("Personen", "persons") else ""
    if lang == "en":
        s = f"{label} in {name} on {d}: {num}{unit_txt}"
    else:
        s = f"{label} in {name} am {d}: {num}{unit_txt}"
    if cmp and cmp["n_peers"] and peer_name:
        if lang == "en":
            s += f" – higher than in {cmp['n_lower']} of {cmp['n_peers']} other units in the group {peer_name}"
        else:
            s += f" – mehr als in {cmp['n_lower']} von {cmp['n_peers']} anderen Einheiten der Gruppe {peer_name}"
    return s + "."


def booking_sentence(name: str, count: float, date: str, member_names: list[str], cluster_rate: float | None,
                     lang: str, what: str | None = None) -> str:
    """A host of a booking cluster: its protection seekers include those of neighbouring Kreise.
    `what`: the count's label (e.g. 'Schutzsuchende aus der Ukraine')."""
    d = fmt_date(date, lang)
    others = ", ".join(member_names)
    what = what or ("protection seekers" if lang == "en" else "Schutzsuchende")
    if lang == "en":
        s = (f"On {d}, {fmt_number(count, lang)} {what.lower()} were registered at the foreigners' authority in "
             f"{name}, including those living in {others} (booked there); no rate per 1,000 is shown for {name} alone")
        if cluster_rate is not None:
            s += f" – for both together it is {fmt_number(cluster_rate, lang)} per 1,000 inhabitants"
    else:
        s = (f"Am {d} waren bei der Ausländerbehörde in {name} {fmt_number(count, lang)} {what} erfasst, "
             f"einschließlich der in {others} lebenden (bei dieser Behörde gebucht); eine Quote je 1.000 Einwohner nur für {name} "
             f"wird deshalb nicht gezeigt")
        if cluster_rate is not None:
            s += f" – für beide zusammen sind es {fmt_number(cluster_rate, lang)} je 1.000 Einwohner"
    return s + "."


def population_sentence(name: str, population: float, date: str, lang: str) -> str:
    d = fmt_date(date, lang)
    if lang == "en":
        return f"{name} had {fmt_number(population, lang)} inhabitants on {d}."
    return f"In {name} lebten am {d} {fmt_number(population, lang)} Einwohner."
