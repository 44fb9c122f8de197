"""Plotly figures as plain dicts: what `go.Figure(...).to_plotly_json()` gives, without plotly's validators.

A `go.Figure` validates every property on construction, `add_trace`, `update_layout` and `add_vline` (deep
copies, path parsing, narwhals array conversion): 10–30 ms per figure here, the larger part of a first-visit
callback once its data is cached. Dash serialises a dict {"data": [...], "layout": {...}} exactly as it
serialises the figure's `to_plotly_json()`, so the builders in charts.py / group_series.py / pages/kapazitaet.py
return these dicts. The result is the same JSON the figure gave (tests/test_figure_dicts.py compares them):
the default template (plotly.io.templates.default) in the layout and numeric numpy arrays as typed-array specs
(plotly's convert_to_base64), lists as lists.
"""
from __future__ import annotations

import copy
import threading

import numpy as np
from _plotly_utils.utils import convert_to_base64

_TEMPLATE: dict = {}
_LOCK = threading.Lock()


def template() -> dict:
    """The default template's JSON (what go.Figure puts into layout.template), built once; never mutated."""
    import plotly.io as pio
    name = pio.templates.default
    with _LOCK:
        if _TEMPLATE.get("name") != name:
            tpl = pio.templates[name] if name is not None else None
            _TEMPLATE.update(name=name, json=tpl.to_plotly_json() if tpl is not None else None)
        return _TEMPLATE["json"]


def figure(data: list[dict] | None = None, layout: dict | None = None) -> dict:
    """{"data": traces, "layout": layout + template}; numeric numpy arrays become typed-array specs as in
    go.Figure.to_plotly_json (pass numpy arrays where the old builder passed Series/arrays, lists where lists)."""
    out_layout = copy.copy(layout) if layout else {}
    fig = {"data": list(data or []), "layout": out_layout}
    convert_to_base64(fig)          # before the template is added: it has no arrays
    tpl = template()
    if tpl is not None and "template" not in out_layout:
        out_layout["template"] = tpl
    return fig


def empty() -> dict:
    """go.Figure() as a dict."""
    return figure()


def vline(x, line: dict) -> dict:
    """The shape of fig.add_vline(x=x, line=line)."""
    return {"line": dict(line), "type": "line", "x0": _num(x), "x1": _num(x), "xref": "x", "y0": 0, "y1": 1,
            "yref": "y domain"}


def hline(y, line: dict) -> dict:
    """The shape of fig.add_hline(y=y, line=line)."""
    return {"line": dict(line), "type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": _num(y), "y1": _num(y),
            "yref": "y"}


def _num(v):
    """A numpy scalar as plotly's number validator keeps it (Python int/float for the JSON)."""
    if isinstance(v, np.generic):
        return v.item()
    return v


def arr(values) -> np.ndarray:
    """A Series / list as the numpy array plotly's data-array validator makes of a Series (values, own copy)."""
    a = np.asarray(values)
    return a.copy() if a is values else a


def height(fig) -> int | None:
    """layout.height of a dict or a go.Figure."""
    if isinstance(fig, dict):
        return fig.get("layout", {}).get("height")
    return fig.layout.height
