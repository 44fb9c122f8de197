"""Profile of a kreisfreie Stadt opened as a Gemeinde (Cottbus, /gemeinde/12052000): Kreis-level indicators of the
same territory, sparklines with census breaks, peer ranks, the dated summary; the group time series on Vergleich.
Real server, real warehouse, headless Chromium; screenshots in screenshots/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
ROWS = """() => { const api = dash_ag_grid.getApi('pro-table'); const out = [];
  api.forEachNode(n => out.push(n.data)); return out; }"""


def test_cottbus_gemeinde_profile_shows_kreis_level_indicators(page, server_url):
    page.goto(server_url + "/gemeinde/12052000")
    expect(page.locator("#profile-name")).to_contain_text("Cottbus")
    expect(page.locator("#pro-table .ag-row").first).to_be_visible()
    page.wait_for_function("() => window.dash_ag_grid && dash_ag_grid.getApi('pro-table')")
    rows = {r["indicator_id"]: r for r in page.evaluate(ROWS)}
    ps = rows["protection_seekers"]  # Kreis 12052 = the same territory; the count includes Spree-Neiße
    assert ps["value"] == "7.720 Personen" and ps["reference_date"] == "31.12.2024"
    assert ps["flag"] == "includes_other_kreise" and ps["src_level"] == "kreis"
    assert ps["level_note"] == "Kreis (gleiches Gebiet)"
    ur = rows["unemployment_rate"]
    assert ur["reference_date"] == "31.12.2025" and ur["value"].startswith("8,30")
    assert re.fullmatch(r"Rang \d+ von \d+", ur["rank"])
    # every row with a value has its peer rank and sparkline; the population series crosses both census breaks
    with_value = [r for r in rows.values() if r["value_raw"] is not None]
    assert all(r["rank"] != "–" for r in with_value if r["indicator_id"] != "population_census2022"), \
        [r["indicator_id"] for r in with_value if r["rank"] == "–"]
    assert all(r["spark"].startswith("data:image/svg+xml") for r in with_value)
    assert rows["unemployment_rate"]["breaks"] == "2011, 2022"  # 2001–2025 crosses both census breaks
    assert "2022" in rows["population"]["breaks"]
    expect(page.locator("#pro-table img.ia-sparkline").first).to_be_visible()
    assert page.locator("#pro-table img.ia-sparkline").first.get_attribute("alt")
    summary = page.locator("#profile-summary")
    expect(summary).to_contain_text(re.compile(r"In Cottbus\S* lebten am 31\.12\.2024 95\.123 Einwohner"))
    expect(summary).to_contain_text("7.720 Schutzsuchende")
    expect(summary).to_contain_text("Spree-Neiße")
    expect(summary).to_contain_text("Arbeitslosenquote in Cottbus")
    for p in summary.locator("p").all_inner_texts():  # never a sentence without its date
        assert re.search(r"\d\d\.\d\d\.\d{4}", p), p
    expect(page.locator("#profile-territory-note")).to_contain_text("Cottbus")
    page.screenshot(path=str(SHOTS / "profile_cottbus_gemeinde.png"), full_page=True)
    page.goto(server_url + "/gemeinde/12052000?lang=en")
    expect(page.locator("#profile-summary")).to_contain_text("inhabitants on 2024-12-31")
    assert not page.errors


def test_vergleich_group_time_series_east_west(page, server_url):
    page.goto(server_url + "/vergleich?ind=unemployment_rate&level=kreis&year=2025&by=east_west")
    graph = page.locator("#cmp-group-series .js-plotly-plot")
    expect(graph).to_be_visible()
    page.wait_for_function("() => { const g = document.querySelector('#cmp-group-series .js-plotly-plot');"
                           " return g && g.data && g.data.length >= 2; }")
    traces = page.evaluate("() => document.querySelector('#cmp-group-series .js-plotly-plot')._fullData"
                           ".map(t => ({name: t.name, n: t.x.length, x0: t.x[0], x1: t.x[t.x.length - 1]}))")
    # Berlin counted with the West (the app's default rule): two lines, 2001–2025 without 2022 and 2024
    assert sorted(t["name"] for t in traces) == ["Ost", "West"], traces
    assert all(t["x0"] == 2001 and t["x1"] == 2025 and t["n"] == 23 for t in traces), traces
    expect(page.locator("#cmp-group-series-cap")).to_contain_text("2001–2025")
    expect(page.locator("#cmp-group-series-cap")).to_contain_text("Erwerbspersonen")
    page.locator("#cmp-group-series").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "vergleich_group_series.png"), full_page=True)
    assert not page.errors
