"""Record the Dash callback requests of a click-through of every page (issue 11) into a replay file.

Starts the real app on port 8071 (IA_BENCH_PORT), opens every page in headless Chromium (system binary), waits
until the page settles and stores each `POST /_dash-update-component` body in bench/callbacks_replay.json
together with the page step it belongs to. bench/bench_callbacks.py replays that file against the app.

    python bench/capture_callbacks.py            # regenerates bench/callbacks_replay.json (~1–2 min)

Re-run it when a page's layout or callbacks change (the bodies name component ids and properties).
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "callbacks_replay.json"

# (step name, path + query, optional action in the page after load)
STEPS: list[tuple[str, str, str | None]] = [
    ("karte_kreis", "/?ind=foreigners_share&level=kreis", None),
    ("karte_gemeinde", "/?ind=population&level=gemeinde", None),
    ("vergleich", "/vergleich?ind=foreigners_share&level=kreis&by=east_west&sel=15002", None),
    ("profil_kreis_muenchen", "/kreis/09162", None),
    ("profil_gemeinde_koeln", "/gemeinde/05315000", None),
    ("profil_gemeinde_cottbus", "/gemeinde/12052000", None),
    ("tabelle", "/tabelle", "scroll_sort"),
    ("tabelle_bayern_gemeinden", "/tabelle?ind=population&level=gemeinde&land=09", "scroll_sort"),
    ("daten", "/daten", None),
    ("kapazitaet", "/kapazitaet", None),
    ("kapazitaet_card", "/kapazitaet?sel=09162", None),
    ("status", "/status", None),
]


def _settle(page, quiet_ms: int = 1500, limit_s: float = 60) -> None:
    """Wait until no Dash callback request has been in flight for `quiet_ms`."""
    t0 = time.time()
    while time.time() - t0 < limit_s:
        busy = page.evaluate("window.__iaPending || 0")
        last = page.evaluate("window.__iaLast || 0")
        now = page.evaluate("Date.now()")
        if busy == 0 and now - last > quiet_ms:
            return
        time.sleep(0.2)


TRACK = """(() => { if (window.__iaTracked) return; window.__iaTracked = 1; window.__iaPending = 0; window.__iaLast = Date.now();
  const f = window.fetch; window.fetch = function(u, o) { const dash = String(u).includes('_dash-update-component');
    if (dash) { window.__iaPending++; window.__iaLast = Date.now(); }
    return f.apply(this, arguments).finally(() => { if (dash) { window.__iaPending--; window.__iaLast = Date.now(); } }); }; })()"""


def _scroll_sort(page) -> None:
    """Scroll the table to its end and sort by value (the infinite row model fetches more blocks)."""
    page.wait_for_selector("#table-grid .ag-row", timeout=60000)
    vp = "#table-grid .ag-body-viewport"
    for _ in range(6):
        page.eval_on_selector(vp, "el => el.scrollTop = el.scrollTop + 3000")
        time.sleep(0.4)
    _settle(page)
    page.evaluate("""dash_ag_grid.getApiAsync('table-grid').then(api => api.applyColumnState(
        {state: [{colId: 'value', sort: 'desc'}], defaultState: {sort: null}}))""")
    _settle(page)
    page.click("#table-grid .ag-header-cell[col-id=name] .ag-header-cell-label")   # a header click sorts too
    _settle(page)


def capture(port: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    from dashboard.testing import CHROMIUM, CHROMIUM_ARGS, running_server
    records: list[dict] = []
    with running_server(timeout=90, port=port) as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ctx = browser.new_context(viewport={"width": 1366, "height": 900})
            ctx.add_init_script(TRACK)
            page = ctx.new_page()
            page.set_default_timeout(60000)
            step = {"name": ""}

            def on_request(req):
                if "_dash-update-component" in req.url and req.method == "POST":
                    body = json.loads(req.post_data or "{}")
                    records.append({"step": step["name"], "output": body.get("output"), "body": body})

            page.on("request", on_request)
            for name, path, action in STEPS:
                step["name"] = name
                page.goto(url + path)
                page.wait_for_selector("#page-content", timeout=60000)
                _settle(page)
                if action == "scroll_sort":
                    _scroll_sort(page)
                print(f"{name:28s} {sum(r['step'] == name for r in records):3d} callbacks", flush=True)
            browser.close()
    return records


def main() -> None:
    port = int(os.environ.get("IA_BENCH_PORT", "8071"))
    records = capture(port)
    OUT.write_text(json.dumps({"captured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "steps": [s[0] for s in STEPS], "requests": records}, ensure_ascii=False, indent=1))
    print(f"{len(records)} callback requests → {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
