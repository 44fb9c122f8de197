"""Dash widgets with the app's language applied (Dash 4 dropdowns carry English default labels)."""
from __future__ import annotations

from dash import dcc

from ..i18n import t

DROPDOWN_LABEL_KEYS = ("select_all", "deselect_all", "selected_count", "search", "clear_search", "clear_selection",
                       "no_options_found")


def dropdown(lang: str, **kwargs) -> dcc.Dropdown:
    """dcc.Dropdown whose built-in texts ("3 selected", "Select All", …) follow the UI language."""
    labels = {k: t(f"dd_{k}", lang) for k in DROPDOWN_LABEL_KEYS}
    return dcc.Dropdown(labels=labels, **kwargs)
