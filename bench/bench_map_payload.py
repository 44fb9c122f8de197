"""Map payload benchmark: geometry asset once + small value arrays vs. the naive full-GeoJSON figure per update.

Both approaches run in the same headless Chromium against the same local Flask server:
- asset:  Plotly choroplethmap with geojson = content-hashed asset URL (gzip, cached for good);
          each interaction fetches /api/values (gzip) and restyles z/locations only.
- naive:  each interaction fetches a whole Plotly figure JSON with the full-resolution GeoJSON
          inside (what a Dash callback returning a px/go figure sends; Dash does not compress by
          default) and calls Plotly.react.
Measured per interaction: transferred bytes (Resource Timing transferSize) and time from the
interaction until MapLibre reports 'idle' (repainted). Also writes a PNG of the Gemeinde map.

Data: the real warehouse (settings.warehouse) when it has marts.geo_assets and marts.map_values;
otherwise a throw-away warehouse built from the store (VG5000 + GV100AD population/area) in a temp dir.
Run: python bench/bench_map_payload.py [--n 15]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
import plotly  # noqa: E402
import shapely  # noqa: E402
from flask import Flask, Response, request  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from etl.settings import Settings, get_settings  # noqa: E402
from geodata.api import geo_blueprint  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
IA_MAP_JS = ROOT / "dashboard" / "assets" / "ia_map.js"


# -- data -----------------------------------------------------------------------------------------

def _has_tables(path: Path) -> bool:
    if not path.exists():
        return False
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = {f"{s}.{t}" for s, t in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables").fetchall()}
        return {"marts.geo_assets", "marts.map_values", "core.geo_region", "core.dim_region"} <= names
    finally:
        con.close()


def _fallback_warehouse(tmp: Path) -> Settings:
    """Geometry from the store + three real GV100AD variables as stand-in indicators."""
    import etl.steps.bkg_vg5000 as step
    from etl.catalogue import load_catalogue
    from etl.parsers.gv100ad import parse_gv100ad
    from etl.snapshots import SnapshotStore
    from etl.step import StepContext
    from geodata.build import post_build
    from warehouse.connection import connect_writer
    s = Settings(warehouse_path=str(tmp / "wh.duckdb"), snapshot_dir=str(tmp / "snap"),
                 asset_dir=str(tmp / "assets"), online="0")
    stg = step.run(StepContext(step.DATASET, s, SnapshotStore(s), load_catalogue()[step.DATASET])).tables["vg5000_geom"]
    stg = stg[stg["edition"] == stg["edition"].max()]   # the map's edition (no crosswalk here, so no fallback)
    gv = parse_gv100ad(get_settings().mirror / "destatis_gemeindeverzeichnis_2025" / "GV100AD_30112025.txt")
    gem = gv[gv.satzart == "60"].copy()
    reg = pd.concat([gem.assign(level="gemeinde", land_ags=gem["land"])[["ags", "level", "name", "land_ags"]],
                     gv[gv.satzart == "40"].assign(level="kreis", ags=gv["kreis_ags"], land_ags=gv["land"])[
                         ["ags", "level", "name", "land_ags"]],
                     gv[gv.satzart == "10"].assign(level="land", ags=gv["land"], land_ags=gv["land"])[
                         ["ags", "level", "name", "land_ags"]]])
    for col in ("kommunaltyp", "size_class", "size_class_fine", "east_west", "bbsr_kreistyp", "sonderstatus"):
        reg[col] = None
    pop = gem["population"].astype(float)
    vals = pd.concat([
        pd.DataFrame({"indicator_id": "population", "ags": gem["ags"], "value": pop}),
        pd.DataFrame({"indicator_id": "density", "ags": gem["ags"],
                      "value": pop / (gem["area_ha"].astype(float) / 100).where(lambda a: a > 0)}),
        pd.DataFrame({"indicator_id": "male_share", "ags": gem["ags"],
                      "value": gem["population_male"].astype(float) / pop.where(pop > 0) * 100}),
    ])
    vals = vals.assign(level="gemeinde", year=2024, flag=None, reference_date=pd.Timestamp("2024-12-31"),
                       harmonised=False)
    con = connect_writer(s.warehouse)
    for name, df in (("staging.vg5000_geom", stg), ("core.dim_region", reg), ("marts.map_values", vals),
                     ("core.dim_indicator", pd.DataFrame({"indicator_id": vals["indicator_id"].unique()}))):
        con.register("_d", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _d")
        con.unregister("_d")
    post_build(con, s)
    con.execute("CHECKPOINT")
    con.close()
    return s


def _interactions(s: Settings, n: int) -> list[dict]:
    """Gemeinde-level (indicator, year, filter) selections that have values, cycled to n."""
    con = duckdb.connect(str(s.warehouse), read_only=True)
    try:
        combos = con.execute("""SELECT indicator_id, year, count(value) AS n FROM marts.map_values
            WHERE level = 'gemeinde' GROUP BY 1, 2 HAVING count(value) > 1000 ORDER BY n DESC LIMIT 8""").fetchall()
        lands = [r[0] for r in con.execute("SELECT DISTINCT land_ags FROM core.dim_region WHERE level='gemeinde' "
                                           "AND land_ags IS NOT NULL ORDER BY 1").fetchall()]
    finally:
        con.close()
    if not combos:
        raise SystemExit("no Gemeinde values with > 1000 units in marts.map_values")
    out = []
    for i in range(n + 1):
        ind, year, _ = combos[i % len(combos)]
        sel = {"indicator": ind, "year": int(year), "level": "gemeinde"}
        if i % 3 == 2:   # every third change is a filter (all Länder but one)
            sel["land"] = ",".join(lands[: len(lands) - 1 - (i // 3) % 3])
        out.append(sel)
    return out


def _naive_geojson(s: Settings) -> dict:
    """Full-resolution GeoJSON with name properties, as `gdf.__geo_interface__` would give it."""
    con = duckdb.connect(str(s.warehouse), read_only=True)
    try:
        rows = con.execute("SELECT ags, name, wkb FROM core.geo_region WHERE level = 'gemeinde' AND wkb IS NOT NULL "
                           "ORDER BY ags").fetchall()
    finally:
        con.close()
    geoms = shapely.from_wkb([bytes(r[2]) for r in rows])
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ags": a, "name": nm}, "geometry": shapely.geometry.mapping(g)}
        for (a, nm, _), g in zip(rows, geoms)]}


# -- server ---------------------------------------------------------------------------------------

PAGE = """<!doctype html><html><head><meta charset="utf-8"><script src="/static/plotly.min.js"></script><script src="/static/ia_map.js"></script></head>
<body style="margin:0"><div id="map" style="width:900px;height:1100px"></div><script>
const MODE = "%MODE%", SELS = %SELS%;
const gd = document.getElementById('map');
const layout = {map: {style: 'white-bg', center: {lon: 10.45, lat: 51.16}, zoom: 5.25},
                margin: {l: 0, r: 0, t: 0, b: 0}, showlegend: false};
function mapIdle() {
  const m = gd._fullLayout.map._subplot.map;
  return new Promise(res => { const t = setTimeout(res, 10000); m.once('idle', () => { clearTimeout(t); res(); }); });
}
function q(sel) { return '/api/values?' + new URLSearchParams(sel).toString(); }
const COLOURS = ['#fde725', '#5ec962', '#21918c', '#3b528b', '#440154'];
function classes(v) {   // 5 quantile classes, computed in the page (the dashboard gets them from the server)
  const xs = v.filter(x => x !== null).sort((a, b) => a - b);
  const br = [1, 2, 3, 4].map(k => xs[Math.floor(k * xs.length / 5)]);
  return v.map(x => x === null ? -1 : br.filter(b => x >= b).length);
}
async function showAsset(i, first) {
  const v = await (await fetch(q(SELS[i]), {cache: 'no-store'})).json();  // worst case: no 304 reuse
  const p = {ags: v.ags, cls: classes(v.v), colours: COLOURS, fade: []};
  if (first) {
    const urls = await (await fetch('/api/geo/assets')).json();
    window.geoUrl = urls.gemeinde;
    await Plotly.newPlot(gd, [{type: 'scattermap', lat: [], lon: []}], layout);
    await IAMap.paint(gd, window.geoUrl, p);
  } else {
    const idle = mapIdle();
    await IAMap.paint(gd, window.geoUrl, p);
    return idle;
  }
}
async function showNaive(i, first) {
  const fig = await (await fetch('/bench/naive_figure?i=' + i)).json();
  if (first) { await Plotly.newPlot(gd, fig.data, layout); return; }
  const idle = mapIdle();
  await Plotly.react(gd, fig.data, layout);
  return idle;
}
window.step = async function (i, first) {
  performance.clearResourceTimings();
  const t0 = performance.now();
  if (first) {
    await (MODE === 'asset' ? showAsset(i, true) : showNaive(i, true));
    if (!gd._fullLayout.map._subplot.map.loaded()) await mapIdle();
  } else {
    await (MODE === 'asset' ? showAsset(i, false) : showNaive(i, false));
  }
  const ms = performance.now() - t0;
  const res = performance.getEntriesByType('resource').filter(e => !e.name.endsWith('plotly.min.js'));
  return {ms, bytes: res.reduce((a, e) => a + e.transferSize, 0),
          body: res.reduce((a, e) => a + e.decodedBodySize, 0),
          urls: res.map(e => [e.name.replace(location.origin, ''), e.transferSize])};
};
</script></body></html>"""


def make_app(s: Settings, sels: list[dict], naive_geojson: dict) -> Flask:
    import plotly.graph_objects as go
    app = Flask(__name__)
    app.register_blueprint(geo_blueprint(s))
    from geodata.api import values_payload
    from geodata.api import parse_filters

    @app.get("/static/plotly.min.js")
    def plotly_js():
        return Response(PLOTLY_JS.read_bytes(), mimetype="application/javascript",
                        headers={"Cache-Control": "public, max-age=31536000, immutable"})

    @app.get("/static/ia_map.js")
    def ia_map_js():
        return Response(IA_MAP_JS.read_bytes(), mimetype="application/javascript", headers={"Cache-Control": "no-store"})

    @app.get("/bench/<mode>.html")
    def page(mode: str):
        return Response(PAGE.replace("%MODE%", mode).replace("%SELS%", json.dumps(sels)), mimetype="text/html",
                        headers={"Cache-Control": "no-store"})

    @app.get("/bench/naive_figure")
    def naive_figure():
        sel = sels[int(request.args["i"])]
        v = values_payload(sel["indicator"], sel["year"], "gemeinde", parse_filters(sel), settings=s)
        fig = go.Figure(go.Choroplethmap(geojson=naive_geojson, featureidkey="properties.ags", locations=v["ags"],
                                         z=v["v"], colorscale="Viridis", marker_line_width=0.2,
                                         marker_line_color="#ffffff", showscale=False))
        return Response(fig.to_json(), mimetype="application/json", headers={"Cache-Control": "no-store"})

    return app


class Server:
    def __init__(self, app: Flask):
        self.srv = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.srv.server_port}"
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.srv.shutdown()


# -- run ------------------------------------------------------------------------------------------

def run_mode(browser, base: str, mode: str, n: int, png: Path | None = None) -> dict:
    ctx = browser.new_context(viewport={"width": 900, "height": 1100})
    page = ctx.new_page()
    page.goto(f"{base}/bench/{mode}.html")
    first = page.evaluate("step(0, true)")
    if png is not None:
        page.wait_for_timeout(500)
        page.screenshot(path=str(png))
    steps = [page.evaluate(f"step({i}, false)") for i in range(1, n + 1)]
    if png is not None:   # gap check: one flat colour, no border lines; any gap or sliver shows as white
        for name, view in (("map_gemeinde_flat.png", "{lon: 10.45, lat: 51.16}, zoom: 5.25"),
                           ("map_thueringen_flat.png", "{lon: 10.6, lat: 50.95}, zoom: 7.6")):
            centre, zoom = view.split(", zoom: ")
            page.evaluate("async () => { const m = IAMap.mapOf(gd); m.setPaintProperty('ia-line', 'line-width', 0); "
                          "const idle = mapIdle(); const ags = [...(await fetch(window.geoUrl).then(r => r.json()))"
                          ".features.map(f => String(f.id))]; "
                          "await IAMap.paint(gd, window.geoUrl, {ags, cls: ags.map(() => 0), colours: ['#1f4e79']}); "
                          f"m.jumpTo({{center: {centre}, zoom: {zoom}}}); await idle; }}")
            page.wait_for_timeout(300)
            page.screenshot(path=str(png.parent / name))
    reload = None
    if mode == "asset":   # a second visit: geometry must come from the browser cache (0 bytes transferred)
        page2 = ctx.new_page()
        page2.goto(f"{base}/bench/{mode}.html")
        reload = page2.evaluate("step(0, true)")
    ctx.close()
    return {"first": first, "steps": steps, "reload": reload}


DASH_STEPS = [("map-palette", "Cividis"), ("karte-f-land", "Bayern"), ("map-classification", "Fisher"),
              ("map-palette", "Braun"), ("karte-f-land", "Sachsen"), ("map-classification", "Gleiche"),
              ("map-palette", "Viridis"), ("map-classification", "Quantile")]
PAINTS = "() => +(document.querySelector('#map-graph .js-plotly-plot')?.getAttribute('data-ia-paints') || 0)"


def run_dashboard(browser, n: int) -> dict:
    """The real app (dev server, real warehouse): per UI change, bytes of the Dash responses and the time
    from picking the option until the map has repainted (paint counter + MapLibre idle)."""
    from dashboard.testing import running_server
    out = []
    with running_server() as url:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(url + "/?ind=foreigners_share&level=gemeinde")
        page.wait_for_function(f"({PAINTS})() > 0", timeout=60000)
        page.wait_for_function("() => IAMap.mapOf(document.querySelector('#map-graph .js-plotly-plot')).loaded()")
        page.wait_for_timeout(1500)
        for i in range(n):
            cid, text = DASH_STEPS[i % len(DASH_STEPS)]
            page.click(f"#{cid}")
            page.locator("input.dash-dropdown-search").first.fill(text)
            opt = page.locator("[role=option]", has_text=text).first
            opt.wait_for()
            before = page.evaluate(PAINTS)
            page.evaluate("() => { performance.clearResourceTimings(); const g = document.querySelector("
                          "'#map-graph .js-plotly-plot'); window._idle = new Promise(r => IAMap.mapOf(g).once("
                          "'idle', r)); window._t0 = performance.now(); }")
            opt.click()
            page.wait_for_function(f"({PAINTS})() > {before}", timeout=60000)
            ms = page.evaluate("async () => { await window._idle; return performance.now() - window._t0; }")
            page.keyboard.press("Escape")
            page.wait_for_timeout(600)   # late responses (URL sync) of this change are counted too
            res = page.evaluate("performance.getEntriesByType('resource').map(e => e.transferSize)")
            out.append({"step": f"{cid}={text}", "ms": round(ms, 1), "bytes": sum(res)})
        page.close()
    return {"steps": out}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=15, help="interactions per approach")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    RESULTS.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    with tempfile.TemporaryDirectory() as td:
        if _has_tables(settings.warehouse):
            s, source = settings, f"warehouse {settings.warehouse}"
        else:
            s, source = _fallback_warehouse(Path(td)), "store fallback (VG5000 + GV100AD; warehouse not built)"
        sels = _interactions(s, args.n)
        naive_gj = _naive_geojson(s)
        with Server(make_app(s, sels, naive_gj)) as srv, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                asset = run_mode(browser, srv.url, "asset", args.n, RESULTS / "map_gemeinde.png")
                naive = run_mode(browser, srv.url, "naive", args.n)
                dash_app = run_dashboard(browser, args.n) if s is settings else None
            finally:
                browser.close()
            import gzip as _gz
            import urllib.request
            with urllib.request.urlopen(f"{srv.url}/bench/naive_figure?i=1") as r:
                naive_gzip = len(_gz.compress(r.read(), 6))
    med = lambda xs: statistics.median(xs)  # noqa: E731
    a_bytes = med([x["bytes"] for x in asset["steps"]])
    n_bytes = med([x["bytes"] for x in naive["steps"]])
    a_ms = med([x["ms"] for x in asset["steps"]])
    n_ms = med([x["ms"] for x in naive["steps"]])
    geo_first = sum(b for u, b in asset["first"]["urls"] if u.startswith("/geo/gemeinde."))
    geo_reload = sum(b for u, b in asset["reload"]["urls"] if u.startswith("/geo/gemeinde."))
    out = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "data": source, "interactions": args.n,
        "chromium_args": CHROMIUM_ARGS,
        "asset": {"geometry_first_load_bytes": geo_first, "geometry_cached_reload_bytes": geo_reload,
                  "first_paint_ms": round(asset["first"]["ms"], 1),
                  "bytes_per_interaction_median": a_bytes, "bytes_per_interaction_max": max(x["bytes"] for x in asset["steps"]),
                  "repaint_ms_median": round(a_ms, 1), "repaint_ms_all": [round(x["ms"], 1) for x in asset["steps"]]},
        "naive": {"first_paint_ms": round(naive["first"]["ms"], 1), "bytes_per_interaction_median": n_bytes,
                  "bytes_per_interaction_if_gzipped": naive_gzip,
                  "repaint_ms_median": round(n_ms, 1), "repaint_ms_all": [round(x["ms"], 1) for x in naive["steps"]]},
        "dashboard": None if dash_app is None else {
            "bytes_per_interaction_median": med([x["bytes"] for x in dash_app["steps"]]),
            "bytes_per_interaction_max": max(x["bytes"] for x in dash_app["steps"]),
            "repaint_ms_median": round(med([x["ms"] for x in dash_app["steps"]]), 1), "steps": dash_app["steps"]},
        "ratios": {"bytes": round(n_bytes / a_bytes, 1), "bytes_vs_gzipped_naive": round(naive_gzip / a_bytes, 1),
                   "repaint_speedup": round(n_ms / a_ms, 1)},
        "budgets": {"geometry_gemeinde_le_1_2MB": geo_first <= 1_200_000,
                    "interaction_le_100KB": max(x["bytes"] for x in asset["steps"]) <= 100_000,
                    "bytes_ratio_ge_20": n_bytes / a_bytes >= 20, "repaint_ratio_ge_3": n_ms / a_ms >= 3},
        "screenshot": "bench/results/map_gemeinde.png",
    }
    (RESULTS / "map_payload.json").write_text(json.dumps(out, indent=2))
    print(f"Data: {source}; {args.n} interactions each (indicator/year/filter changes, Gemeinde level)\n")
    print("| approach | geometry (first load) | bytes per interaction (median) | repaint median |")
    print("|---|---:|---:|---:|")
    print(f"| asset + values | {geo_first / 1e3:,.0f} KB (cached reload: {geo_reload} B) | "
          f"{a_bytes / 1e3:,.1f} KB | {a_ms:,.0f} ms |")
    print(f"| naive figure per update | – | {n_bytes / 1e3:,.0f} KB ({naive_gzip / 1e3:,.0f} KB if gzipped) | "
          f"{n_ms:,.0f} ms |")
    if dash_app is not None:
        d = out["dashboard"]
        print(f"| dashboard (real app, UI changes) | cached | {d['bytes_per_interaction_median'] / 1e3:,.1f} KB "
              f"(max {d['bytes_per_interaction_max'] / 1e3:,.1f} KB) | {d['repaint_ms_median']:,.0f} ms |")
    print(f"\nRatios: {out['ratios']['bytes']}× fewer bytes ({out['ratios']['bytes_vs_gzipped_naive']}× vs gzipped "
          f"naive), {out['ratios']['repaint_speedup']}× faster repaint. Budgets: {out['budgets']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
