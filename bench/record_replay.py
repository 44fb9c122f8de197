"""Record the requests a real browser sends during the load test's click-through → bench/replay/clickthrough.json.

    python bench/record_replay.py [--port 8081] [--out bench/replay/clickthrough.json]

Starts the app with gunicorn on 127.0.0.1, drives headless Chromium through the steps below and keeps every
request the UI sends to the app server (page HTML, `_dash-layout`, `_dash-dependencies`, every
`_dash-update-component` POST with its exact body, `/api/...` calls), in the order sent. Nothing about the
callbacks is hard-coded: whatever the pages send (a changed callback graph, AG Grid's infinite row model asking
for row blocks, ...) is what gets replayed, so re-run this after the UI changes. Static files (`/assets/`,
`/_dash-component-suites/`, `/vendor/`, content-hashed `/geo/` geometry) are left out: the browser caches them
(immutable or max-age), a returning user does not fetch them again.

A step ends when no app request has been in flight for QUIET seconds (AG Grid and the map send follow-up
requests after the first paint).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "replay" / "clickthrough.json"
QUIET = 2.0

# (step name, URL, in-page action or None). The action is a click a user makes after the page is shown; if its
# control is missing the step records the plain page load of `fallback` instead.
STEPS = [
    ("karte_kreis", "/?level=kreis", None),
    ("karte_gemeinde", "/?level=kreis", {"click": "#karte-ctl-level input[value='gemeinde']",
                                         "fallback": "/?level=gemeinde"}),
    ("vergleich", "/vergleich", None),
    ("profil", "/gemeinde/05315000", None),
    ("tabelle", "/tabelle?level=kreis", None),
    ("kapazitaet", "/kapazitaet", None),
]
sys.path.insert(0, str(ROOT / "bench"))
from bench_load import wait_ready  # noqa: E402  (the one readiness wait of the benches)

STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/vendor/", "/geo/", "/favicon")


def start_gunicorn(port: int, workers: int = 2, threads: int = 1, log=None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
           "--bind", f"127.0.0.1:{port}", "--timeout", "120", "dashboard.app:server"]
    return subprocess.Popen(cmd, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=log or subprocess.DEVNULL,
                            start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def record(base: str, steps=STEPS) -> list[dict]:
    from playwright.sync_api import sync_playwright

    from dashboard.testing import CHROMIUM, CHROMIUM_ARGS
    out: list[dict] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, url, action in steps:
                ctx = browser.new_context(viewport={"width": 1366, "height": 768})
                page = ctx.new_page()
                page.set_default_timeout(60000)
                reqs: list[dict] = []
                inflight: dict = {}
                last = [time.time()]

                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))

                def on_request(r, reqs=reqs, inflight=inflight, last=last):
                    u = urlsplit(r.url)
                    last[0] = time.time()
                    if not r.url.startswith(base) or u.path.startswith(STATIC_PREFIXES):
                        inflight[id(r)] = None        # static: wait for it, do not record it
                        return
                    item = {"method": r.method, "path": u.path + (f"?{u.query}" if u.query else "")}
                    if r.method == "POST":
                        item["body"] = r.post_data
                        try:
                            body = json.loads(r.post_data or "null")
                            item["output"] = body.get("output") if isinstance(body, dict) else None
                        except ValueError:
                            item["output"] = None
                    reqs.append(item)
                    inflight[id(r)] = item
                    last[0] = time.time()

                def on_done(r, inflight=inflight, last=last, failed=False):
                    last[0] = time.time()
                    item = inflight.pop(id(r), None)
                    if item is not None:
                        resp = None if failed else r.response()
                        item["status"] = resp.status if resp else None
                        last[0] = time.time()

                page.on("request", on_request)
                page.on("requestfinished", on_done)
                page.on("requestfailed", lambda r, f=on_done: f(r, failed=True))

                def settle():
                    page.wait_for_load_state("networkidle")
                    # the router callback has filled the page (Dash renders after its bundles and _dash-layout)
                    page.wait_for_function("() => { const p = document.getElementById('page-content');"
                                           " return p && p.children.length > 0; }")
                    while inflight or time.time() - last[0] < QUIET:
                        page.wait_for_timeout(200)

                page.goto(base + url)
                settle()
                if action:
                    n_load = len(reqs)
                    loc = page.locator(action["click"])
                    if loc.count():
                        loc.first.check() if action["click"].endswith("]") else loc.first.click()
                        settle()
                        # keep the load of the page once (the previous step) and what the click sent
                        reqs[:] = reqs[n_load:]
                    else:
                        print(f"{name}: control {action['click']} not found; recording {action['fallback']}")
                        reqs.clear()
                        page.goto(base + action["fallback"])
                        settle()
                        url = action["fallback"]
                out.append({"name": name, "url": url, "action": (action or {}).get("click"), "requests": list(reqs)})
                bad = [r for r in reqs if r.get("status") not in (200, 204)]
                print(f"{name}: {len(reqs)} requests "
                      f"({sum(r['method'] == 'POST' for r in reqs)} callback POSTs), {len(bad)} not 200/204"
                      + (f"; page errors: {errors}" if errors else ""))
                if not any(r["method"] == "POST" for r in reqs):
                    raise RuntimeError(f"step {name} sent no callback; the page did not render ({errors})")
                ctx.close()
        finally:
            browser.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--url", help="record against this running server instead of starting gunicorn")
    a = ap.parse_args(argv)
    proc = None
    base = a.url
    if not base:
        base = f"http://127.0.0.1:{a.port}"
        proc = start_gunicorn(a.port)
    try:
        wait_ready(base, proc) if proc else None
        steps = record(base)
    finally:
        if proc:
            stop(proc)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    doc = {"recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": commit,
           "note": "regenerate with: python bench/record_replay.py", "steps": steps}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {a.out} ({sum(len(s['requests']) for s in steps)} requests in {len(steps)} steps)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
