"""/kapazitaet end to end: the real app on the real warehouse in headless Chromium; every figure checked
against a direct query of the same warehouse (independent of dashboard/ code). Screenshots → screenshots/."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

from etl.settings import get_settings

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PUOR = ["#e8e8e8", "#e4d9ac", "#c8b35a", "#cbb8d7", "#c8ada0", "#af8e53", "#9972af", "#976b82", "#804d36"]


def sql(query: str, **params) -> pd.DataFrame:
    with duckdb.connect(str(get_settings().warehouse), read_only=True) as con:
        return con.execute(query, params).df()


def latest(ind: str, level: str = "kreis") -> pd.DataFrame:
    """ags, value, reference_date of an indicator's latest year with values (one row per unit, latest Stichtag)."""
    return sql("""
        WITH y AS (SELECT max(year) AS y FROM core.fact_observation
                   WHERE indicator_id = $ind AND level = $level AND value IS NOT NULL)
        SELECT ags, value, reference_date FROM core.fact_observation, y
        WHERE indicator_id = $ind AND level = $level AND year = y.y AND on_current_territory
        QUALIFY row_number() OVER (PARTITION BY ags ORDER BY reference_date DESC) = 1""", ind=ind, level=level)


def kreise(ew: str | None = None) -> pd.DataFrame:
    r = sql("SELECT ags, name, population, east_west FROM core.dim_region WHERE level = 'kreis'")
    r["ew"] = r["east_west"].replace({"berlin": "west"})       # the default Berlin rule
    return r[r["ew"] == ew] if ew else r


def pair(px: str, cx: str, ew: str | None) -> pd.DataFrame:
    j = kreise(ew).merge(latest(px)[["ags", "value"]].rename(columns={"value": "x"}), on="ags") \
        .merge(latest(cx)[["ags", "value"]].rename(columns={"value": "y"}), on="ags")
    return j[j["x"].notna() & j["y"].notna()]


def wait_ready(page) -> None:
    page.wait_for_selector("#lens-quad-list li", timeout=120000)
    page.wait_for_function("""() => { const g = document.querySelector('#lens-map .js-plotly-plot');
        return g && +(g.getAttribute('data-ia-painted') || 0) > 300; }""", timeout=120000)
    page.wait_for_selector("#lens-share .js-plotly-plot .bars", timeout=120000)


def no_error_notice(page) -> None:
    """The guard (dashboard/callbacks_util.py) turns a failing callback into this sentence: none may appear."""
    body = page.inner_text("body")
    assert "konnte nicht berechnet werden" not in body and "could not be computed" not in body
    assert page.inner_text("#lens-map-status") == ""


def shot(page, name: str, selector: str | None = None) -> None:
    SHOTS.mkdir(exist_ok=True)
    if selector:
        page.locator(selector).scroll_into_view_if_needed()
        page.wait_for_timeout(600)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


PERMALINK = "/kapazitaet?px=ukrainian_protection_seekers_per_1000&cx=unemployment_rate&ew=west&sel=09162"


def test_quadrant_counts_match_the_warehouse_and_dates_are_compared(page, server_url):
    page.goto(server_url + PERMALINK)
    wait_ready(page)
    j = pair("ukrainian_protection_seekers_per_1000", "unemployment_rate", "west")
    mx, my = j["x"].median(), j["y"].median()
    hp = j["x"] > mx
    lc = j["y"] > my                     # unemployment: higher is worse → above the median = low capacity
    want = {"hp_lc": j[hp & lc], "hp_hc": j[hp & ~lc], "lp_lc": j[~hp & lc], "lp_hc": j[~hp & ~lc]}
    assert len(j) > 300
    for q, sub in want.items():
        li = page.locator(f"#lens-quad-list li[data-quadrant={q}]")
        assert int(li.get_attribute("data-n")) == len(sub), q
        assert int(li.get_attribute("data-pop")) == int(sub["population"].sum()), q
    hp_lc = want["hp_lc"]
    mio = f"{hp_lc['population'].sum() / 1e6:.1f}".replace(".", ",")
    expect(page.locator("#lens-quad-list li[data-quadrant=hp_lc]")).to_have_text(
        f"hohe Belastung, geringe Kapazität: {len(hp_lc)} Kreise, {mio} Mio. EW")
    # the two indicators have different reference dates: 31.12.2024 vs annual average 2025
    dx, dy = latest("ukrainian_protection_seekers_per_1000"), latest("unemployment_rate")
    d0, d1 = dx["reference_date"].max(), dy["reference_date"].max()
    years = (pd.Timestamp(d1) - pd.Timestamp(d0)).days / 365.25
    warn = page.locator("#lens-year-warning")
    expect(warn).to_contain_text(pd.Timestamp(d0).strftime("%d.%m.%Y"))
    expect(warn).to_contain_text(pd.Timestamp(d1).strftime("%d.%m.%Y"))
    expect(warn).to_contain_text(f"{years:.1f}".replace(".", ",") + " Jahre auseinander")
    # München highlighted in the scatter; cross-hairs at the medians
    shapes = page.evaluate("() => document.querySelector('#lens-quadrant .js-plotly-plot').layout.shapes"
                           ".map(s => [s.x0, s.y0])")
    assert any(abs(s[0] - mx) < 1e-9 for s in shapes) and any(abs(s[1] - my) < 1e-9 for s in shapes)
    names = page.evaluate("() => document.querySelector('#lens-quadrant .js-plotly-plot').data.map(d => d.name)")
    assert "hervorgehoben" in names
    expect(page.locator("#lens-quadrant-cap")).to_contain_text("12531-0043")
    expect(page.locator("#lens-quadrant-cap")).to_contain_text("13211-02-05-4")
    expect(page.locator("#lens-quadrant-cap")).to_contain_text("dl-de/by-2-0")
    shot(page, "kapazitaet")
    # the table alternative (both the scatter and the map) as CSV: one row per Kreis with both values
    page.locator("#lens-quad-table").locator("xpath=ancestor::details").locator("summary").click()
    page.wait_for_selector("#lens-quad-table .ag-row", state="attached")
    with page.expect_download() as dl:
        page.locator("button", has_text="CSV herunterladen").nth(0).click()
    text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert "# Lizenz / licence: Datenlizenz Deutschland" in text and "Stichtag: 31.12.2025" in text
    rows = list(csv.DictReader(io.StringIO("\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))),
                               delimiter=";"))
    assert len(rows) == len(j)
    muc = next(r for r in rows if r["AGS"] == "09162")
    q_muc = next(q for q, sub in want.items() if "09162" in set(sub["ags"]))
    assert muc["Quadrant"] == {"hp_lc": "hohe Belastung, geringe Kapazität", "hp_hc": "hohe Belastung, hohe Kapazität",
                               "lp_lc": "geringe Belastung, geringe Kapazität",
                               "lp_hc": "geringe Belastung, hohe Kapazität"}[q_muc]
    no_error_notice(page)
    assert not page.errors


def test_bivariate_legend_and_map_colours(page, server_url):
    page.goto(server_url + PERMALINK)
    wait_ready(page)
    j = pair("ukrainian_protection_seekers_per_1000", "unemployment_rate", "west")
    bx = np.quantile(j["x"], [1 / 3, 2 / 3])
    by = np.quantile(j["y"], [1 / 3, 2 / 3])
    cls = (np.searchsorted(bx, j["x"], side="left") * 3 + np.searchsorted(by, j["y"], side="left"))
    want = np.bincount(cls, minlength=9)
    cells = page.locator("#lens-bv-legend .lens-bv-cell")
    expect(cells).to_have_count(9)
    got = {int(c.get_attribute("data-class")): (int(c.get_attribute("data-n")), c.get_attribute("data-colour"))
           for c in cells.all()}
    assert {k: v[0] for k, v in got.items()} == {k: int(want[k]) for k in range(9)}
    assert {k: v[1] for k, v in got.items()} == dict(enumerate(PUOR))
    expect(page.locator("#lens-bv-legend")).to_contain_text("Terzile")
    # the map itself: feature-state colours of the units in the filter equal the legend counts
    states = page.evaluate("""() => { const g = document.querySelector('#lens-map .js-plotly-plot'); const m = IAMap.mapOf(g);
        const out = {};
        for (const s of IAMap.featureStates(g)) { if (s.o === 1 && !s.nd) out[s.c] = (out[s.c] || 0) + 1; } return out; }""")
    assert {PUOR.index(c): n for c, n in states.items()} == {k: int(want[k]) for k in range(9) if want[k]}
    page.locator("#lens-map-wrap").locator("xpath=..").screenshot(path=str(SHOTS / "kapazitaet_bivariat.png"))
    # user-set breaks through the URL
    page.goto(server_url + PERMALINK + "&bx=10,20&bc=5,8")
    wait_ready(page)
    cls2 = np.searchsorted([10, 20], j["x"], side="left") * 3 + np.searchsorted([5, 8], j["y"], side="left")
    want2 = np.bincount(cls2, minlength=9)
    expect(page.locator("#lens-bv-legend")).to_contain_text("eigene Grenzen")
    got2 = {int(c.get_attribute("data-class")): int(c.get_attribute("data-n"))
            for c in page.locator("#lens-bv-legend .lens-bv-cell").all()}
    assert got2 == {k: int(want2[k]) for k in range(9)}
    no_error_notice(page)
    assert not page.errors


def _grid_rows(page, grid: str) -> list[dict]:
    js = """(els) => els.map(r => Object.fromEntries(Array.from(r.querySelectorAll('.ag-cell'))
             .map(c => [c.getAttribute('col-id'), c.innerText])))"""
    left = page.eval_on_selector_all(f"#{grid} .ag-pinned-left-cols-container .ag-row", js)
    centre = page.eval_on_selector_all(f"#{grid} .ag-center-cols-container .ag-row", js)
    return [{**a, **b} for a, b in zip(left, centre)] if left else centre


def grid_data(page, grid: str) -> list[dict]:
    """Every row the grid holds (also those scrolled out of view), in its displayed order."""
    return page.evaluate("""(id) => { const out = []; dash_ag_grid.getApi(id)
        .forEachNodeAfterFilterAndSort(n => out.push(n.data)); return out; }""", grid)


def test_composite_with_changed_weights_round_trips_through_the_url(page, server_url, browser):
    page.goto(server_url + "/kapazitaet?cw=da_wohn_leer:1,unemployment_rate:1&ew=east")
    wait_ready(page)
    page.locator("#lens-comp-table").scroll_into_view_if_needed()
    page.wait_for_selector("#lens-comp-table .ag-row")
    box = page.locator(".lens-weight-row[data-ind=unemployment_rate] input[type=number]")
    box.fill("3")
    box.press("Enter")
    page.wait_for_url(re.compile(r"cw=da_wohn_leer:1,unemployment_rate:3"))
    expect(page.locator("#lens-comp-weights")).to_contain_text("Arbeitslosenquote × 3 (−)")
    # independent ranking: z-scores over the East German Kreise with both values, unemployment reversed
    j = pair("da_wohn_leer", "unemployment_rate", "east")
    z = lambda s: (s - s.mean()) / s.std(ddof=0)  # noqa: E731
    j = j.assign(score=(1 * z(j["x"]) - 3 * z(j["y"])) / 4).sort_values("score", ascending=False)
    top = list(j["ags"].head(5))

    def shown_top(pg) -> list[str]:
        pg.locator("#lens-comp-table").scroll_into_view_if_needed()
        expect(pg.locator("#lens-comp-table .ag-row[row-index='0'] [col-id=ags]").first).to_have_text(top[0])
        # AG Grid fills its cells in passes: read again until the visible rows carry their rank
        for _ in range(40):
            rows = [r for r in _grid_rows(pg, "lens-comp-table") if (r.get("rank") or "").strip()]
            if len(rows) >= 5:
                break
            pg.wait_for_timeout(250)
        rows = sorted(rows, key=lambda r: int(r["rank"]))
        return [r["ags"] for r in rows[:5]]
    assert shown_top(page) == top
    first = next(r for r in _grid_rows(page, "lens-comp-table") if r["rank"] == "1")
    lo, hi = map(int, first["rank_range"].split("–"))
    assert lo == 1 and hi >= 1
    page.locator("figure:has(#lens-composite)").screenshot(path=str(SHOTS / "kapazitaet_index.png"))
    url = page.url
    # the permalink alone restores the weights and the ranking
    other = browser.new_page(viewport={"width": 1366, "height": 768})
    other.goto(url)
    other.wait_for_selector("#lens-quad-list li", timeout=120000)
    expect(other.locator(".lens-weight-row[data-ind=unemployment_rate] input[type=number]")).to_have_value("3")
    assert shown_top(other) == top
    other.close()
    no_error_notice(page)
    assert not page.errors


def test_share_vs_population_chart_and_csv(page, server_url):
    page.goto(server_url + "/kapazitaet?sl=06")
    wait_ready(page)
    year = int(sql("""SELECT max(year) AS y FROM core.fact_observation WHERE indicator_id = 'protection_seekers'
                      AND level = 'kreis' AND value IS NOT NULL""")["y"].iloc[0])
    d = sql("""
        SELECT r.land_ags, l.name, sum(p.value) AS seekers, sum(b.value) AS population
        FROM core.dim_region r JOIN core.dim_region l ON l.ags = r.land_ags AND l.level = 'land'
        LEFT JOIN core.fact_observation p ON p.ags = r.ags AND p.level = 'kreis' AND p.indicator_id = 'protection_seekers'
             AND p.year = $y AND p.on_current_territory
        LEFT JOIN core.fact_observation b ON b.ags = r.ags AND b.level = 'kreis' AND b.indicator_id = 'population'
             AND b.year = $y AND b.on_current_territory
        WHERE r.level = 'kreis' GROUP BY ALL""", y=year)
    d["ratio"] = (d["seekers"] / d["seekers"].sum()) / (d["population"] / d["population"].sum())
    d = d.sort_values("ratio", ascending=False)
    fig = page.evaluate("() => { const g = document.querySelector('#lens-share .js-plotly-plot'), d = g._fullData[0];"
                        " return {y: Array.from(d.y), x: Array.from(d.x, Number), text: Array.from(d.text)}; }")
    assert list(reversed(fig["y"])) == list(d["name"])            # sorted by ratio, highest on top
    assert np.allclose(list(reversed(fig["x"])), d["ratio"].to_numpy())
    saar = d[d["land_ags"] == "10"].iloc[0]
    i = fig["y"].index("Saarland")
    assert f"{int(saar['seekers']):,}".replace(",", ".") in fig["text"][i]
    assert "KS " in fig["text"][i]                               # Königsteiner Schlüssel with its year
    expect(page.locator("#lens-share-not-quota")).to_contain_text("nicht die gesetzliche Verteilquote")
    expect(page.locator("#lens-share-intro")).to_contain_text("Königsteiner Schlüssel")
    expect(page.locator("#lens-share-cap")).to_contain_text("12531-0043")
    # Hessen: Landkreis Kassel is booked at Kassel (Stadt) → one bar for the cluster
    ky = page.evaluate("() => Array.from(document.querySelector('#lens-share-kreis .js-plotly-plot')._fullData[0].y)")
    assert "Kassel, documenta-Stadt + Kassel (Landkreis)" in ky and len(ky) == 25
    page.locator("figure:has(#lens-share)").screenshot(path=str(SHOTS / "kapazitaet_anteile.png"))
    page.locator("figure:has(#lens-share-kreis)").screenshot(path=str(SHOTS / "kapazitaet_anteile_hessen.png"))
    # CSV of exactly the table shown
    page.locator("#lens-share-table").locator("xpath=ancestor::details").locator("summary").click()
    page.wait_for_selector("#lens-share-table .ag-row")
    with page.expect_download() as dl:
        page.locator("button", has_text="CSV herunterladen").nth(3).click()
    text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert "# Lizenz / licence: Datenlizenz Deutschland" in text and "12531-0043" in text
    body = [ln for ln in text.splitlines() if not ln.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(body)), delimiter=";"))
    assert len(rows) == 16
    by_name = {r["Name"]: r for r in rows}
    assert float(by_name["Saarland"]["Schutzsuchende"]) == saar["seekers"]
    assert any(k.startswith("Königsteiner Schlüssel") for k in rows[0])
    no_error_notice(page)
    assert not page.errors


def test_english_and_place_card(page, server_url):
    page.goto(server_url + "/kapazitaet?lang=en&sel=14713")
    wait_ready(page)
    expect(page.locator("#lens-title")).to_contain_text("Arrival & capacity")
    expect(page.locator("#lens-card-head")).to_contain_text("Leipzig")
    expect(page.locator("#lens-profile-link")).to_have_attribute("href", re.compile(r"^/kreis/14713"))
    # the place card's percentile for the unemployment rate equals the mid-rank in its peer group
    reg = sql("SELECT ags, kommunaltyp, east_west FROM core.dim_region WHERE level = 'kreis'")
    reg["ew"] = reg["east_west"].replace({"berlin": "west"})
    peers = reg[(reg["kommunaltyp"] == "kreisfreie_stadt") & (reg["ew"] == "east")]["ags"]
    v = latest("unemployment_rate")
    pv = v[v["ags"].isin(peers)]["value"].dropna()
    me = float(v.loc[v["ags"] == "14713", "value"].iloc[0])
    pct = 100 * ((pv < me).sum() + 0.5 * (pv == me).sum()) / len(pv)
    page.wait_for_selector("#lens-card-table .ag-row", state="attached")
    rows = grid_data(page, "lens-card-table")
    row = next(r for r in rows if r.get("label") == "Unemployment rate")
    assert float(row["percentile"]) == pytest.approx(round(pct, 1))
    page.locator("figure:has(#lens-card)").screenshot(path=str(SHOTS / "kapazitaet_steckbrief_en.png"))
    no_error_notice(page)
    assert not page.errors
