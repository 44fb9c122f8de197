"""Callbacks for controls that appear on several pages (indicator/level/year, size scheme, Berlin rule,
search boxes). Registered once; they fire on whichever page currently shows the control."""
from __future__ import annotations

from dash import Input, Output, State, callback, no_update
from dash.exceptions import PreventUpdate

from .. import data, ids
from ..callbacks_util import checked, expect, guard, lang_of, search_text, state_of
from ..components import controls, filters
from ..state import CraftedInput, profile_path, serialise


CONTROL_PAGES = ("karte", "tabelle", "vergleich")          # indicator/level/year controls
FILTER_PAGES = CONTROL_PAGES + ("profil", "daten")          # the facet filter panel


def indicator_changed(ind, level, year, search):
    """Keep level and year valid for the indicator: unavailable ones are disabled, the value moves to
    the nearest available one (same year if possible, else the latest)."""
    lang = lang_of(search)
    cat = data.catalogue()
    ind, level, year = checked(ind=ind, level=level, year=year)
    if not ind:
        raise PreventUpdate
    have = cat.available.get(ind, {})
    if not have.get(level):
        level = cat.default_level(ind)
    years = have.get(level, [])
    if year not in years:
        year = max(years) if years else None
    return (controls.level_options(cat, ind, lang), level, controls.year_options(cat, ind, level, lang), year)


def size_scheme_changed(scheme, search):
    checked(gk=scheme)
    return filters.size_options(scheme, lang_of(search)), []


def berlin_rule_changed(rule, current, search):
    rule, current = checked(br=rule, ew=current)
    opts = filters.east_west_options(rule, lang_of(search))
    allowed = {o["value"] for o in opts}
    return opts, [v for v in (current or []) if v in allowed]


def _register_controls(page: str) -> None:
    """Indicator → level/year options for each page's own (prefixed) controls."""
    p = lambda base: ids.pid(page, base)
    callback(Output(p(ids.LEVEL), "options"), Output(p(ids.LEVEL), "value"), Output(p(ids.YEAR), "options"),
             Output(p(ids.YEAR), "value"), Input(p(ids.INDICATOR), "value"), Input(p(ids.LEVEL), "value"),
             State(p(ids.YEAR), "value"), State(ids.URL, "search"), prevent_initial_call=True)(guard(4)(indicator_changed))


def _register_filter_controls(page: str) -> None:
    """Size scheme → size options, Berlin rule → East/West options, for each page's filter panel."""
    p = lambda base: ids.pid(page, base)
    callback(Output(p(ids.F_GR), "options"), Output(p(ids.F_GR), "value"), Input(p(ids.F_GK), "value"),
             State(ids.URL, "search"), prevent_initial_call=True)(guard(2)(size_scheme_changed))
    callback(Output(p(ids.F_EW), "options"), Output(p(ids.F_EW), "value"), Input(p(ids.F_BR), "value"),
             State(p(ids.F_EW), "value"), State(ids.URL, "search"), prevent_initial_call=True)(guard(2)(berlin_rule_changed))


for _page in CONTROL_PAGES:
    _register_controls(_page)
for _page in FILTER_PAGES:
    _register_filter_controls(_page)


def _register_search(id_: str, levels: tuple[str, ...], multi: bool) -> None:
    @callback(Output(id_, "options"), Input(id_, "search_value"), State(id_, "value"), prevent_initial_call=True)
    @guard(1)
    def _options(text, value):
        text = search_text("search_value", text)
        (keep,) = checked(sel=value)         # chosen places: AGS only
        if not text or len(text) < 2:
            raise PreventUpdate
        hits = data.search(text, limit=25, levels=levels)
        opts = controls.search_options(hits, text)
        have = {o["value"] for o in opts}
        for ags in keep:   # chosen values must stay among the options or the dropdown drops them
            if ags not in have:
                opts.append({"label": data.label_for(ags), "value": ags})
        return opts
    _options.__name__ = f"search_options_{id_}"


_register_search(ids.SEARCH, ("gemeinde", "kreis", "land"), False)
_register_search(ids.PRO_SEARCH, ("gemeinde", "kreis", "land"), False)
_register_search(ids.CMP_SEL, ("gemeinde", "kreis", "land"), True)


def _register_open_profile(id_: str, page: str) -> None:
    @callback(Output(ids.nav_out(page), "data", allow_duplicate=True),
              Input(id_, "value"), State(ids.URL, "search"), prevent_initial_call=True)
    @guard(1)
    def _open(ags, search):
        """Choosing a search hit opens its profile; it also becomes the highlighted selection."""
        if not ags:
            raise PreventUpdate
        if not isinstance(ags, str):
            raise CraftedInput("sel", ags)
        checked(sel=ags)
        path, new = open_profile(ags, search)
        return {"pathname": path, "search": new}
    _open.__name__ = f"open_profile_{id_}"


def open_profile(ags: str, search: str | None):
    st = state_of(search)
    level = {2: "land", 5: "kreis", 8: "gemeinde"}[len(ags)]
    sel = (ags,) + tuple(a for a in st.sel if a != ags)
    st = st.with_(sel=sel[:8])
    if level in ("gemeinde", "kreis", "land") and data.catalogue().available.get(st.ind, {}).get(level):
        st = st.with_(level=level, year=data.catalogue().latest_year(st.ind, level) if st.level != level else st.year)
    return profile_path(level, ags), serialise(st, data.catalogue())


_register_open_profile(ids.SEARCH, "karte")
_register_open_profile(ids.PRO_SEARCH, "profil")


@callback(Output(ids.nav_out("karte"), "data", allow_duplicate=True),
          Input(ids.MAP_CLICK, "data"), State(ids.URL, "search"), prevent_initial_call=True)
@guard(1)
def map_click(click, search):
    """Click (or Enter on the keyboard cross-hair) on a unit → its profile; set by assets/ia_map.js."""
    ags = (expect("map-click", click) or {}).get("ags")
    if not ags or not str(ags).isdigit() or len(str(ags)) not in (2, 5, 8):
        raise PreventUpdate
    path, new = open_profile(str(ags), search)
    return {"pathname": path, "search": new}


_ = no_update
