"""Map legend as HTML (not a plotly colourbar): class ranges with counts, no data, missing boundary, faded."""
from __future__ import annotations

from dash import html

from ..i18n import fmt_number, t
from .classify import Classes
from .palettes import NO_DATA


def legend_rows(classes: Classes, colours: list[str], lang: str = "de", unit: str = "") -> list[dict]:
    """Pure data for the legend: one dict per class with label, colour, count."""
    rows = []
    for i in range(classes.k):
        lo, hi = classes.lower[i], classes.upper[i]
        digits = _digits(classes)
        label = f"{fmt_number(lo, lang, digits)} – {fmt_number(hi, lang, digits)}"
        if unit:
            label += f" {unit}"
        rows.append({"label": label, "colour": colours[i], "count": classes.counts[i]})
    return rows


def _digits(classes: Classes) -> int:
    span = (max(classes.upper) - min(classes.lower)) if classes.k else 0
    if span >= 100:
        return 0
    if span >= 10:
        return 1
    return 2


def _swatch(style: dict, cls: str = ""):
    return html.Span(className=f"legend-swatch {cls}", style=style, **{"aria-hidden": "true"})


def legend(classes: Classes, colours: list[str], lang: str, unit: str, n_no_data: int,
           n_no_boundary: int, n_filtered: int, title: str):
    items = []
    for row in legend_rows(classes, colours, lang, unit):
        items.append(html.Li([_swatch({"background": row["colour"]}), html.Span(row["label"], className="legend-label"),
                              html.Span(f"({row['count']})", className="legend-count")]))
    items.append(html.Li([_swatch({"background": NO_DATA}, "hatched"), html.Span(t("legend_no_data", lang), className="legend-label"),
                          html.Span(f"({n_no_data})", className="legend-count")]))
    if n_no_boundary:
        items.append(html.Li([_swatch({}, "no-boundary"), html.Span(t("legend_no_boundary", lang), className="legend-label"),
                              html.Span(f"({n_no_boundary})", className="legend-count")]))
    if n_filtered:
        items.append(html.Li([_swatch({"background": colours[len(colours) // 2] if colours else NO_DATA, "opacity": 0.25}),
                              html.Span(t("legend_filtered", lang), className="legend-label"),
                              html.Span(f"({n_filtered})", className="legend-count")]))
    return html.Div([html.H2(title, className="h6 mb-1"), html.Ul(items, className="legend-list list-unstyled mb-0")],
                    className="map-legend", **{"aria-label": t("legend", lang)})
