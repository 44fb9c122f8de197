"""What the pages take and what their grids say (issue 11 leftovers), through the Flask test client of the real app.

- Every AG Grid of every page carries AG Grid's own texts in the UI language (components/grid.options).
- Crafted callback inputs — values no control can produce — are rejected by the state rules before any query:
  200/204 with the notice, nothing logged at ERROR (no trace), and the value never reaches DuckDB.
"""
from __future__ import annotations

import json

import pytest

from tests.test_fuzz_app import _body, _dep, app  # noqa: F401 - `app`: the fuzz test's fixture (private warehouse copy)

PAGES = ("/", "/vergleich", "/kapazitaet", "/tabelle", "/daten", "/status", "/gemeinde/15002000", "/kreis/15002")


def _grids(node, out: list) -> list:
    """Every dash_ag_grid component of a layout (Dash's JSON)."""
    if isinstance(node, dict):
        if node.get("namespace") == "dash_ag_grid":
            out.append(node["props"])
        for v in node.values():
            _grids(v, out)
    elif isinstance(node, list):
        for v in node:
            _grids(v, out)
    return out


def _render(app, path: str, search: str) -> dict:
    dep = _dep(app, "..nav.children")
    r = app["client"].post("/_dash-update-component", json=_body(dep, {
        ("url", "pathname"): path, ("url", "search"): search, ("route-store", "data"): None}))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_json()["response"]["page-content"]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_grid_of_every_page_has_its_texts_in_the_ui_language(app, lang):
    from dashboard.components import grid
    want = grid.locale_text(lang)
    seen = {}
    for path in PAGES:
        grids = _grids(_render(app, path, "?lang=en" if lang == "en" else ""), [])
        seen[path] = [g.get("id") for g in grids]
        for g in grids:
            got = (g.get("dashGridOptions") or {}).get("localeText")
            assert got == want, (path, g.get("id"), got and {k: got[k] for k in list(got)[:2]})
    # the pages' grids really were found (a renamed component type would make this test vacuous)
    assert sum(len(v) for v in seen.values()) >= 11, seen
    assert want["noRowsToShow"] == ("Keine Zeilen vorhanden" if lang == "de" else "No rows to show")
