"""Helpers shared by page callbacks: language from the URL, error guard, URL-state sync registration."""
from __future__ import annotations

import functools
import logging
from urllib.parse import parse_qs

from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from . import ids
from .i18n import t
from .state import AppState, from_controls, parse, serialise

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
    output `notice_at` (if given). PreventUpdate passes through."""
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except PreventUpdate:
                raise
            except Exception:  # noqa: BLE001 - the user sees a notice, the log has the trace
                log.exception("callback %s failed", fn.__name__)
                out = [no_update] * n_outputs
                if notice_at is not None:
                    search = next((a for a in args if isinstance(a, str) and (a.startswith("?") or a == "")), "")
                    out[notice_at] = t("error_generic", lang_of(search))
                return out[0] if n_outputs == 1 else tuple(out)
        return wrapper
    return deco


def state_from(controls: list[tuple[str, str, str]], values, search: str | None):
    """The URL's state with the page's control values applied (controls: (id, prop, AppState field))."""
    return from_controls(state_of(search), **{field: v for (_, _, field), v in zip(controls, values)})


def register_url_sync(name: str, controls: list[tuple[str, str, str]]) -> None:
    """controls: (component id, property, AppState field). Any change rewrites the query string
    (history entry) and tells the router that this URL is already rendered."""
    inputs = [Input(cid, prop) for cid, prop, _ in controls]

    @callback(Output(ids.state_out(name), "data"), *inputs, State(ids.URL, "search"), prevent_initial_call=True)
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
