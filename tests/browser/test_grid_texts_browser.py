"""AG Grid's own texts (empty table, filter menu, no match) follow the UI language on every grid, not only /tabelle's
(components/grid.options). Checked on two grids outside /tabelle: the empty selection table of /vergleich and the
catalogue grid of /daten with its column filter."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TEXTS = {   # lang → (no rows, filter operator shown first, filter placeholder, no matching rows)
    "de": ("Keine Zeilen vorhanden", "enthält", "Filtern …", "Keine passenden Zeilen"),
    "en": ("No rows to show", "Contains", "Filter...", "No matching rows"),
}


def _q(lang: str, more: str = "") -> str:
    return "?" + "&".join(x for x in (more, "lang=en" if lang == "en" else "") if x)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_empty_selection_table_of_compare_says_so_in_the_ui_language(page, server_url, lang):
    page.goto(server_url + "/vergleich" + _q(lang, "tab=table"))
    overlay = page.locator("#cmp-selection-table .ag-overlay")
    expect(overlay).to_have_text(TEXTS[lang][0])
    other = TEXTS["en" if lang == "de" else "de"][0]
    expect(overlay).not_to_contain_text(other)
    assert not page.errors


@pytest.mark.parametrize("lang", ["de", "en"])
def test_column_filter_menu_and_no_match_of_the_catalogue_grid_in_the_ui_language(page, server_url, lang):
    no_rows, op, placeholder, no_match = TEXTS[lang]
    page.goto(server_url + "/daten" + _q(lang))
    grid = "#sources-grid"
    expect(page.locator(f"{grid} .ag-row").first).to_be_visible()
    header = page.locator(f"{grid} .ag-header-cell[col-id=indicator]")
    header.hover()
    header.locator(".ag-header-cell-filter-button").click()
    menu = page.locator(".ag-filter")
    expect(menu.locator(".ag-picker-field-display").first).to_have_text(op)
    value = menu.locator("input[type=text]").first
    expect(value).to_have_attribute("placeholder", placeholder)
    value.fill("xqzxqz")
    expect(page.locator(f"{grid} .ag-overlay")).to_have_text(no_match)
    assert not page.errors
