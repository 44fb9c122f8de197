"""Browser-test fixtures: the real server against the real warehouse, headless Chromium (system binary)."""
from __future__ import annotations

import os

import pytest

from etl.settings import get_settings


@pytest.fixture(scope="session")
def server_url():
    wh = get_settings().warehouse
    if not wh.exists():
        pytest.skip(f"warehouse {wh} missing: build it first with `integrationsatlas etl run` (CI does)")
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("/usr/bin/chromium not installed (make browser)")
    from dashboard.testing import running_server
    with running_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright
    expect.set_options(timeout=30000)   # first requests warm the query caches; the Gemeinde map is ~1 MB

    from dashboard.testing import CHROMIUM, CHROMIUM_ARGS
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, server_url):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(30000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    ctx.close()
