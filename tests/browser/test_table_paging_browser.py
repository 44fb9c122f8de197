"""/tabelle sends the ranking block by block (AG Grid infinite row model, issue 11): scroll, sort, filter, export."""
from __future__ import annotations

import csv
import io
import re

import duckdb
import pandas as pd
import pytest
from playwright.sync_api import expect

from etl.settings import get_settings

pytestmark = pytest.mark.browser

BAYERN = "/tabelle?ind=population&level=gemeinde&land=09"
VIEWPORT = "#table-grid .ag-body-viewport"


def _expected() -> pd.DataFrame:
    """The Bavarian Gemeinde ranking read straight from the warehouse (independent of dashboard/ code): every
    Gemeinde of Land 09 on the current Gebietsstand with its population of the latest year (highest first), then
    by name; ties share the rank."""
    with duckdb.connect(str(get_settings().warehouse), read_only=True) as con:
        df = con.execute("""
            WITH y AS (SELECT max(year) AS year FROM core.fact_observation
                       WHERE indicator_id = 'population' AND level = 'gemeinde' AND value IS NOT NULL),
            f AS (SELECT f.* FROM core.fact_observation f, y WHERE f.indicator_id = 'population'
                  AND f.level = 'gemeinde' AND f.year = y.year AND f.on_current_territory
                  QUALIFY row_number() OVER (PARTITION BY f.ags ORDER BY f.reference_date DESC) = 1)
            SELECT r.ags, r.name, f.value FROM core.dim_region r LEFT JOIN f ON f.ags = r.ags
            WHERE r.level = 'gemeinde' AND r.land_ags = '09'""").df()
    df["rank"] = df["value"].rank(ascending=False, method="min")
    return df.sort_values(["rank", "name"], na_position="last").reset_index(drop=True)


def _blocks(page) -> list[dict]:
    """Every getRowsResponse the server sent to this page (the bodies of its callback responses)."""
    out = []

    def on_response(resp):
        if "_dash-update-component" in resp.url and "getRowsResponse" in (resp.request.post_data or ""):
            try:
                body = resp.json()
            except Exception:  # noqa: BLE001 - a 204 (no update) has no body
                return
            out.append(body["response"]["table-grid"]["getRowsResponse"])
    page.on("response", on_response)
    return out


def _filter_input(page, col: str):
    """The floating filter input under the column header `col` (same aria-colindex in the filter row)."""
    idx = page.get_attribute(f"#table-grid .ag-header-row-column .ag-header-cell[col-id={col}]", "aria-colindex")
    return page.locator(f"#table-grid .ag-header-row-filter [aria-colindex='{idx}'] input").first


def _cell(page, row: int, col: str):
    return page.locator(f"#table-grid .ag-row[row-index='{row}'] [col-id={col}]").first


def test_bavarian_gemeinden_arrive_in_blocks_and_scroll_and_sort_on_the_server(page, server_url):
    exp = _expected()
    n = len(exp)
    assert n > 2000                                            # 2,056 Gemeinden + gemeindefreie Gebiete
    blocks = _blocks(page)
    page.goto(server_url + BAYERN)
    expect(page.locator("#table-count")).to_have_text(f"{n} Zeilen")
    expect(_cell(page, 0, "name")).to_have_text(exp["name"].iloc[0])          # rank 1: München
    assert exp["name"].iloc[0].startswith("München")
    assert blocks and all(len(b["rowData"]) <= 100 for b in blocks), [len(b["rowData"]) for b in blocks]
    assert blocks[0]["rowCount"] == n and len(blocks[0]["rowData"]) == 100
    first = len(blocks)

    # scroll to the end: the grid asks for the blocks it lacks, the last row is the last of the ranking
    for _ in range(60):
        page.eval_on_selector(VIEWPORT, "el => { el.scrollTop = el.scrollHeight; }")
        if page.locator(f"#table-grid .ag-row[row-index='{n - 1}']").count():
            break
        page.wait_for_timeout(250)
    expect(_cell(page, n - 1, "name")).to_have_text(exp["name"].iloc[n - 1])
    for _ in range(40):                                        # response events arrive after the DOM update
        if len(blocks) > first:
            break
        page.wait_for_timeout(250)
    assert len(blocks) > first and all(len(b["rowData"]) <= 100 for b in blocks)
    assert sum(len(b["rowData"]) for b in blocks) < 2 * n      # blocks, not the table again and again

    # sort by name (header click): the server orders all rows, the first rows are the alphabetically first
    page.eval_on_selector(VIEWPORT, "el => { el.scrollTop = 0; }")
    page.click("#table-grid .ag-header-cell[col-id=name] .ag-header-cell-label")
    names = sorted(exp["name"].astype(str))
    expect(_cell(page, 0, "name")).to_have_text(names[0])
    expect(_cell(page, 1, "name")).to_have_text(names[1])
    page.click("#table-grid .ag-header-cell[col-id=name] .ag-header-cell-label")
    expect(_cell(page, 0, "name")).to_have_text(names[-1])

    # the grid's own filter runs on the server too, and the export holds every row that passes it
    _filter_input(page, "name").fill("ing")
    want = exp[exp["name"].str.lower().str.contains("ing", regex=False)]
    expect(page.locator("#table-count")).to_have_text(f"{len(want)} Zeilen")
    assert len(want) > 100                                     # more than one block
    with page.expect_download() as dl:
        page.click("#btn-csv")
    rows = list(csv.DictReader(io.StringIO(open(dl.value.path(), encoding="utf-8-sig").read())))
    assert len(rows) == len(want)
    assert [r["name"] for r in rows] == sorted(want["name"].astype(str), reverse=True)   # the grid's sort
    assert {r["ags"] for r in rows} == set(want["ags"]) and all(r["ags"].startswith("09") for r in rows)
    assert not page.errors


def test_empty_table_says_so_in_the_ui_language(page, server_url):
    for lang, text in (("de", "Keine passenden Zeilen"), ("en", "No matching rows")):
        page.goto(server_url + BAYERN + ("&lang=en" if lang == "en" else ""))
        expect(page.locator("#table-count")).to_contain_text(re.compile(r"\d{4}"))
        _filter_input(page, "name").fill("xqzxqz")
        expect(page.locator("#table-count")).to_contain_text("0")
        expect(page.locator("#table-grid .ag-overlay")).to_contain_text(text)
    assert not page.errors
