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


# -- crafted callback inputs -----------------------------------------------------------------------

MARK = "zq'\"; DROP TABLE core.fact_observation; --"        # recognisable in any SQL text or parameter
BASE_SEARCH = "?ind=population&level=kreis"
# (callback output prefix, crafted input id, property, value, index of the notice output or None = no notice)
CRAFTED = [
    ("..map-paint.data", "karte-ctl-year", "value", 99999, 4),                    # a year outside the catalogue
    ("..map-paint.data", "map-k", "value", -3, 4),                                # k outside 3–9
    ("..map-paint.data", "karte-ctl-indicator", "value", "population" + MARK, 4),  # an indicator id with quotes
    ("..map-paint.data", "map-palette", "value", ["viridis"], 4),                 # a list where a string belongs
    ("..cmp-bars.figure", "vergleich-ctl-level", "value", "foo", 6),              # an unknown level
    ("..cmp-bars.figure", "cmp-selection", "value", ["15002", MARK], 6),          # a malformed AGS
    ("..cmp-bars.figure", "vergleich-f-land", "value", [MARK], 6),                # an unknown Land
    ("..table-grid.columnDefs", "tabelle-ctl-indicator", "value", {"a": MARK}, 3),  # a dict as the indicator
    ("..coverage-grid.rowData", "daten-f-berlin-rule", "value", MARK, 1),         # the Berlin rule (an identifier)
    ("..lens-quadrant.figure", "lens-bv-palette", "value", "foo", 11),            # an unknown lens palette
    ("..lens-quadrant.figure", "lens-pressure", "value", MARK, 11),
    ("..lens-share.figure", "lens-share-land", "value", "99" + MARK, 1),
    ("..pro-similar.children", "pro-unit", "data", "15002" + MARK, 1),           # a string where the unit dict belongs
    ("..pro-similar.children", "pro-similar-indicators", "value", [MARK], 1),
    ('{"page":"karte","type":"state-out"}.data', "map-palette", "value", MARK, None),   # URL sync: no update
    ("..karte-ctl-level.options", "karte-ctl-indicator", "value", [MARK], None),
    ("..table-grid.getRowsResponse", "table-grid", "getRowsRequest", MARK, None),
    ("map-search.options", "map-search", "search_value", 99999, None),
]
VALID = {"ctl-indicator": "population", "ctl-level": "kreis", "map-classification": "quantiles", "map-k": 5,
         "map-palette": "viridis", "cmp-by": ["size_class"], "cmp-colour": "east_west", "cmp-dist-mode": "box",
         "lens-level": "kreis", "lens-colour": "east_west", "lens-bv-palette": "puor", "lens-std": "z",
         "pro-unit": {"ags": "15002", "level": "kreis"}, "pro-similar-indicators": ["population"],
         "table-grid.getRowsRequest": {"startRow": 0, "endRow": 10}, "map-search.search_value": "halle"}


def _dep_with(app, output_prefix: str, input_id: str) -> dict:
    hits = [d for d in app["deps"] if d["output"].startswith(output_prefix) and not d.get("clientside_function")
            and any(i["id"] == input_id for i in d["inputs"] + d["state"])]
    assert len(hits) == 1, (output_prefix, input_id, [d["output"][:60] for d in hits])
    return hits[0]


def _valid_values(dep: dict, year: int) -> dict:
    vals = {("url", "search"): BASE_SEARCH}
    for i in dep["inputs"] + dep["state"]:
        cid, prop = i["id"], i["property"]
        head, _, rest = cid.partition("-")
        base = rest if head in ("karte", "tabelle", "vergleich", "profil", "daten", "kapazitaet") else cid
        v = VALID.get(f"{cid}.{prop}", VALID.get(base) if prop in ("value", "data") else None)
        if base == "ctl-year":
            v = year
        if v is not None:
            vals[(cid, prop)] = v
    return vals


@pytest.fixture()
def queries_seen(monkeypatch):
    """Every SQL text and parameter set that reaches DuckDB: the warehouse's reader and /tabelle's grid query."""
    from dashboard.components import grid
    from warehouse import queries as q
    seen: list[str] = []
    sql = q.Warehouse.sql
    query = grid.query

    def rec_sql(self, text, params=None, *a, **kw):
        seen.append(text + " " + json.dumps(params, default=str))
        return sql(self, text, params, *a, **kw)

    def rec_grid(frame, request, *a, **kw):
        seen.append("grid " + json.dumps(request, default=str))
        return query(frame, request, *a, **kw)
    monkeypatch.setattr(q.Warehouse, "sql", rec_sql)
    monkeypatch.setattr(grid, "query", rec_grid)
    return seen


@pytest.mark.parametrize("case", CRAFTED, ids=lambda c: f"{c[1]}={str(c[3])[:12]}")
def test_crafted_callback_input_is_rejected_before_any_query(app, caplog, queries_seen, case):
    """The same request with a valid value first (the baseline: answered, nothing rejected), then with the
    crafted value: 200 with the notice (or 204 where the callback has no notice), no ERROR record and no trace in
    the log — one WARNING naming the rejected input — and DuckDB never saw the value."""
    from dashboard.i18n import t
    from dashboard import data
    prefix, cid, prop, bad, notice_at = case
    dep = _dep_with(app, prefix, cid)
    values = _valid_values(dep, data.catalogue().latest_year("population", "kreis"))
    client = app["client"]
    with caplog.at_level("WARNING"):
        ok = client.post("/_dash-update-component", json=_body(dep, values))
        assert ok.status_code in (200, 204), ok.get_data(as_text=True)[:300]
        assert not [r for r in caplog.records if r.levelname != "DEBUG"], [r.getMessage() for r in caplog.records]
        caplog.clear()
        queries_seen.clear()
        for lang, search in (("de", BASE_SEARCH), ("en", BASE_SEARCH + "&lang=en")):
            r = client.post("/_dash-update-component",
                            json=_body(dep, {**values, (cid, prop): bad, ("url", "search"): search}))
            text = r.get_data(as_text=True)
            if notice_at is None:          # nothing changes: 204, or 200 with no output (one no_update)
                assert r.status_code == 204 or (r.status_code == 200 and r.get_json()["response"] == {}), text[:300]
            else:
                assert r.status_code == 200, (r.status_code, text[:300])
                out = _body(dep, {})["outputs"][notice_at]
                notice = r.get_json()["response"][out["id"] if isinstance(out["id"], str) else json.dumps(out["id"])]
                assert t("input_rejected", lang) in json.dumps(notice[out["property"]], ensure_ascii=False), notice
            assert "Traceback" not in text and "duckdb" not in text.lower()
    errors = [r for r in caplog.records if r.levelno >= 40 or r.exc_info]
    assert not errors, [r.getMessage() for r in errors]
    rejected = [r.getMessage() for r in caplog.records if "rejected input" in r.getMessage()]
    assert len(rejected) == 2, [r.getMessage() for r in caplog.records]
    needle = MARK if isinstance(bad, (str, list, dict)) and MARK in json.dumps(bad) else str(bad)
    for q in queries_seen:
        assert needle not in q and json.dumps(needle)[1:-1] not in q, q[:300]
