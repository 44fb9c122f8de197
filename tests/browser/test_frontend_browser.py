"""Issue 11 (frontend): the page loads the partial plotly.js bundle, never the full one, AG Grid only when a
grid is shown, and maps, charts, grids and Plotly.toImage still work with them."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard import frontend

pytestmark = pytest.mark.browser

GRAPH = "document.querySelector('#map-graph .js-plotly-plot')"
# the trace types the app draws (dashboard/components/charts.py, pages/*, components/mapfig.py)
TRACES = ["bar", "box", "choroplethmap", "scatter", "scattergl", "scattermap"]


@pytest.fixture(autouse=True)
def _partial_built():
    if not frontend.partial_file().exists():
        pytest.skip("partial plotly.js bundle not built: python scripts/build_plotly_bundle.py (needs npm)")


def _record(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    return urls


def test_map_page_loads_partial_plotly_and_no_grid_library(page, server_url):
    urls = _record(page)
    page.goto(server_url + "/?ind=population&level=gemeinde&year=2024")
    page.wait_for_function(f"() => {{ const g = {GRAPH}; return g && +(g.getAttribute('data-ia-idle') || 0) >= 1; }}",
                           timeout=60000)
    assert page.evaluate(f"() => +{GRAPH}.getAttribute('data-ia-painted')") > 10000   # every Gemeinde polygon
    assert any(re.search(r"/vendor/plotly-ia\.[0-9a-f]{12}\.min\.js$", u) for u in urls), urls
    assert not [u for u in urls if u.split("?")[0].endswith("/plotly.min.js")]          # the full bundle: never
    assert not [u for u in urls if "dash_ag_grid" in u]                                 # table tab not shown yet
    info = page.evaluate("""() => ({traces: Object.keys(Plotly.PlotSchema.get().traces).sort(),
        toImage: typeof Plotly.toImage, version: Plotly.version,
        marks: ['ia-map-paint', 'ia-map-drawn', 'ia-map-idle'].map(n => performance.getEntriesByName(n).length),
        fcp: performance.getEntriesByName('first-contentful-paint').length})""")
    assert info["traces"] == TRACES and info["toImage"] == "function" and info["version"] == "4.1.1"
    assert min(info["marks"]) >= 1 and info["fcp"] == 1
    drawn, idle = page.evaluate("""() => [performance.getEntriesByName('ia-map-drawn')[0].startTime,
        performance.getEntriesByName('ia-map-idle')[0].startTime]""")
    assert 0 < drawn <= idle
    # the table alternative: AG Grid's script arrives when its tab is shown, and the grid fills
    page.click("#karte-tabs-tab-table")
    expect(page.locator("#map-table .ag-row").first).to_be_visible(timeout=30000)
    assert [u for u in urls if "dash_ag_grid.v" in u]
    assert not page.errors


def test_chart_renders_and_exports_with_partial_bundle(page, server_url):
    urls = _record(page)
    page.goto(server_url + "/vergleich?ind=foreigners_share&level=kreis")
    box = page.locator("#cmp-distribution .js-plotly-plot")
    expect(box).to_be_attached(timeout=30000)
    page.wait_for_function("""() => { const g = document.querySelector('#cmp-distribution .js-plotly-plot');
        return g && g._fullData && g._fullData.some(t => t.type === 'box') &&
               g.querySelectorAll('.boxlayer .trace path').length > 0; }""", timeout=30000)
    png = page.evaluate("""() => Plotly.toImage(document.querySelector('#cmp-distribution .js-plotly-plot'),
        {format: 'png', width: 500, height: 300})""")
    svg = page.evaluate("""() => Plotly.toImage(document.querySelector('#cmp-distribution .js-plotly-plot'),
        {format: 'svg', width: 500, height: 300})""")
    assert png.startswith("data:image/png;base64,") and len(png) > 5000
    assert svg.startswith("data:image/svg+xml") and "boxlayer" in svg
    assert not [u for u in urls if u.split("?")[0].endswith("/plotly.min.js")]
    assert not page.errors


def test_full_bundle_setting_falls_back_to_dash_default(monkeypatch):
    monkeypatch.setenv("IA_PLOTLY_BUNDLE", "full")
    assert frontend.partial_url() is None and not [u for u in frontend.external_scripts() if "plotly-ia" in u]
    monkeypatch.setenv("IA_PLOTLY_BUNDLE", "partial")
    assert re.fullmatch(r"/vendor/plotly-ia\.[0-9a-f]{12}\.min\.js", frontend.partial_url())
    monkeypatch.setenv("IA_LAZY_GRID", "0")
    assert not [u for u in frontend.external_scripts() if "lazy-grid" in u]
