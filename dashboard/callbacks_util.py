"""Helpers shared by page callbacks: language from the URL, error guard, URL-state sync registration."""
from __future__ import annotations

import functools
import logging
from urllib.parse import parse_qs

from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from . import ids
from .i18n import t
from .state import AppState, CraftedInput, control_value, from_controls, parse, serialise

log = logging.getLogger(__name__)


def lang_of(search: str | None) -> str:
    v = parse_qs((search or "").lstrip("?")).get("lang", ["de"])[-1]
    return "en" if v == "en" else "de"


def state_of(search: str | None) -> AppState:
    from . import data
    st, _ = parse(search, data.catalogue())
    return st


def guard(n_outputs: int, notice_at: int | None = None):
    """Never show a stack trace: on error log it, keep every output unchanged and put a notice in
    output `notice_at` (if given). PreventUpdate passes through. A crafted input (state.CraftedInput, raised
    by the state rules before any query) is logged as one WARNING line without a trace and answered with the
    `input_rejected` notice."""
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except PreventUpdate:
                raise
            except CraftedInput as e:
                log.warning("callback %s: rejected input %s (no control sends it)", fn.__name__, e)
                return _unchanged(args, "input_rejected")
            except Exception:  # noqa: BLE001 - the user sees a notice, the log has the trace
                log.exception("callback %s failed", fn.__name__)
                return _unchanged(args, "error_generic")

        def _unchanged(args, key: str):
            out = [no_update] * n_outputs
            if notice_at is not None:
                search = next((a for a in args if isinstance(a, str) and (a.startswith("?") or a == "")), "")
                out[notice_at] = t(key, lang_of(search))
            return out[0] if n_outputs == 1 else tuple(out)
        return wrapper
    return deco


def checked(**values) -> tuple:
    """Raw control values of the named AppState fields, checked by the state rules (state.control_value):
    for callbacks that read controls directly instead of through state_from. CraftedInput for a value no
    control can hold."""
    from . import data
    cat = data.catalogue()
    return tuple(control_value(name, v, cat) for name, v in values.items())


def expect(name: str, value, kind: type = dict, optional: bool = True):
    """A store's or component's data (a click, a grid request, a unit) must have the type the app writes."""
    if (value is None and optional) or isinstance(value, kind):
        return value
    raise CraftedInput(name, value)


def search_text(name: str, value) -> str:
    """A search box's text: a string (or nothing), at most 200 characters are looked at."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CraftedInput(name, value)
    return value[:200]


def state_from(controls: list[tuple[str, str, str]], values, search: str | None):
    """The URL's state with the page's control values applied (controls: (id, prop, AppState field)); every
    value is checked against the state rules first (CraftedInput for a value no control can hold)."""
    from . import data
    return from_controls(state_of(search), data.catalogue(), **{field: v for (_, _, field), v in zip(controls, values)})


def register_url_sync(name: str, controls: list[tuple[str, str, str]]) -> None:
    """controls: (component id, property, AppState field). Any change rewrites the query string
    (history entry) and tells the router that this URL is already rendered."""
    inputs = [Input(cid, prop) for cid, prop, _ in controls]

    @callback(Output(ids.state_out(name), "data"), *inputs, State(ids.URL, "search"), prevent_initial_call=True)
    @guard(1)
    def _sync(*vals):
        from . import data
        *control_vals, search = vals
        st = state_from(controls, control_vals, search)
        new = serialise(st, data.catalogue())
        if new == (search or ""):
            raise PreventUpdate
        return new

    _sync.__name__ = f"sync_{name}"


def page_stores(name: str):
    """The two page-local stores every page needs (URL state out, navigation requests out)."""
    return html.Div([dcc.Store(id=ids.state_out(name)), dcc.Store(id=ids.nav_out(name))])
