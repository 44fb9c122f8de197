"""Chart / map / table as tabs of one view (the OWID grapher pattern), with the active tab in the URL (`tab=`).

Generic: a page builds `tab_view(view, state, lang, [(key, label, children), ...])` and calls
`register(view, keys)` once at import. Keys come from TABS; the first key of a view is its default
and is left out of the URL (a permalink without `tab=` shows the first tab; a `tab=` value the view
does not have falls back to the first tab).

Accessibility (WAI-ARIA tabs pattern): role=tablist with role=tab buttons (aria-selected, aria-controls,
roving tabindex), role=tabpanel regions (aria-labelledby), Left/Right/Home/End move between tabs and
activate them (assets/ia_reach.js). Inactive panels are `hidden`; a panel with a Plotly graph is resized
when it becomes visible (a map drawn while hidden has no size).

Ids (strings, easy to address in tests and callbacks):
  tab button f"{view}-tab-{key}", panel f"{view}-panel-{key}", active key store f"{view}-value"
  (its `data` is the key: an Input for callbacks that fill a tab only while it is shown).

Use on a new page (e.g. /kapazitaet: chart | map | table):
    from ..components import tabs
    VIEW = "kapazitaet-tabs"
    tabs.tab_view(VIEW, state, lang, [("chart", t("tab_chart", lang), [...]), ("map", t("tab_map", lang), [...]),
                                       ("table", t("tab_table", lang), [...])])
    tabs.register(VIEW, ("chart", "map", "table"))
"""
from __future__ import annotations

from dash import Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from .. import ids

from ..state import TABS   # the values `tab=` may take


def value_id(view: str) -> str:
    return f"{view}-value"


def tab_id(view: str, key: str) -> str:
    return f"{view}-tab-{key}"


def panel_id(view: str, key: str) -> str:
    return f"{view}-panel-{key}"


def active_key(requested: str, keys, fallback: str | None = None) -> str:
    """The tab to show: the URL's if this view has it, else `fallback` (if a key), else the first key."""
    keys = list(keys)
    if requested in keys:
        return requested
    return fallback if fallback in keys else keys[0]


def tab_view(view: str, state, lang: str, tabs: list[tuple[str, str, object]], label: str,
             fallback: str | None = None, className: str = ""):
    """The tab list and one panel per tab; `label` names the tab list for screen readers."""
    keys = [k for k, _, _ in tabs]
    unknown = [k for k in keys if k not in TABS]
    if unknown:
        raise ValueError(f"tab keys {unknown} not in {TABS}")
    active = active_key(getattr(state, "tab", "") or "", keys, fallback)
    buttons = [html.Button(text, id=tab_id(view, k), type="button", role="tab", className=_btn_class(k == active),
                           tabIndex=0 if k == active else -1,
                           **{"aria-selected": "true" if k == active else "false",
                              "aria-controls": panel_id(view, k), "data-ia-tab": k, "data-ia-tabs": view})
               for k, text, _ in tabs]
    panels = [html.Div(children, id=panel_id(view, k), role="tabpanel", hidden=k != active, className="ia-tabpanel",
                       **{"aria-labelledby": tab_id(view, k)})
              for k, _, children in tabs]
    return html.Div([
        html.Div(buttons, role="tablist", className="nav nav-tabs ia-tablist mb-2", id=f"{view}-list",
                 **{"aria-label": label}),
        *panels,
        dcc.Store(id=value_id(view), data=active),
        dcc.Store(id=ids.state_out(view)),      # the new query string (app.apply_url turns it into the URL)
    ], className=("ia-tabs " + className).strip(), id=view, **{"data-ia-default": keys[0]})


def _btn_class(active: bool) -> str:
    return "nav-link ia-tab" + (" active" if active else "")


_SWITCH = """function () {
    var keys = %(keys)s, view = %(view)s, dc = window.dash_clientside, trig = dc.callback_context.triggered;
    if (!trig || !trig.length || !trig[0].value) { throw dc.PreventUpdate; }
    var id = trig[0].prop_id.split('.')[0], key = id.slice((view + '-tab-').length);
    if (keys.indexOf(key) < 0) { throw dc.PreventUpdate; }
    var out = [key];
    keys.forEach(function (k) { out.push(k === key ? 'true' : 'false'); });
    keys.forEach(function (k) { out.push(k === key ? 0 : -1); });
    keys.forEach(function (k) { out.push('nav-link ia-tab' + (k === key ? ' active' : '')); });
    keys.forEach(function (k) { out.push(k !== key); });
    if (window.IAReach && IAReach.tabShown) { IAReach.tabShown(view + '-panel-' + key); }
    return out;
}"""


def register(view: str, keys) -> None:
    """Callbacks of one tab view: a click (or arrow key, which clicks) switches the tab in the browser;
    the URL's `tab=` follows (the first key is the default and is omitted)."""
    import json
    keys = list(keys)
    default = keys[0]
    outputs = [Output(value_id(view), "data")]
    outputs += [Output(tab_id(view, k), "aria-selected") for k in keys]
    outputs += [Output(tab_id(view, k), "tabIndex") for k in keys]
    outputs += [Output(tab_id(view, k), "className") for k in keys]
    outputs += [Output(panel_id(view, k), "hidden") for k in keys]
    clientside_callback(_SWITCH % {"keys": json.dumps(keys), "view": json.dumps(view)}, *outputs,
                        *[Input(tab_id(view, k), "n_clicks") for k in keys], prevent_initial_call=True)

    @callback(Output(ids.state_out(view), "data"), Input(value_id(view), "data"), State(ids.URL, "search"),
              prevent_initial_call=True)
    def _sync(key, search):
        from .. import data
        from ..callbacks_util import state_of
        from ..state import serialise
        if key not in keys:
            raise PreventUpdate
        new = serialise(state_of(search).with_(tab="" if key == default else key), data.catalogue())
        if new == (search or ""):
            raise PreventUpdate
        return new

    _sync.__name__ = f"sync_tab_{view}"

