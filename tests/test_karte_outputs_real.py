"""The Karte page computes a state's map outputs once for the page layout's first payload and update_map's first
answer (karte.outputs_for); what each gets equals map_outputs for its browser (real warehouse)."""
from __future__ import annotations

import pytest
from dash._utils import to_json

from etl.settings import get_settings


@pytest.fixture(scope="module")
def karte():
    if not get_settings().warehouse.exists():
        pytest.skip("warehouse missing: build it first with `integrationsatlas etl run`")
    from dashboard.app import server  # noqa: F401 - registers the pages
    from dashboard.pages import karte
    return karte


@pytest.mark.parametrize("query", ["", "level=kreis&lang=en", "ind=population&level=gemeinde&year=2024&land=09",
                                   "level=land&k=3&cls=equal", "sel=05315000&level=gemeinde"])
def test_outputs_for_equal_map_outputs_for_every_browser(karte, query):
    from dashboard import data
    from dashboard.components import mapfig
    from dashboard.state import parse
    st, _ = parse(query, data.catalogue())
    full = karte.map_outputs(st, st.lang, None)
    key = full[0]["units_key"]
    for meta in (None, {"units_key": key}, {"units_key": "another-unit-list"}):
        want, got = karte.map_outputs(st, st.lang, meta), karte.outputs_for(st, st.lang, meta)
        assert to_json(list(got)) == to_json(list(want)), (query, meta)
        has_units = meta is None or meta["units_key"] != key
        assert all((k in got[0]) == has_units for k in mapfig.UNIT_KEYS)
    assert karte.outputs_for(st, st.lang, None)[0] is karte.full_outputs(st, st.lang)[0]   # computed once
