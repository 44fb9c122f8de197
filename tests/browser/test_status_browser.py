"""/status in headless Chromium: datasets with freshness and schedule, recent runs, read-only actions refused."""
from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from etl.catalogue import load_catalogue

pytestmark = [pytest.mark.browser, pytest.mark.skipif(bool(os.environ.get("IA_STEWARD_TOKEN")),
                                                       reason="the console is only read-only without IA_STEWARD_TOKEN")]


def test_status_page_renders_datasets_runs_and_schedule(page, server_url):
    page.goto(server_url + "/status")
    expect(page.locator("h1")).to_have_text("Datenpflege: Aktualität, Läufe, Zeitplan")
    rows = page.locator("#status-grid .ag-center-cols-container .ag-row")
    expect(rows.first).to_be_visible()
    pinned = page.locator("#status-grid .ag-pinned-left-cols-container .ag-row")
    names = [n.strip() for n in pinned.all_inner_texts() if n.strip()]
    assert len(names) >= 5 and set(names) <= set(load_catalogue()) and names == sorted(names)
    grid_text = page.locator("#status-grid").inner_text()      # (AG Grid renders the visible cells only)
    assert "Spiegel (schreibgeschützt)" in grid_text                             # fetched: from the mirror
    assert re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", grid_text)                     # latest reference date
    assert re.search(r"\b\d+ Monate\b", grid_text)                                 # its age today
    assert re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d \([a-z-]+\)", grid_text)          # next run (entry)
    expect(page.locator("#status-runs")).to_be_visible()                          # recent runs (or "none yet")
    sched = page.locator("#status-schedule")
    expect(sched).to_contain_text("schutzsuchende-azr")
    expect(sched).to_contain_text("30 4 * 4-6 1")
    expect(page.locator("#status-read-only")).to_be_visible()                    # no token configured here
    expect(page.locator("#status-progress")).to_contain_text("Kein Lauf aktiv")
    assert not page.errors


def test_status_actions_without_token_are_refused_by_the_server(page, server_url):
    page.goto(server_url + "/status?lang=en")
    expect(page.locator("h1")).to_have_text("Data stewardship: freshness, runs, schedule")
    page.click("#status-btn-pause")
    expect(page.locator("#status-action-alert")).to_contain_text("403")
    expect(page.locator("#status-action-alert")).to_contain_text("read-only")
    page.fill("#status-token", "guess")
    page.click("#status-btn-rollback")
    expect(page.locator("#status-action-alert")).to_contain_text("403")
    assert not page.errors
