"""Chart / map / table tabs (dashboard/components/tabs.py) and the tab= URL parameter (dashboard/state.py)."""
from __future__ import annotations

import pytest

from dashboard.components import tabs
from dashboard.state import AppState, Catalogue, parse, serialise

CAT = Catalogue(available={"foreigners_share": {"kreis": [2023, 2024]}}, lands=("15",))


def test_tab_parameter_is_parsed_validated_and_left_out_when_default():
    st, bad = parse("?ind=foreigners_share&tab=table", CAT)
    assert st.tab == "table" and not bad
    assert serialise(st, CAT) == "?tab=table"
    st, bad = parse("?tab=pie", CAT)                       # unknown tab: default, with a notice
    assert st.tab == "" and bad == ["tab=pie"]
    assert "tab" not in serialise(st.with_(tab=""), CAT)


def _find(component, cid):
    stack = [component]
    while stack:
        c = stack.pop()
        if isinstance(c, (list, tuple)):
            stack.extend(c)
            continue
        if getattr(c, "id", None) == cid:
            return c
        kids = getattr(c, "children", None)
        if kids is not None and not isinstance(kids, str):
            stack.append(kids)
    return None


def test_tab_view_marks_the_active_tab_and_hides_the_other_panels():
    view = tabs.tab_view("v", AppState(tab="table"), "de", [("map", "Karte", ["m"]), ("table", "Tabelle", ["t"])],
                         label="Darstellung")
    lst = _find(view, "v-list")
    assert lst.role == "tablist" and getattr(lst, "aria-label") == "Darstellung"
    m, t = _find(view, "v-tab-map"), _find(view, "v-tab-table")
    assert (m.role, getattr(m, "aria-selected"), m.tabIndex) == ("tab", "false", -1)
    assert (getattr(t, "aria-selected"), t.tabIndex, getattr(t, "aria-controls")) == ("true", 0, "v-panel-table")
    assert _find(view, "v-panel-map").hidden is True and _find(view, "v-panel-table").hidden is False
    assert getattr(_find(view, "v-panel-table"), "aria-labelledby") == "v-tab-table"
    assert _find(view, "v-value").data == "table"


def test_a_tab_the_view_does_not_have_falls_back_to_the_first_or_the_given_fallback():
    assert tabs.active_key("chart", ["map", "table"]) == "map"
    assert tabs.active_key("", ["map", "table"], fallback="table") == "table"   # e.g. no geometry: the table
    assert tabs.active_key("map", ["map", "table"], fallback="table") == "map"
    with pytest.raises(ValueError):
        tabs.tab_view("v", AppState(), "de", [("pie", "Torte", [])], label="x")
