"""Screenshots of every page at 1366×768 → screenshots/*.png (real server, real warehouse, headless Chromium).

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
     "&x=foreigners_share&y=unemployment_rate", "#cmp-group-table .ag-row", 4000),
    ("vergleich_beeswarm", "/vergleich?ind=foreigners_share&level=gemeinde&by=size_class,east_west&dist=swarm"
     "&sel=15002000,14713000", "#cmp-group-table .ag-row", 5000),
    ("profil_halle", "/gemeinde/15002000?sel=15002000", "#pro-table .ag-row", 5000),
    ("tabelle", "/tabelle?ind=population&level=gemeinde&land=15", "#table-grid .ag-row", 2000),
    ("daten", "/daten", "#sources-grid .ag-row", 1500),
    ("karte_en", "/?lang=en&ind=foreigners_share&level=kreis", "#map-legend li", 4000),
    ("karte_auswahl", "/?ind=foreigners_share&level=gemeinde&sel=15002000,15003000", "#map-legend li", 6000),
    ("daten_abdeckung", "/daten?ew=east&br=own#coverage-grid", "#coverage-grid .ag-row", 1500),
    ("hinweis_ungueltige_parameter", "/?ind=does_not_exist&year=abc&k=42&level=mars", "#notice-alert", 4000),
    ("status", "/status", "#status-grid .ag-row", 1500),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(ROOT / "screenshots"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright
    with running_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        for name, path, selector, wait in SHOTS:
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


if __name__ == "__main__":
    raise SystemExit(main())
