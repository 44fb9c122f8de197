"""First paint and bytes of the map, and one change to a repainted map (issue 11, frontend).

What it measures, in the real app (gunicorn, 2 workers, as `integrationsatlas serve` runs it) with headless
Chromium through Playwright, for two or three variants in the SAME run, repeats interleaved (see VARIANT_ENV):
full = the state before issue 11 (Dash's full plotly.js, dash-ag-grid in every page, GeoJSON map source),
geojson = the partial plotly.js bundle and AG Grid on view with the GeoJSON map source, tiles = the defaults
(the map drawn from vector tiles, geodata/tiles.py), poster = the defaults (tiles, and a still image of the map
in the page's HTML, dashboard/poster.py). Default comparison: tiles (baseline) vs poster (now).

- cold load (fresh browser context = empty cache) and warm load (a second page in the same context) of the map
  at Gemeinde and at Kreis level: first contentful paint (performance paint entry), `ia-map-poster` (the still
  image's render time, Element Timing, dashboard/assets/ia_poster.js), `ia-map-drawn` (the first
  frame with the coloured polygons, dashboard/assets/ia_map.js), `ia-map-idle` (MapLibre idle: every polygon of
  the level drawn = fully drawn), all relative to navigation start;
- transferred bytes (CDP Network.loadingFinished encodedDataLength, summed) until the map is fully drawn and
  the network is quiet, JavaScript bytes by resource, and whether the full plotly.min.js was requested;
- one change in the real app: on the warm Gemeinde map, another year picked in the year dropdown (mouse, as a
  user would); time from the option click to the next `ia-map-drawn`, split into the part before the
  clientside paint starts (callback round trip + Dash) and the map's own repaint.

    python bench/bench_first_paint.py                # 5 repeats → bench/results/first_paint.json + .md
    python bench/bench_first_paint.py --repeats 7 --changes 8
    python bench/bench_first_paint.py --variants full,geojson,tiles

Needs var/warehouse.duckdb, /usr/bin/chromium, and var/vendor/plotly-ia.min.js (built here if missing, needs npm).
Ports 8061 (full), 8062 (geojson), 8063 (tiles), 8064 (poster).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PORTS = {"full": 8061, "geojson": 8062, "tiles": 8063, "poster": 8064}
# full = the state before issue 11 (Dash's full plotly.js, dash-ag-grid in every page, GeoJSON source);
# geojson = partial plotly.js + lazy grid, the map's source the 4 MB GeoJSON asset (the state of 2026-12-02 03:09);
# tiles = the defaults: the same, drawn from vector tiles (geodata/tiles.py, IA_MAP_TILES=1)
# poster = the defaults: tiles plus the map's still image in the page's HTML (dashboard/poster.py, IA_MAP_POSTER=1)
VARIANT_ENV = {"full": {"IA_PLOTLY_BUNDLE": "full", "IA_LAZY_GRID": "0", "IA_MAP_TILES": "0", "IA_MAP_POSTER": "0"},
               "geojson": {"IA_PLOTLY_BUNDLE": "partial", "IA_LAZY_GRID": "1", "IA_MAP_TILES": "0", "IA_MAP_POSTER": "0"},
               "tiles": {"IA_PLOTLY_BUNDLE": "partial", "IA_LAZY_GRID": "1", "IA_MAP_TILES": "1", "IA_MAP_POSTER": "0"},
               "poster": {"IA_PLOTLY_BUNDLE": "partial", "IA_LAZY_GRID": "1", "IA_MAP_TILES": "1", "IA_MAP_POSTER": "1"}}
BASE, NOW = "tiles", "poster"     # the default comparison (--variants changes it: the last one is "now")
VARIANTS = {v: PORTS[v] for v in (BASE, NOW)}
LEVELS = {"gemeinde": "/?ind=population&level=gemeinde&year=2024", "kreis": "/?ind=population&level=kreis&year=2024"}
CHANGE_YEARS = ("2023", "2024")
TARGETS = {"gemeinde_cold_first_paint_s": 1.5, "gemeinde_cold_fully_drawn_s": 2.5, "gemeinde_warm_first_paint_s": 1.0,
           "cold_bytes_mb": 2.0, "change_to_repaint_ms": 300}

GRAPH = "document.querySelector('#map-graph .js-plotly-plot')"
TIMES = f"""() => {{
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const drawn = performance.getEntriesByName('ia-map-drawn')[0], idle = performance.getEntriesByName('ia-map-idle')[0];
  const paint = performance.getEntriesByName('ia-map-paint')[0], poster = performance.getEntriesByName('ia-map-poster')[0];
  const g = {GRAPH};
  return {{fcp: fcp ? fcp.startTime : null, poster: poster ? poster.startTime : null, paint: paint ? paint.startTime : null, drawn: drawn ? drawn.startTime : null, idle: idle ? idle.startTime : null,
          dcl: nav ? nav.domContentLoadedEventEnd : null, load: nav ? nav.loadEventEnd : null,
          painted: g ? +(g.getAttribute('data-ia-painted') || 0) : 0}}; }}"""


def load_avg() -> float:
    return os.getloadavg()[0]


def wait_for_quiet(max_tries: int = 10) -> dict:
    """Measure only when the 1-minute load is < 2.0 (shared 2-core machine); record it either way."""
    tries = 0
    while load_avg() >= 2.0 and tries < max_tries:
        print(f"load {load_avg():.2f} >= 2.0: waiting 60 s ({tries + 1}/{max_tries})", flush=True)
        time.sleep(60)
        tries += 1
    return {"load_1min": round(load_avg(), 2), "waited_min": tries}


def serve_command(port: int) -> list[str]:
    """Exactly what `integrationsatlas serve` runs (etl/cli.py gunicorn_command), on 127.0.0.1:port."""
    try:
        from etl.cli import gunicorn_command
        return gunicorn_command("127.0.0.1", port)
    except ImportError:   # older CLI: 2 sync workers
        return [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "60",
                "dashboard.app:server"]


class Server:
    """gunicorn dashboard.app:server with 2 workers, like `integrationsatlas serve` (etl/cli.py)."""

    def __init__(self, variant: str, port: int):
        self.variant, self.port, self.url = variant, port, f"http://127.0.0.1:{port}"
        self.log = tempfile.TemporaryFile()
        env = {**os.environ, **VARIANT_ENV[variant]}
        self.cmd = serve_command(port)
        self.proc = subprocess.Popen(self.cmd, cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=self.log)

    def wait(self, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"gunicorn ({self.variant}) exited: " + self.log.read().decode(errors="replace")[-2000:])
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn ({self.variant}) did not answer on {self.url}")

    def wait_warm(self, workers: int = 2, timeout: float = 600) -> None:
        """Until /healthz has answered warm_up "done" from `workers` distinct workers: a page load during the
        workers' start-up warm-up (~1 min of CPU each, all servers at once on 2 cores) measures the warm-up."""
        deadline, done = time.time() + timeout, set()
        while time.time() < deadline and len(done) < workers:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
                    body = json.loads(r.read())
                if body.get("warm_up", {}).get("state") in ("done", "failed"):
                    done.add(body.get("worker"))
            except OSError:
                pass
            time.sleep(0.5)
        if len(done) < workers:
            raise RuntimeError(f"gunicorn ({self.variant}): warm-up not done in {len(done)} of {workers} workers")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Net:
    """Bytes on the wire per request through CDP (encodedDataLength includes headers; 0-ish for cache hits)."""

    def __init__(self, page):
        self.reqs: dict[str, dict] = {}
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._resp)
        self.cdp.on("Network.loadingFinished", self._done)
        self.cdp.on("Network.requestServedFromCache", self._cache)
        self.cdp.send("Network.enable")

    def _sent(self, e):
        self.reqs.setdefault(e["requestId"], {})["url"] = e["request"]["url"]

    def _resp(self, e):
        r = self.reqs.setdefault(e["requestId"], {})
        r.update(type=e.get("type"), status=e["response"].get("status"),
                 cache=bool(e["response"].get("fromDiskCache")) or bool(e["response"].get("fromMemoryCache")),
                 encoding=(e["response"].get("headers") or {}).get("content-encoding")
                 or (e["response"].get("headers") or {}).get("Content-Encoding"))

    def _cache(self, e):
        self.reqs.setdefault(e["requestId"], {})["cache"] = True

    def _done(self, e):
        self.reqs.setdefault(e["requestId"], {})["bytes"] = e.get("encodedDataLength", 0)

    def summary(self) -> dict:
        rows = [r for r in self.reqs.values() if "url" in r and not r["url"].startswith("data:")]
        total = sum(r.get("bytes", 0) for r in rows)
        js = {}
        for r in rows:
            if r.get("type") == "Script":
                path = urlsplit(r["url"]).path
                js[path] = js.get(path, 0) + r.get("bytes", 0)
        by_type: dict[str, int] = {}
        for r in rows:
            by_type[r.get("type") or "?"] = by_type.get(r.get("type") or "?", 0) + r.get("bytes", 0)
        return {"bytes": total, "requests": len(rows), "cache_hits": sum(1 for r in rows if r.get("cache")),
                "bytes_by_type": by_type, "js_bytes": sum(js.values()), "js_by_resource": js,
                "full_plotly_requested": any(urlsplit(r["url"]).path.endswith("/plotly.min.js") for r in rows),
                "partial_plotly_requested": any("/vendor/plotly-ia." in r["url"] for r in rows)}


def warm_poster(base: str, path: str, times: int = 6) -> None:
    """Request the still image a page's HTML names (if any) a few times, untimed."""
    import html
    import re
    with urllib.request.urlopen(base + path, timeout=60) as r:
        m = re.search(r'srcset="(/map-poster\.png[^"]*)"', r.read().decode("utf-8", "replace"))
    for _ in range(times if m else 0):
        with urllib.request.urlopen(base + html.unescape(m.group(1)), timeout=60) as r:
            r.read()


def one_load(ctx, url: str, min_units: int) -> dict:
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    net = Net(page)
    page.goto(url, wait_until="commit", timeout=60000)
    page.wait_for_function(f"() => {{ const g = {GRAPH}; return g && +(g.getAttribute('data-ia-idle') || 0) >= 1; }}",
                           timeout=90000, polling=50)
    times = page.evaluate(TIMES)
    try:
        page.wait_for_load_state("networkidle", timeout=5000)
    except Exception:  # noqa: BLE001 - bytes then are those until now
        pass
    out = {**{k: (round(v / 1000, 3) if isinstance(v, (int, float)) and k != "painted" else v)
              for k, v in times.items()}, **net.summary(), "errors": errors}
    if times["painted"] < min_units:
        raise RuntimeError(f"map painted {times['painted']} units < {min_units} at {url}")
    return {"page": page, "net": net, **out}


def one_change(page, year: str) -> dict:
    """Pick `year` in the Karte year dropdown with the mouse; click → next ia-map-drawn."""
    n0 = page.evaluate(f"() => +({GRAPH}.getAttribute('data-ia-drawn') || 0)")
    page.click("#karte-ctl-year")
    opt = page.locator("[role=option]", has_text=year).first
    opt.wait_for()
    page.evaluate("""() => { window.__iaClick = null;
      document.addEventListener('click', () => { window.__iaClick = performance.now(); }, {capture: true, once: true}); }""")
    opt.click()
    page.wait_for_function(f"() => +({GRAPH}.getAttribute('data-ia-drawn') || 0) > {n0}", timeout=30000, polling=10)
    r = page.evaluate(f"""() => {{ const d = performance.getEntriesByName('ia-map-drawn').filter(e => e.detail.paint === {n0 + 1})[0];
      const p = performance.getEntriesByName('ia-map-paint').filter(e => e.detail.paint === {n0 + 1})[0];
      return {{click: window.__iaClick, paint: p ? p.startTime : null, drawn: d ? d.startTime : null}}; }}""")
    page.keyboard.press("Escape")
    if r["click"] is None or r["drawn"] is None:
        raise RuntimeError(f"change to {year}: no click or drawn mark: {r}")
    return {"year": year, "total_ms": round(r["drawn"] - r["click"], 1),
            "until_paint_ms": round(r["paint"] - r["click"], 1) if r["paint"] else None,
            "map_repaint_ms": round(r["drawn"] - r["paint"], 1) if r["paint"] else None}


def med(xs):
    xs = [x for x in xs if x is not None]
    return round(statistics.median(xs), 3) if xs else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--changes", type=int, default=6, help="year changes per repeat and variant")
    ap.add_argument("--out", default=str(RESULTS / "first_paint.json"))
    ap.add_argument("--max-wait", type=int, default=10, help="minutes to wait for a 1-min load < 2.0 per repeat")
    ap.add_argument("--variants", default=f"{BASE},{NOW}",
                    help="comma-separated, baseline first, 'now' last; from: " + ", ".join(PORTS))
    args = ap.parse_args()
    global VARIANTS
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    if len(names) < 2 or any(v not in PORTS for v in names):
        ap.error(f"--variants: two or more of {', '.join(PORTS)}")
    VARIANTS = {v: PORTS[v] for v in names}
    base, now = names[0], names[-1]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # the finally below stops the servers

    from dashboard import frontend
    if not frontend.partial_file().exists():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "build_plotly_bundle.py")], check=True)
    from playwright.sync_api import sync_playwright

    servers = {v: Server(v, port) for v, port in VARIANTS.items()}
    loads: dict = {v: {lvl: {"cold": [], "warm": []} for lvl in LEVELS} for v in VARIANTS}
    changes: dict = {v: [] for v in VARIANTS}
    conditions = []
    try:
        for s in servers.values():
            s.wait()
        for s in servers.values():
            s.wait_warm()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # untimed warm-up: query caches of both workers, geometry files in the OS cache, and the still image
            # of each URL in both workers' memo (several requests: gunicorn picks the worker)
            for s in servers.values():
                for path in LEVELS.values():
                    warm_poster(s.url, path)
                for _ in range(2):
                    for lvl, path in LEVELS.items():
                        ctx = browser.new_context(viewport={"width": 1366, "height": 768})
                        one_load(ctx, s.url + path, 10000 if lvl == "gemeinde" else 400)["page"].close()
                        ctx.close()
            for rep in range(args.repeats):
                cond = wait_for_quiet(args.max_wait)
                conditions.append(cond)
                order = list(VARIANTS) if rep % 2 == 0 else list(reversed(VARIANTS))
                print(f"repeat {rep + 1}/{args.repeats}: load {cond['load_1min']}, order {order}", flush=True)
                for v in order:
                    for lvl, path in LEVELS.items():
                        ctx = browser.new_context(viewport={"width": 1366, "height": 768})
                        cold = one_load(ctx, servers[v].url + path, 10000 if lvl == "gemeinde" else 400)
                        cold["page"].close()
                        warm = one_load(ctx, servers[v].url + path, 10000 if lvl == "gemeinde" else 400)
                        if lvl == "gemeinde":
                            for i in range(args.changes):
                                changes[v].append(one_change(warm["page"], CHANGE_YEARS[i % 2]))
                        warm["page"].close()
                        ctx.close()
                        for kind, r in (("cold", cold), ("warm", warm)):
                            r.pop("page"), r.pop("net")
                            loads[v][lvl][kind].append(r)
                        print(f"  {v:8s} {lvl:8s} cold fcp {cold['fcp']} drawn {cold['drawn']} idle {cold['idle']} "
                              f"{cold['bytes'] / 1e6:.2f} MB | warm drawn {warm['drawn']} idle {warm['idle']} "
                              f"{warm['bytes'] / 1e6:.2f} MB", flush=True)
            browser.close()
    finally:
        for s in servers.values():
            s.stop()

    summary: dict = {}
    for v in VARIANTS:
        sv = summary[v] = {}
        for lvl in LEVELS:
            for kind in ("cold", "warm"):
                rs = loads[v][lvl][kind]
                sv[f"{lvl}_{kind}"] = {
                    "fcp_s": med([r["fcp"] for r in rs]), "payload_s": med([r.get("paint") for r in rs]),
                    "map_drawn_s": med([r["drawn"] for r in rs]),
                    "poster_s": med([r["poster"] for r in rs if r.get("poster") is not None]) if any(
                        r.get("poster") is not None for r in rs) else None,
                    "first_map_s": med([min(x for x in (r.get("poster"), r["drawn"]) if x is not None) for r in rs]),
                    "fully_drawn_s": med([r["idle"] for r in rs]), "bytes_mb": med([r["bytes"] / 1e6 for r in rs]),
                    "js_bytes_mb": med([r["js_bytes"] / 1e6 for r in rs]),
                    "full_plotly_requested": any(r["full_plotly_requested"] for r in rs),
                    "partial_plotly_requested": any(r["partial_plotly_requested"] for r in rs),
                    "page_errors": sum(len(r["errors"]) for r in rs)}
        cs = changes[v]
        sv["change"] = {"n": len(cs), "total_ms": med([c["total_ms"] for c in cs]),
                        "until_paint_ms": med([c["until_paint_ms"] for c in cs]),
                        "map_repaint_ms": med([c["map_repaint_ms"] for c in cs])}
        last = loads[v]["gemeinde"]["cold"][-1]
        sv["gemeinde_cold_js_by_resource"] = dict(sorted(last["js_by_resource"].items(), key=lambda kv: -kv[1]))
        sv["gemeinde_cold_bytes_by_type"] = last["bytes_by_type"]
    f, pt = summary[base], summary[now]
    ratios = {f"{k}_{m}": round(f[k][m] / pt[k][m], 2) if f[k][m] and pt[k][m] else None
              for k in ("gemeinde_cold", "gemeinde_warm", "kreis_cold", "kreis_warm")
              for m in ("first_map_s", "map_drawn_s", "fully_drawn_s", "bytes_mb")}
    g = pt["gemeinde_cold"]
    verdict = {"gemeinde_cold_first_paint_s": [g["first_map_s"], g["first_map_s"] <= TARGETS["gemeinde_cold_first_paint_s"]],
               "gemeinde_cold_fully_drawn_s": [g["fully_drawn_s"], g["fully_drawn_s"] <= TARGETS["gemeinde_cold_fully_drawn_s"]],
               "gemeinde_warm_first_paint_s": [pt["gemeinde_warm"]["first_map_s"],
                                               pt["gemeinde_warm"]["first_map_s"] <= TARGETS["gemeinde_warm_first_paint_s"]],
               "cold_bytes_mb": [g["bytes_mb"], g["bytes_mb"] <= TARGETS["cold_bytes_mb"]],
               "change_to_repaint_ms": [pt["change"]["total_ms"], pt["change"]["total_ms"] <= TARGETS["change_to_repaint_ms"]]}
    result = {"bench": "first_paint", "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "chromium": CHROMIUM},
              "server": " ".join(servers[now].cmd[1:]), "variant_env": {v: VARIANT_ENV[v] for v in VARIANTS},
              "baseline": base, "now": now,
              "urls": LEVELS, "repeats": args.repeats, "changes_per_repeat": args.changes,
              "conditions": conditions, "targets": TARGETS, "verdict_now": verdict,
              "ratio_baseline_over_now": ratios, "median": summary, "runs": loads, "change_runs": changes}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    out.with_suffix(".md").write_text(markdown(result))
    print(out.with_suffix(".md").read_text())
    return 0


def markdown(r: dict) -> str:
    m, base, now = r["median"], r["baseline"], r["now"]
    vs = list(r["variant_env"])
    loads = ", ".join(str(c["load_1min"]) for c in r["conditions"])
    lines = [f"# First paint of the map (bench/bench_first_paint.py, {r['when']})", "",
             f"Real app (gunicorn as `integrationsatlas serve`), headless Chromium, {r['repeats']} repeats interleaved, medians; "
             f"1-min load at each repeat: {loads}. Same run, variants {', '.join(f'`{v}`' for v in vs)} (baseline `{base}`, "
             f"now `{now}`): `full` = Dash's full plotly.js, dash-ag-grid in every page, GeoJSON map source; `geojson` = "
             "the partial plotly.js bundle and AG Grid on view, GeoJSON map source; `tiles` = the defaults, the map drawn "
             "from vector tiles (`IA_MAP_TILES`, geodata/tiles.py), no still image; `poster` = the defaults: tiles and the "
             "map's still image in the page's HTML (`IA_MAP_POSTER`, dashboard/poster.py).", "",
             "Columns: *map on screen* = the first frame showing the coloured map: the still image's render time "
             "(Element Timing, `ia-map-poster`) where there is one, else the live map's first drawn frame "
             "(`ia-map-drawn`); *live map drawn* = `ia-map-drawn`; *fully drawn* = MapLibre idle (`ia-map-idle`).", "",
             f"Server: `{r['server']}`; env per variant: {r['variant_env']}.", "",
             "| URL, cache | variant | first contentful paint s | map on screen s | paint payload in browser s "
             "| live map drawn s | fully drawn s | MB transferred | JS MB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for key in ("gemeinde_cold", "gemeinde_warm", "kreis_cold", "kreis_warm"):
        for v in vs:
            x = m[v][key]
            lines.append(f"| {key.replace('_', ', ')} | {v} | {x['fcp_s']} | {x.get('first_map_s')} | {x.get('payload_s')} | {x['map_drawn_s']} | "
                         f"{x['fully_drawn_s']} | "
                         f"{x['bytes_mb']:.2f} | {x['js_bytes_mb']:.2f} |")
    lines += ["", "One change (year picked in the Karte dropdown, Gemeinde level, warm): click → repainted map, ms",
              "", "| variant | n | total | until the clientside paint starts | map repaint |", "|---|---|---|---|---|"]
    for v in vs:
        c = m[v]["change"]
        lines.append(f"| {v} | {c['n']} | {c['total_ms']} | {c['until_paint_ms']} | {c['map_repaint_ms']} |")
    lines += ["", f"Targets ({now}): " + "; ".join(f"{k} {v[0]} → {'met' if v[1] else 'NOT met'}"
                                               for k, v in r["verdict_now"].items()), "",
              f"Ratios {base} / {now}: " + ", ".join(f"{k} {v}" for k, v in r["ratio_baseline_over_now"].items()), "",
              "Full plotly.min.js requested: " + ", ".join(f"{v} {m[v]['gemeinde_cold']['full_plotly_requested']}" for v in vs),
              "", f"JavaScript of a cold Gemeinde load ({now}), bytes on the wire:", ""]
    for path, b in m[now]["gemeinde_cold_js_by_resource"].items():
        lines.append(f"- `{path}` {b / 1e3:.0f} kB")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
