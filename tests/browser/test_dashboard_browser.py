"""End-to-end: the real app (subprocess) on the real warehouse, driven by headless Chromium."""
from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

MAP_PAINTED = """() => { const g = document.querySelector('#map-graph .js-plotly-plot');
  return g ? +(g.getAttribute('data-ia-painted') || 0) : 0; }"""
# feature-state of every unit of the MapLibre source that assets/ia_map.js paints (vector tiles by default)
MAP_STATES = """() => { const g = document.querySelector('#map-graph .js-plotly-plot'); const m = IAMap.mapOf(g);
  const fs = IAMap.featureStates(g); const out = {n: fs.length, nodata: 0, faded: 0, colours: {},
    source: m.getSource(IAMap.SOURCE).type};
  for (const s of fs) { if (s.nd) out.nodata++; if (s.o < 1) out.faded++; out.colours[s.c] = (out.colours[s.c] || 0) + 1; }
  out.hatch = m.getPaintProperty(IAMap.HATCH, 'fill-pattern'); return out; }"""


def legend_count(page, label: str) -> int:
    item = page.locator("#map-legend li", has_text=label).first
    return int(re.search(r"\((\d+)\)", item.inner_text()).group(1))


def choose(page, dropdown_id: str, typed: str, option_text: str | None = None) -> None:
    """Pick an option in a Dash 4 dropdown by typing (keyboard path, as a user would)."""
    page.click(f"#{dropdown_id}")
    page.locator("input.dash-dropdown-search").first.fill(typed)   # typing char by char races the re-render
    opt = page.locator("[role=option]", has_text=option_text or typed).first
    opt.wait_for()
    opt.click()
    page.keyboard.press("Escape")


def test_map_renders_with_legend_for_gemeinde_indicator(page, server_url):
    page.goto(server_url + "/?ind=immigration_history_share&level=gemeinde")
    legend = page.locator("#map-legend")
    expect(legend).to_contain_text("keine Daten")
    expect(legend.locator("li")).to_have_count(7, timeout=30000)  # 5 classes + no data + boundary n/a
    expect(page.locator("#map-title")).to_contain_text("Gemeinden · Stichtag 15.05.2022")  # the values' own date
    page.wait_for_function(f"({MAP_PAINTED})() > 10000")
    states = page.evaluate(MAP_STATES)
    # every Gemeinde polygon is painted; units without value are hatched on the map itself
    no_data, no_boundary = legend_count(page, "keine Daten"), legend_count(page, "Grenze nicht")
    assert states["hatch"] == "ia-hatch-pattern" and states["nodata"] > 0 and states["source"] == "vector"
    assert states["nodata"] <= no_data and states["nodata"] >= no_data - no_boundary
    assert len([c for c in states["colours"] if c != "#d9d9d9"]) == 5        # 5 classes, 5 colours
    expect(page.locator("#map-footer")).to_contain_text("dl-de/by-2-0")
    expect(page.locator("#map-footer")).to_contain_text("15.05.2022")
    page.wait_for_function("() => IAMap.mapOf(document.querySelector('#map-graph .js-plotly-plot')).loaded()")
    box = page.locator("#map-graph").bounding_box()                      # hover card over central Germany
    page.mouse.move(box["x"] + box["width"] * 0.40, box["y"] + box["height"] * 0.45)
    page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5, steps=5)
    expect(page.locator(".ia-tooltip")).to_contain_text("Stichtag: 15.05.2022")
    expect(page.locator(".ia-tooltip")).to_contain_text("Kommunaltyp")
    assert not page.errors


def test_map_zooms_to_and_outlines_the_selection(page, server_url):
    page.goto(server_url + "/?ind=foreigners_share&level=gemeinde&sel=15002000,15003000")   # Halle, Magdeburg
    page.wait_for_function(f"({MAP_PAINTED})() > 10000")
    view = page.evaluate("""() => { const g = document.querySelector('#map-graph .js-plotly-plot'); const m = IAMap.mapOf(g);
        const b = m.getBounds(); return {zoom: m.getZoom(), w: b.getWest(), e: b.getEast(), s: b.getSouth(), n: b.getNorth(),
        sel: IAMap.featureStates(g).filter(s => s.sel).map(s => s.ags)}; }""")
    assert view["zoom"] > 7 and sorted(view["sel"]) == ["15002000", "15003000"]
    assert view["w"] < 11.97 < view["e"] and view["s"] < 51.48 < view["n"]      # Halle (Saale) in view
    assert view["w"] < 11.63 < view["e"] and view["s"] < 52.13 < view["n"]      # Magdeburg in view
    labels = page.locator("#map-graph .ia-label")                                # names at their label points
    expect(labels).to_have_count(2)
    expect(labels.nth(0)).to_have_text("Halle (Saale), Stadt")
    box, lab = page.locator("#map-graph").bounding_box(), labels.nth(0).bounding_box()
    assert box["x"] < lab["x"] < box["x"] + box["width"] and box["y"] < lab["y"] < box["y"] + box["height"]
    expect(page.locator("#map-no-boundary")).to_contain_text("Küstengewässer")   # units without polygon are named
    assert not page.errors


def test_map_is_keyboard_navigable(page, server_url):
    page.goto(server_url + "/?ind=foreigners_share&level=kreis")
    page.wait_for_function(f"({MAP_PAINTED})() == 400")
    page.focus("#map-wrap")
    page.keyboard.press("ArrowUp")
    card = page.locator(".ia-tooltip")
    expect(card).to_be_visible()
    # the pan animates; the card follows the cross-hair at moveend: read it once the map stands still
    page.wait_for_function("() => !IAMap.mapOf(document.querySelector('#map-graph .js-plotly-plot')).isMoving()")
    page.wait_for_timeout(300)
    name = card.locator("strong").inner_text()
    assert name and name != "–"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/kreis/\d{5}"))
    expect(page.locator("#profile-name")).to_have_text(name)
    assert not page.errors


def test_changing_indicator_year_and_filters_updates_map(page, server_url):
    page.goto(server_url + "/?ind=foreigners_share&level=kreis")
    # default = latest year: 31.12.2024 from the Deutschlandatlas (bev_ausl continues foreigners_share)
    expect(page.locator("#map-title")).to_contain_text("Kreise · Stichtag 31.12.2024")
    choose(page, "karte-ctl-year", "2017")
    expect(page.locator("#map-title")).to_contain_text("31.12.2017")
    expect(page).to_have_url(re.compile(r"year=2017"))
    choose(page, "karte-f-land", "Sachsen-Anh", "Sachsen-Anhalt")
    expect(page).to_have_url(re.compile(r"land=15"))
    expect(page.locator("#map-legend")).to_contain_text("herausgefiltert")
    expect(page.locator("#karte-filter-note")).to_contain_text("von 400")
    kept = int(re.search(r"(\d+) von 400", page.locator("#karte-filter-note").inner_text()).group(1))
    assert kept == 14                                                   # Sachsen-Anhalt has 14 Kreise
    page.wait_for_function(f"(({MAP_STATES})()).faded == {400 - kept}")  # the others fade, none disappear
    # exact option: the catalogue also has "Bevölkerung 18 bis unter 65 Jahre" etc. (Deutschlandatlas)
    choose(page, "karte-ctl-indicator", "Bevölkerung", re.compile(r"^\s*Bevölkerung\s*$"))
    expect(page.locator("#map-title")).to_contain_text("Bevölkerung")
    expect(page).to_have_url(re.compile(r"ind=population"))
    assert not page.errors


def test_search_finds_halle_and_opens_profile(page, server_url):
    page.goto(server_url + "/")
    expect(page.locator("#map-legend")).to_contain_text("keine Daten")   # page settled
    page.click("#map-search")
    page.locator("input.dash-dropdown-search").first.fill("Halle (Saale)")
    opt = page.locator("[role=option]", has_text="Halle (Saale), Stadt (Gemeinde").first
    try:
        opt.wait_for()
    except Exception:
        print("options:", page.evaluate("Array.from(document.querySelectorAll('[role=option]')).map(e=>e.innerText)"),
              "active:", page.evaluate("document.activeElement.outerHTML.slice(0,300)"))
        raise
    opt.click()
    expect(page).to_have_url(re.compile(r"/gemeinde/15002000"))
    expect(page.locator("#profile-name")).to_have_text("Halle (Saale), Stadt")


def test_profile_shows_rank_n_of_m_and_case_studies(page, server_url):
    page.goto(server_url + "/gemeinde/15002000")
    expect(page.locator("#pro-table")).to_contain_text(re.compile(r"Rang \d+ von \d+"))
    expect(page.locator("#pro-case-studies")).to_contain_text("Chancen statt")
    expect(page.locator("#similar-list li")).to_have_count(5)


def test_profile_filters_narrow_the_similar_units(page, server_url):
    page.goto(server_url + "/gemeinde/15002000")
    expect(page.locator("#similar-list li")).to_have_count(5)
    choose(page, "profil-f-land", "Sachsen-Anh", "Sachsen-Anhalt")
    expect(page).to_have_url(re.compile(r"land=15"))
    expect(page.locator("#profil-filter-note")).to_contain_text("218 von 10953")   # Gemeinden of Sachsen-Anhalt
    page.wait_for_timeout(500)
    links = page.locator("#similar-list li a")
    expect(links).to_have_count(5)
    hrefs = [links.nth(i).get_attribute("href") for i in range(5)]
    assert all(re.search(r"/gemeinde/15\d{6}", h) for h in hrefs), hrefs          # all similar units are in the Land
    assert not page.errors


def test_sources_page_filters_show_coverage_of_the_selection(page, server_url):
    page.goto(server_url + "/daten?ew=east&br=own")
    expect(page.locator("#daten-filter-note")).to_contain_text("2380 von 10953")
    row = page.locator("#coverage-grid .ag-row", has_text="Betreuungsquote 3 bis unter 6").first
    expect(row).to_contain_text("75 von 75")                                        # the 75 East Kreise (Berlin is its own group here)
    choose(page, "daten-f-land", "Sachsen-Anh", "Sachsen-Anhalt")
    expect(page.locator("#coverage-grid .ag-row", has_text="Betreuungsquote 3 bis unter 6").first).to_contain_text("14 von 14")
    assert not page.errors


def _group_rows(page) -> list[list[str]]:
    """Rows of the group table once it has settled (same content twice, 1 s apart)."""
    cells = "#cmp-group-table .ag-center-cols-container .ag-row"
    tab = page.locator("#vergleich-tabs-tab-table")                 # the group table is the view's table tab
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
    page.wait_for_selector(cells)
    prev = None
    js = """rs => { const out = {}; rs.forEach(r => { const i = r.getAttribute('row-index');
        out[i] = (out[i] || []).concat(Array.from(r.querySelectorAll('.ag-cell')).map(c => c.innerText)); });
        return Object.values(out); }"""   # pinned (group label) and centre containers hold parts of one row
    for _ in range(20):
        now = sorted(page.eval_on_selector_all("#cmp-group-table .ag-row", js))
        if now and now == prev:
            return now
        prev = now
        page.wait_for_timeout(1000)
    return prev


def test_permalink_reproduces_filtered_comparison(page, browser, server_url):
    page.goto(server_url + "/vergleich?ind=foreigners_share&level=kreis&by=size_class_fine,east_west")
    choose(page, "vergleich-f-east-west", "Ost", "Ost")
    expect(page).to_have_url(re.compile(r"ew=east"))
    rows = _group_rows(page)
    assert rows and all(any("Ost" in c for c in r) for r in rows)     # only East groups after the filter
    url = server_url + "/vergleich" + page.evaluate("location.search")
    assert "tab=table" in url                                        # the permalink keeps the table tab
    other = browser.new_page(viewport={"width": 1366, "height": 768})
    other.goto(url)
    expect(other.locator("#vergleich-tabs-tab-table")).to_have_attribute("aria-selected", "true")
    assert _group_rows(other) == rows
    expect(other.locator("#vergleich-f-east-west")).to_contain_text("Ost")
    other.close()


def test_distribution_switches_to_beeswarm_with_the_chosen_unit_highlighted(page, server_url):
    page.goto(server_url + "/vergleich?ind=foreigners_share&level=kreis&by=east_west&sel=15002")
    dist = "() => (document.querySelector('#cmp-distribution .js-plotly-plot')?._fullData || []).map(t => t.type + ':' + t._length)"
    page.wait_for_function(f"({dist})().some(t => t.startsWith('box'))")
    page.get_by_label("Punkte (Beeswarm)").check()
    expect(page).to_have_url(re.compile(r"dist=swarm"))
    page.wait_for_function(f"({dist})().filter(t => t.startsWith('scattergl')).length >= 2")
    traces = page.evaluate(dist)
    dots = sum(int(t.split(":")[1]) for t in traces if t.startswith("scattergl"))
    assert dots == 400                                   # every Kreis with a value is one dot (Berlin rule: own)
    assert "scatter:1" in traces                         # Halle (Saale) highlighted
    assert not page.errors


def test_csv_download_contains_the_filtered_rows(page, server_url):
    page.goto(server_url + "/tabelle?ind=population&level=gemeinde&land=15")
    expect(page.locator("#table-count")).to_contain_text(re.compile(r"[1-9]\d* Zeilen"))
    n = int(re.search(r"(\d+)", page.locator("#table-count").inner_text()).group(1))
    assert n > 100
    with page.expect_download() as dl:
        page.click("#btn-csv")
    text = open(dl.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == n
    assert all(r["ags"].startswith("15") and len(r["ags"]) == 8 for r in rows)
    assert {r["licence"] for r in rows} == {"dl-de/by-2-0"} and rows[0]["reference_date"] == "2024-12-31"
    assert rows[0]["table_code"]


def test_invalid_url_parameters_show_defaults(page, server_url):
    page.goto(server_url + "/?ind=does_not_exist&year=abc&k=42&level=mars")
    expect(page.locator("#notice")).to_contain_text("ind=does_not_exist")
    expect(page.locator("#notice")).to_contain_text("k=42")
    expect(page.locator("#notice")).to_contain_text(         # one sentence per parameter, naming the fallback
        "Indikator „ind=does_not_exist“ ist ungültig oder nicht verfügbar – angezeigt wird: Anteil mit Einwanderungsgeschichte.")
    expect(page.locator("#notice")).to_contain_text("Klassenzahl „k=42“ ist ungültig oder nicht verfügbar – angezeigt wird: 5.")
    expect(page.locator("#map-title")).to_contain_text("Anteil mit Einwanderungsgeschichte")
    page.goto(server_url + "/no/such/page")
    expect(page.locator("#notice")).to_contain_text("Seite nicht gefunden")
    expect(page.locator("#map-legend")).to_be_visible()


def test_language_toggle_switches_labels(page, server_url):
    page.goto(server_url + "/tabelle")
    expect(page.locator("#nav-link-karte")).to_have_text("Karte")
    page.click("#lang-toggle")
    expect(page).to_have_url(re.compile(r"lang=en"))
    expect(page.locator("#nav-link-karte")).to_have_text("Map")
    expect(page.locator("#btn-csv")).to_have_text("Download CSV")
    page.click("#lang-toggle")
    expect(page.locator("#nav-link-vergleich")).to_have_text("Vergleich")
