"""Issue 12 (reach) end-to-end: axe-core on every registered page in DE and EN, the phone layout, an
embed inside an <iframe> of another origin, PNG/SVG downloads with the source line, GeoJSON parsed
with geopandas, and the citation with the permalink. Real server, real warehouse, headless Chromium."""
from __future__ import annotations

import base64
import datetime as dt
import http.server
import io
import json
import re
import shutil
import subprocess
import threading
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
# values for path variables of registered pages (/gemeinde/<ags>): Halle (Saale)
PATH_SAMPLES = {"ags": "15002000"}
MAP_PAINTED = """() => { const g = document.querySelector('#map-graph .js-plotly-plot');
  return g ? +(g.getAttribute('data-ia-painted') || 0) : 0; }"""
SETTLED = """() => !document.querySelector('[data-dash-is-loading="true"]') &&
  !document.querySelector('.ag-root[aria-colcount="0"]') && !!document.querySelector('#page-content .ia-view, #page-content .ia-embed')"""


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core 4.x from npm into the git-ignored var/node (installed once per clean checkout)."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.skip("npm not installed: needed once to fetch axe-core into var/node")
        subprocess.run([npm, "install", "--prefix", str(ROOT / "var" / "node"), "--no-audit", "--no-fund",
                        "axe-core@4"], check=True, capture_output=True, timeout=300)
    assert AXE.exists(), f"{AXE} missing after npm install"
    return AXE


def registered_paths(server_url: str) -> list[str]:
    """Every page registered with dash.register_page (new pages are covered without editing this test)."""
    with urllib.request.urlopen(server_url + "/api/pages", timeout=30) as r:
        pages = json.load(r)
    out = []
    for p in pages:
        path = p.get("path_template") or p["path"]
        path = re.sub(r"<(\w+)>", lambda m: PATH_SAMPLES[m.group(1)], path)
        out.append(path)
    assert {"/", "/vergleich", "/kapazitaet", "/tabelle", "/daten", "/status", "/gemeinde/15002000"} <= set(out), out
    return sorted(set(out))


def goto_ready(page, url: str) -> None:
    """Open url under machine load: no wait for 'load' or network idle (the map streams ~1 MB, callbacks run),
    but for the page's own ready marker (the router rendered the view); one retry."""
    for attempt in (1, 2):
        try:
            page.goto(url, timeout=120000, wait_until="domcontentloaded")
            page.wait_for_selector("#page-content .ia-view, #page-content .ia-embed", timeout=120000)
            return
        except Exception:  # noqa: BLE001 - a timeout on a loaded machine: once more, then fail
            if attempt == 2:
                raise


def settle(page, extra_ms: int = 800) -> None:
    """The page is rendered; callbacks get up to 40 s to finish (a slow one is audited as it stands:
    the loading state must be accessible too)."""
    page.wait_for_selector("#page-content .ia-view, #page-content .ia-embed", timeout=120000)
    try:
        page.wait_for_function(SETTLED, timeout=45000)
    except Exception:  # noqa: BLE001 - still loading: audit what the user sees now
        pass
    page.wait_for_timeout(extra_ms)


def axe_violations(page, axe_script: Path) -> list[dict]:
    page.add_script_tag(path=str(axe_script))
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ') + ' → ' + (n.failureSummary || '').replace(/\\s+/g, ' '))}));
    }""")


@pytest.fixture()
def audit_page(browser):
    """A page whose context lets the test inject axe-core: the app's CSP (dashboard/security.py) rightly refuses
    scripts it does not know; bypass_csp lifts that for the audit tool only, the app's own scripts run as served."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    pg = ctx.new_page()
    pg.set_default_timeout(30000)
    yield pg
    ctx.close()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_axe_no_serious_or_critical_violations_on_any_page(audit_page, server_url, axe_script, lang):
    page = audit_page
    failures = {}
    # every registered page, plus the table tabs of the views with tabs (hidden panels are not audited)
    for path in registered_paths(server_url) + ["/?tab=table", "/vergleich?tab=table"]:
        sep = "&" if "?" in path else "?"
        goto_ready(page, server_url + path + (sep + "lang=en" if lang == "en" else ""))
        settle(page)
        assert page.evaluate("document.documentElement.lang") == lang, path
        page.locator("#ia-share > summary").click()            # the share panel's contents are checked too
        expect(page.locator("#ia-permalink")).to_have_value(re.compile(r"^http://"))
        # the click leaves the summary hovered: audit its hover colours, not a frame of their 0.15 s transition
        # (run 9 of the clean-clone check caught #fbfcfc on #707880, 4.35:1, on its way to white on #6c757d)
        page.wait_for_function("() => !document.getAnimations().some(a => a instanceof CSSTransition "
                               "&& a.playState === 'running')", timeout=10000)
        found = axe_violations(page, axe_script)
        if found:
            failures[path] = found
    for path, found in failures.items():
        print(f"\n== {path} ({lang})")
        for v in found:
            print(f"  {v['id']} [{v['impact']}] {v['help']}")
            for n in v["nodes"][:8]:
                print("     ", n)
    assert not failures, f"axe serious/critical violations ({lang}) on: {', '.join(failures)} (details above)"


def test_language_toggle_updates_html_lang(page, server_url):
    page.goto(server_url + "/tabelle")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.click("#lang-toggle")
    expect(page).to_have_url(re.compile(r"lang=en"))
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_phone_layout_map_first_collapsed_nav_and_drawer(browser, server_url):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, has_touch=True,
                              is_mobile=True)
    page = ctx.new_page()
    try:
        page.goto(server_url + "/?ind=foreigners_share&level=kreis")
        page.wait_for_function(f"({MAP_PAINTED})() == 400", timeout=60000)
        box = page.locator("#map-graph").bounding_box()             # the map is visible without scrolling
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box
        assert box["width"] >= 360 and box["height"] >= 300, box
        assert page.evaluate("window.scrollY") == 0
        expect(page.locator("#nav-link-vergleich")).to_be_hidden()   # navigation collapsed behind the toggler
        nav_h = page.locator("#nav").bounding_box()["height"]
        assert nav_h < 844 * 0.08, nav_h
        page.click("#nav-toggler")
        expect(page.locator("#nav-link-vergleich")).to_be_visible()
        page.click("#nav-toggler")
        expect(page.locator("#nav-link-vergleich")).to_be_hidden()
        sidebar = page.locator("#page-content .sidebar")              # controls: off-canvas drawer
        expect(sidebar).to_be_hidden()
        page.click("#ia-drawer-toggle")
        expect(sidebar).to_be_visible()
        expect(page.locator("#ia-drawer-toggle")).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#karte-ctl-indicator")).to_be_in_viewport()
        page.keyboard.press("Escape")
        expect(sidebar).to_be_hidden()
    finally:
        ctx.close()


def test_phone_tap_shows_the_hover_card_and_a_second_tap_opens_the_profile(browser, server_url):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, has_touch=True,
                              is_mobile=True)
    page = ctx.new_page()
    try:
        page.goto(server_url + "/?ind=foreigners_share&level=kreis")
        page.wait_for_function(f"({MAP_PAINTED})() == 400", timeout=60000)
        box = page.locator("#map-graph").bounding_box()
        page.wait_for_function("() => IAMap.mapOf(document.querySelector('#map-graph .js-plotly-plot')).loaded()")
        x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5
        page.touchscreen.tap(x, y)
        card = page.locator(".ia-tooltip")
        expect(card).to_be_visible()
        expect(card).to_contain_text("Erneut tippen öffnet das Profil")
        assert "/kreis/" not in page.url
        page.touchscreen.tap(x, y)
        expect(page).to_have_url(re.compile(r"/kreis/\d{5}"))
    finally:
        ctx.close()


class _Page(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 - http.server API
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_):
        pass


def test_embed_renders_inside_an_iframe_of_another_site_and_other_pages_refuse(page, server_url):
    view = "/?ind=foreigners_share&level=kreis&land=15"
    html_page = (f'<!doctype html><html lang="en"><title>host</title><h1>Host page</h1>'
                 f'<iframe id="embed" title="embed" src="{server_url}{view}&embed=1" width="900" height="700"></iframe>'
                 f'<iframe id="full" title="full" src="{server_url}{view}" width="300" height="200"></iframe></html>')
    handler = type("H", (_Page,), {"body": html_page.encode()})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        with urllib.request.urlopen(server_url + view, timeout=30) as r:
            assert r.headers["Content-Security-Policy"].endswith("; frame-ancestors 'none'")   # + dashboard/security.py
            assert r.headers["X-Frame-Options"] == "DENY"
        with urllib.request.urlopen(server_url + view + "&embed=1", timeout=30) as r:
            assert r.headers["Content-Security-Policy"].endswith("; frame-ancestors *")
            assert r.headers.get("X-Frame-Options") is None
        host = f"http://127.0.0.1:{srv.server_address[1]}/"          # another origin (port) than the app
        page.goto(host)
        frame = page.frame_locator("#embed")
        expect(frame.locator("#map-legend li").first).to_be_visible(timeout=60000)
        expect(frame.locator("#map-title")).to_contain_text("Ausländeranteil")
        expect(frame.locator("#map-footer")).to_contain_text("Lizenz")          # the source line
        back = frame.locator("#ia-embed-back")
        expect(back).to_have_attribute("href", view)                           # link back: same view, no embed
        expect(back).to_have_attribute("target", "_blank")
        expect(frame.locator("#nav-link-karte")).to_have_count(0)              # no navigation
        expect(frame.locator("#karte-ctl-indicator")).to_be_hidden()           # no controls
        expect(frame.locator("#ia-copy-link")).to_have_count(0)
        emb = next(f for f in page.frames if "embed=1" in f.url)
        emb.wait_for_function(f"({MAP_PAINTED})() == 400", timeout=60000)
        # opening a unit (Enter at the keyboard cross-hair, as a click does) opens the full profile in a new
        # tab; the host's iframe stays on the embed view
        emb.wait_for_function("() => IAMap.mapOf(document.querySelector('#map-graph .js-plotly-plot')).loaded()")
        frame.locator("#map-wrap").focus()
        expect(frame.locator(".ia-tooltip")).to_be_visible()
        with page.expect_popup(timeout=30000) as pop:
            frame.locator("#map-wrap").press("Enter")
        popup = pop.value
        assert re.search(r"/kreis/\d{5}\?", popup.url) and "embed" not in popup.url, popup.url
        expect(popup.locator("#nav-link-karte")).to_be_visible(timeout=60000)    # the full view
        popup.close()
        assert "embed=1" in emb.url and emb.evaluate("location.pathname") == "/"
        full = next(f for f in page.frames if f is not page.main_frame and f is not emb)
        assert full.url.startswith("chrome-error://") or not full.query_selector("#page-content"), full.url
    finally:
        srv.shutdown()


def _pixels_dark(img, box) -> int:
    """Number of dark (text) pixels inside box of a Pillow image."""
    return sum(img.convert("L").crop(box).histogram()[:110])


def test_map_png_and_svg_contain_title_legend_and_source_line(page, server_url):
    from PIL import Image

    page.goto(server_url + "/?ind=foreigners_share&level=kreis")
    page.wait_for_function(f"({MAP_PAINTED})() == 400", timeout=60000)
    page.wait_for_function("() => IAMap.mapOf(document.querySelector('#map-graph .js-plotly-plot')).loaded()")
    footer = re.sub(r"\s+", " ", page.locator("#map-footer").inner_text()).strip()
    title = page.locator("#map-title").inner_text().strip()
    assert re.search(r"Stichtag: \d\d\.\d\d\.\d{4}", footer) and "Lizenz:" in footer, footer
    with page.expect_download() as dl:
        page.click("#map-graph-export-svg")
    assert dl.value.suggested_filename.endswith(".svg")
    root = ET.fromstring(Path(dl.value.path()).read_bytes())
    ns = "{http://www.w3.org/2000/svg}"
    texts = [(el.get("class") or "", "".join(el.itertext())) for el in root.iter(ns + "text")]
    source = " ".join(t for c, t in texts if c == "ia-source")
    assert source == footer                                        # source, table, reference date, licence
    assert any(c == "ia-title" and t == title for c, t in texts)
    legend_labels = page.locator("#map-legend .legend-label").all_inner_texts()
    assert legend_labels and all(any(lbl in t for _, t in texts) for lbl in legend_labels)
    image = next(root.iter(ns + "image"))
    assert image.get("href").startswith("data:image/png;base64,")

    with page.expect_download() as dl:
        page.click("#map-graph-export-png")
    assert dl.value.suggested_filename.endswith(".png")
    png = Image.open(dl.value.path())
    assert png.format == "PNG"
    bare = page.evaluate("""([t, s]) => IAReach.mapImage(document.querySelector('#map-graph .js-plotly-plot'), 'png', t, s,
        {footer: false})""", [title, footer])
    without = Image.open(io.BytesIO(base64.b64decode(bare.split(",", 1)[1])))
    gd = page.locator("#map-graph").bounding_box()
    assert png.width == without.width and abs(png.width - (gd["width"] + 250)) <= 1
    band = png.height - without.height                             # the footer band is the only difference
    assert band >= 30
    assert _pixels_dark(png, (0, without.height, png.width, png.height)) > 200        # source text drawn
    assert _pixels_dark(png, (0, 0, png.width, 40)) > 100                            # title drawn
    assert _pixels_dark(png, (png.width - 250, 42, png.width, 200)) > 100            # legend drawn


def test_chart_png_and_svg_contain_the_source_line(page, server_url):
    from PIL import Image

    page.goto(server_url + "/vergleich?ind=foreigners_share&level=kreis&by=east_west")
    page.wait_for_function("() => (document.querySelector('#cmp-bars .js-plotly-plot')?._fullData || []).length > 0",
                           timeout=60000)
    cap = page.locator("#cmp-bars-cap")
    expect(cap.locator(".ia-summary")).to_contain_text("Gruppen; höchster Wert")    # text alternative
    expect(cap.locator(".ia-data-link")).to_have_attribute("href", re.compile(r"^/tabelle\?"))
    source = re.sub(r"\s+", " ", cap.locator(".ia-source").inner_text()).strip()
    ref = re.search(r"Stichtag: (\d\d\.\d\d\.\d{4})", source).group(1)
    assert "Lizenz:" in source
    title = page.locator("#cmp-title").inner_text().strip()
    assert title.startswith("Vergleich: Ausländeranteil · Kreise · ")
    with page.expect_download() as dl:
        page.click("#cmp-bars-export-svg")
    svg = Path(dl.value.path()).read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    text = " ".join(" ".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text"))
    text = re.sub(r"\s+", " ", text)
    assert f"Stichtag: {ref}" in text and "Lizenz:" in text
    assert "Quelle:" in text and f"{title} – Gruppen" in text
    with page.expect_download() as dl:
        page.click("#cmp-bars-export-png")
    png = Image.open(dl.value.path())
    bare = page.evaluate("""(s) => IAReach.chartImage(IAReach.graphDiv('cmp-bars'), 'png', 'x', s, {footer: false})""",
                         source)
    without = Image.open(io.BytesIO(base64.b64decode(bare.split(",", 1)[1])))
    assert png.width == without.width and png.height - without.height >= 25
    assert _pixels_dark(png, (0, png.height - (png.height - without.height), png.width, png.height)) > 100


def test_geojson_download_has_the_shown_units_with_their_values(page, server_url):
    import geopandas as gpd
    import pandas as pd

    page.goto(server_url + "/?ind=foreigners_share&level=kreis&land=15")
    expect(page.locator("#karte-filter-note")).to_contain_text("14 von 400")
    page.locator("#ia-share > summary").click()
    with page.expect_download() as dl:
        page.click("#ia-geojson")
    m = re.fullmatch(r"integrationsatlas_foreigners_share_kreis_(\d{4})\.geojson", dl.value.suggested_filename)
    assert m, dl.value.suggested_filename
    year = int(m.group(1))
    gdf = gpd.read_file(dl.value.path())
    assert len(gdf) == 14 and gdf["ags"].str.fullmatch(r"15\d{3}").all()       # only the filtered units
    assert gdf.geometry.notna().all() and not gdf.geometry.is_empty.any()
    minx, miny, maxx, maxy = gdf.total_bounds                                      # Sachsen-Anhalt
    assert 10.4 < minx and maxx < 13.3 and 50.9 < miny and maxy < 53.1
    # values as the geodata API (marts.map_values, another query) reports them
    with urllib.request.urlopen(server_url + f"/api/values?indicator=foreigners_share&year={year}&level=kreis&land=15",
                                timeout=30) as r:
        api = json.load(r)
    want = {a: v for a, v in zip(api["ags"], api["v"])}
    got = dict(zip(gdf["ags"], gdf["value"]))
    assert set(got) == set(want)
    assert all(abs(got[a] - want[a]) < 1e-4 for a in want if want[a] is not None)
    assert (pd.to_datetime(gdf["reference_date"]).dt.year == year).all() and gdf["licence"].notna().all()
    assert (gdf["year"] == year).all() and gdf["indicator"].eq("foreigners_share").all()
    halle = gdf.set_index("ags").loc["15002"]
    assert halle["name"].startswith("Halle") and halle["value"] > 5


def test_citation_and_copy_link_carry_the_permalink(browser, server_url):
    import duckdb

    from etl.settings import get_settings

    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    page = ctx.new_page()
    try:
        page.goto(server_url + "/vergleich?ind=foreigners_share&level=kreis&by=east_west")
        page.locator("#ia-share > summary").click()
        cite = page.locator("#ia-citation")
        expect(cite).to_contain_text(page.url)
        with duckdb.connect(str(get_settings().warehouse), read_only=True) as con:
            info = dict(con.execute("SELECT key, value FROM meta.build_info").fetchall())
        build = info.get("build_id") or info["models_hash"][:12]
        text = cite.inner_text()
        assert build in text
        assert re.search(r"Stichtag: \d\d\.\d\d\.\d{4}", text) and "Lizenz:" in text
        assert f"abgerufen am {dt.date.today():%d.%m.%Y}" in text
        assert re.search(r"Tabelle: \S", text)                                    # the publisher's table
        bib = page.locator("#ia-bibtex").inner_text()
        assert re.match(r"@misc\{integrationsatlas_vergleich_foreigners_share_kreis_\d{4},", bib), bib[:80]
        assert f"url          = {{{page.url}}}" in bib and build in bib.replace("\\_", "_")
        assert f"urldate      = {{{dt.date.today().isoformat()}}}" in bib
        expect(page.locator("#ia-permalink")).to_have_value(page.url)
        expect(page.locator("#ia-embed-code")).to_have_value(re.compile(r'<iframe src="http://[^"]+&embed=1"'))
        page.click("#ia-copy-link")
        expect(page.locator("#ia-share-status")).to_have_text("Kopiert.")
        assert page.evaluate("navigator.clipboard.readText()") == page.url
    finally:
        ctx.close()


def _search(page) -> str:
    return page.evaluate("location.search")


def test_map_and_table_are_keyboard_operable_tabs_with_the_tab_in_the_url(page, server_url, browser):
    """Karte | Tabelle (OWID grapher pattern): role=tablist, arrow keys switch, tab=table in the URL, a permalink
    with tab=table opens the table, and the table shows the values the map shows."""
    page.goto(server_url + "/?ind=foreigners_share&level=kreis")
    page.wait_for_function(f"({MAP_PAINTED})() == 400", timeout=60000)
    tabs = page.locator("#karte-tabs-list[role=tablist] [role=tab]")
    expect(tabs).to_have_text(["Karte", "Tabelle"])
    map_tab, table_tab = page.locator("#karte-tabs-tab-map"), page.locator("#karte-tabs-tab-table")
    expect(map_tab).to_have_attribute("aria-selected", "true")
    expect(table_tab).to_have_attribute("tabindex", "-1")                 # roving tabindex
    expect(page.locator("#karte-tabs-panel-table")).to_be_hidden()
    expect(page.locator("#karte-tabs-panel-map[role=tabpanel]")).to_have_attribute("aria-labelledby", "karte-tabs-tab-map")
    assert "tab=" not in _search(page)

    # the map's hover card at the keyboard cross-hair: the unit and its value as the map shows them
    page.wait_for_function("() => IAMap.mapOf(document.querySelector('#map-graph .js-plotly-plot')).loaded()")
    page.locator("#map-wrap").focus()
    card = page.locator(".ia-tooltip")
    expect(card).to_be_visible()
    card_text = card.inner_text()
    name = card.locator("strong").inner_text().strip()
    shown = re.search(r"(\d+(?:\.\d{3})*,\d+) %", card_text)
    assert name and shown, card_text

    map_tab.focus()
    page.keyboard.press("ArrowRight")                                      # keyboard: next tab, activated
    expect(table_tab).to_be_focused()
    expect(table_tab).to_have_attribute("aria-selected", "true")
    expect(map_tab).to_have_attribute("aria-selected", "false")
    expect(page.locator("#karte-tabs-panel-map")).to_be_hidden()
    expect(page.locator("#map-table .ag-row").first).to_be_visible()
    page.wait_for_function("() => location.search.includes('tab=table')")
    assert _search(page) == "?ind=foreigners_share&level=kreis&tab=table"

    # every row of the table = the value API (marts.map_values) for all 400 Kreise
    rows = page.evaluate("""async () => { const api = await dash_ag_grid.getApiAsync('map-table'); const out = [];
        api.forEachNode(n => out.push(n.data)); return out; }""")
    assert len(rows) == 400
    year = int(page.locator("#karte-ctl-year").inner_text().strip()[:4])
    with urllib.request.urlopen(server_url + f"/api/values?indicator=foreigners_share&year={year}&level=kreis",
                                timeout=30) as r:
        api = json.load(r)
    want = dict(zip(api["ags"], api["v"]))
    assert {r["ags"] for r in rows} == set(want)
    assert all(abs(r["value"] - want[r["ags"]]) < 1e-3 for r in rows if want[r["ags"]] is not None)
    # … and the unit under the map's cross-hair has the value its hover card showed
    row = next(r for r in rows if r["name"] == name)
    digits = shown.group(1).replace(".", "")
    decimals = len(digits.split(",")[1])
    assert abs(row["value"] - float(digits.replace(",", "."))) <= 0.5 * 10 ** -decimals + 1e-9, (row, digits)

    page.keyboard.press("Home")                                            # back to the map: tab= leaves the URL
    expect(map_tab).to_be_focused()
    expect(map_tab).to_have_attribute("aria-selected", "true")
    page.wait_for_function("() => !location.search.includes('tab=')")
    expect(page.locator("#karte-tabs-panel-map")).to_be_visible()
    box = page.locator("#map-graph").bounding_box()
    assert box["width"] > 600 and box["height"] > 400, box                # drawn at full size after being hidden

    other = browser.new_page(viewport={"width": 1366, "height": 768})    # the permalink with tab=table
    try:
        other.goto(server_url + "/?ind=foreigners_share&level=kreis&tab=table")
        expect(other.locator("#karte-tabs-tab-table")).to_have_attribute("aria-selected", "true")
        expect(other.locator("#map-table .ag-row").first).to_be_visible(timeout=60000)
        expect(other.locator("#karte-tabs-panel-map")).to_be_hidden()
        other.click("#karte-tabs-tab-map")                                 # a map first drawn while hidden
        other.wait_for_function(f"({MAP_PAINTED})() == 400", timeout=60000)
        other.wait_for_function("() => !location.search.includes('tab=')")
        box = other.locator("#map-graph").bounding_box()
        assert box["width"] > 600 and box["height"] > 400, box
        size = other.evaluate("() => { const c = document.querySelector('#map-graph canvas.maplibregl-canvas');"
                              " return c ? [c.clientWidth, c.clientHeight] : null; }")
        assert size and size[0] > 600 and size[1] > 400, size
    finally:
        other.close()
    assert not page.errors


def test_compare_charts_and_group_table_are_tabs_with_the_tab_in_the_url(page, server_url):
    page.goto(server_url + "/vergleich?ind=foreigners_share&level=kreis&by=east_west")
    expect(page.locator("#vergleich-tabs-list[role=tablist] [role=tab]")).to_have_text(["Diagramme", "Tabelle"])
    page.wait_for_function("() => (document.querySelector('#cmp-bars .js-plotly-plot')?._fullData || []).length > 0",
                           timeout=60000)
    bars = page.evaluate("() => { const d = document.querySelector('#cmp-bars .js-plotly-plot')._fullData[0];"
                         " return Object.fromEntries(Array.from(d.y).map((g, i) => [g, Number(d.x[i])])); }")
    expect(page.locator("#vergleich-tabs-panel-table")).to_be_hidden()
    page.click("#vergleich-tabs-tab-table")
    page.wait_for_function("() => location.search.includes('tab=table')")
    expect(page.locator("#vergleich-tabs-panel-chart")).to_be_hidden()
    rows = page.locator("#cmp-group-table .ag-center-cols-container .ag-row")
    expect(rows).to_have_count(2)
    table = page.evaluate("""async () => { const api = await dash_ag_grid.getApiAsync('cmp-group-table'); const out = {};
        api.forEachNode(n => { out[n.data.group] = n.data.value; }); return out; }""")
    assert set(table) == {"Ost", "West"} and set(bars) == set(table), (bars, table)
    assert all(abs(bars[g] - table[g]) < 1e-3 for g in table)            # the table = the bars
    page.reload()                                                          # the URL carries the tab
    expect(page.locator("#vergleich-tabs-tab-table")).to_have_attribute("aria-selected", "true")
    expect(rows).to_have_count(2, timeout=60000)
    page.locator("#vergleich-tabs-tab-table").focus()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#vergleich-tabs-tab-chart")).to_have_attribute("aria-selected", "true")
    page.wait_for_function("() => !location.search.includes('tab=')")
    expect(page.locator("#cmp-bars")).to_be_visible()
    assert not page.errors
