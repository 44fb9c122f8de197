"""Screenshots of every page at 1366×768 and 390×844 (phone_*.png) → screenshots/ (real server, real warehouse,
headless Chromium).

Run after `integrationsatlas etl run`: python scripts/screenshots.py [--out screenshots]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.testing import CHROMIUM, CHROMIUM_ARGS, running_server  # noqa: E402

# (file name, path + query, CSS selector that must be visible, extra wait in ms for map tiles/geometry)
SHOTS = [
    ("karte_gemeinde", "/?ind=immigration_history_share&level=gemeinde", "#map-legend li", 9000),
    ("karte_kreis_filter", "/?ind=protection_seekers_per_1000&level=kreis&ew=east&pal=bupu&cls=fisher_jenks&k=6",
     "#map-legend li", 4000),
    ("vergleich", "/vergleich?ind=foreigners_share&level=kreis&by=size_class_fine,east_west&sel=15002,14713,09162"
     "&x=foreigners_share&y=unemployment_rate", "#cmp-bars-cap .ia-summary", 4000),
    ("vergleich_beeswarm", "/vergleich?ind=foreigners_share&level=gemeinde&by=size_class,east_west&dist=swarm"
     "&sel=15002000,14713000", "#cmp-bars-cap .ia-summary", 5000),
    ("profil_halle", "/gemeinde/15002000?sel=15002000", "#pro-table .ag-row", 5000),
    ("tabelle", "/tabelle?ind=population&level=gemeinde&land=15", "#table-grid .ag-row", 2000),
    ("daten", "/daten", "#sources-grid .ag-row", 1500),
    ("karte_en", "/?lang=en&ind=foreigners_share&level=kreis", "#map-legend li", 4000),
    ("karte_auswahl", "/?ind=foreigners_share&level=gemeinde&sel=15002000,15003000", "#map-legend li", 6000),
    ("daten_abdeckung", "/daten?ew=east&br=own#coverage-grid", "#coverage-grid .ag-row", 1500),
    ("hinweis_ungueltige_parameter", "/?ind=does_not_exist&year=abc&k=42&level=mars", "#notice-alert", 4000),
    ("status", "/status", "#status-grid .ag-row", 1500),
    # Deutschlandatlas and the new vintages (issue 8): a Gemeinde-level capacity indicator, Kita quota, BA 2025
    ("karte_da_grundschule_gemeinde", "/?ind=da_p_grunds&level=gemeinde", "#map-legend li", 9000),
    ("karte_da_steuerkraft_gemeinde", "/?ind=da_st_einnkr&level=gemeinde&land=09", "#map-legend li", 9000),
    ("karte_kita_u3_da_kreis", "/?ind=childcare_quota_u3_da&level=kreis", "#map-legend li", 4000),
    ("karte_arbeitslosenquote_2025", "/?ind=unemployment_rate&level=kreis&year=2025", "#map-legend li", 4000),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(ROOT / "screenshots"))
    ap.add_argument("--only", choices=("all", "desktop", "phone"), default="all",
                    help="desktop shots (1366×768), phone shots (390×844 of every registered page) or both")
    ap.add_argument("--name", action="append", default=[], help="only these desktop shots (repeatable)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright
    with running_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        if args.only in ("all", "phone"):
            phone_shots(browser, url, out)
        shots = [x for x in SHOTS if not args.name or x[0] in args.name]
        for name, path, selector, wait in (shots if args.only != "phone" else []):
            page.goto(url + path)
            page.wait_for_selector(selector, timeout=60000)
            page.wait_for_timeout(wait)
            if "#" in path:   # a section further down the page
                page.locator("#" + path.split("#", 1)[1]).scroll_into_view_if_needed()
            target = out / f"{name}.png"
            page.screenshot(path=str(target))
            print(target)
        browser.close()
    return 0


# phone (390×844): every registered page (from /api/pages, so new pages are included) plus the open drawer,
# the open navigation and an embed view; path variables get a sample value
PHONE_SAMPLES = {"ags": "15002000"}
PHONE_QUERY = {"/": "?ind=foreigners_share&level=kreis", "/vergleich": "?ind=foreigners_share&level=kreis&by=east_west"
               "&sel=15002,14713", "/tabelle": "?ind=population&level=kreis&land=15"}
PHONE_EXTRA = [("phone_karte_einstellungen", "/?ind=foreigners_share&level=kreis", "#ia-drawer-toggle"),
               ("phone_navigation", "/?ind=foreigners_share&level=kreis", "#nav-toggler"),
               ("phone_karte_embed", "/?ind=foreigners_share&level=kreis&embed=1", None),
               ("phone_karte_tabelle", "/?ind=foreigners_share&level=kreis&tab=table", None),
               ("phone_vergleich_tabelle", "/vergleich?ind=foreigners_share&level=kreis&by=east_west&tab=table", None)]


def settle(page, url: str, extra_ms: int) -> None:
    """Open url and wait for the page's own ready marker, then (tolerantly) for its callbacks: a slow callback
    on a loaded machine is shot as it stands after 45 s instead of aborting the run; then a fixed extra wait."""
    for attempt in (1, 2):
        try:
            page.goto(url, timeout=120000, wait_until="domcontentloaded")
            page.wait_for_selector("#page-content .ia-view, #page-content .ia-embed", timeout=90000)
            break
        except Exception as exc:  # noqa: BLE001 - one retry under load, then give up on this shot loudly
            if attempt == 2:
                raise
            print(f"retrying {url}: {exc}", file=sys.stderr)
    try:
        page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=45000)
    except Exception:  # noqa: BLE001 - still loading: fall back to the fixed wait below
        print(f"still loading after 45 s, shooting as it stands: {url}", file=sys.stderr)
    page.wait_for_timeout(extra_ms)


def phone_shots(browser, url: str, out: Path) -> None:
    import json
    import re
    import urllib.request
    with urllib.request.urlopen(url + "/api/pages", timeout=30) as r:
        pages = json.load(r)
    page = browser.new_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    shots = []
    for p in pages:
        path = re.sub(r"<(\w+)>", lambda m: PHONE_SAMPLES[m.group(1)], p.get("path_template") or p["path"])
        name = "phone_" + (p["module"].rsplit(".", 1)[-1])
        shots.append((name, path + PHONE_QUERY.get(path, ""), None))
    for name, path, click in shots + PHONE_EXTRA:
        settle(page, url + path, 6000 if path.startswith("/?") or path == "/" else 3000)
        if click:
            page.click(click)
            page.wait_for_timeout(600)
        target = out / f"{name}.png"
        page.screenshot(path=str(target))
        print(target)
    page.close()


if __name__ == "__main__":
    raise SystemExit(main())
