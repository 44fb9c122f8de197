"""Reach: share, embed, export and cite every view; the phone drawer; the frame-ancestors policy.

Generic on purpose: the router wraps whatever page it renders with `wrap()`, so a new page
(status, capacity, …) gets the share bar, the copy-link button, the citation and the embed
variant without code of its own. Charts become exportable (PNG/SVG with title, legend, source
line, reference date and licence, composed in the browser by assets/ia_reach.js) by placing
`export_tools()` next to them or by building them with `chart_figure()`.

Embed: `?embed=1` on any view renders it without navigation and controls, with its source line
and a link back; only such responses may be framed by other sites (`frame_policy`).
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlencode

from dash import dcc, html

from .. import ids
from ..i18n import fmt_date, indicator_label, t

EMBED_PARAM = "embed"
# pages whose view is one indicator × level × year: they cite that indicator's table and offer GeoJSON
INDICATOR_PAGES = {"karte", "vergleich", "tabelle"}
GEOJSON_PAGES = {"karte", "vergleich", "tabelle"}


# -- URL helpers ------------------------------------------------------------------------------------

def is_embed(search: str | None) -> bool:
    return dict(parse_qsl((search or "").lstrip("?"))).get(EMBED_PARAM) == "1"


def strip_embed(search: str | None) -> str:
    pairs = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k != EMBED_PARAM]
    return ("?" + urlencode(pairs, safe=",")) if pairs else ""


def with_embed(search: str | None) -> str:
    pairs = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k != EMBED_PARAM] + [(EMBED_PARAM, "1")]
    return "?" + urlencode(pairs, safe=",")


def has_class(component, cls: str) -> bool:
    """True when `component` or any descendant carries CSS class `cls` (layout trees are small)."""
    stack = [component]
    while stack:
        c = stack.pop()
        if isinstance(c, (list, tuple)):
            stack.extend(c)
            continue
        names = (getattr(c, "className", None) or "").split()
        if cls in names:
            return True
        kids = getattr(c, "children", None)
        if kids is not None and not isinstance(kids, str):
            stack.append(kids)
    return False


# -- components -------------------------------------------------------------------------------------

def export_tools(target: str, kind: str, lang: str, title_from: str | None = None,
                 source_from: str | None = None):
    """PNG + SVG buttons for one chart (kind='chart', target = dcc.Graph id) or the map (kind='map').

    title_from / source_from: ids of the elements whose text becomes the image title and source line
    (default: the page's h1 and the source line in the chart's caption)."""
    what = t("export_map" if kind == "map" else "export_chart", lang)
    data = {"data-ia-target": target, "data-ia-kind": kind}
    if title_from:
        data["data-ia-title-from"] = title_from
    if source_from:
        data["data-ia-source-from"] = source_from
    return html.Div([
        html.Button(t(f"export_{fmt}", lang), type="button", className="btn btn-outline-secondary btn-sm py-0 px-2",
                    title=t("export_title", lang, what=what, fmt=fmt.upper()),
                    **{"aria-label": t("export_title", lang, what=what, fmt=fmt.upper()), "data-ia-export": fmt,
                       "id": f"{target}-export-{fmt}", **data})
        for fmt in ("png", "svg")], className="ia-export btn-group", role="group",
        **{"aria-label": t("export_title", lang, what=what, fmt="PNG/SVG")})


def chart_figure(graph_id: str, heading: str, lang: str, height: int = 300, figure=None, config=None,
                 heading_level: int = 2, extra=None):
    """A chart with its text alternative: heading (the figure's name), the graph, and a caption whose
    children the page's callback fills (caption_children(): summary sentence, source line, data link).
    Caption id: f"{graph_id}-cap"; heading id: f"{graph_id}-title"."""
    head = getattr(html, f"H{heading_level}")(heading, id=f"{graph_id}-title", className="h6 mb-0")
    graph = dcc.Graph(id=graph_id, figure=figure or {}, style={"height": f"{height}px"},
                      config={"displaylogo": False, **(config or {})})
    return html.Figure([
        html.Div([head, export_tools(graph_id, "chart", lang, title_from=f"{graph_id}-title",
                                     source_from=f"{graph_id}-cap")],
                 className="d-flex justify-content-between align-items-center gap-2"),
        extra,
        graph,
        html.Figcaption(id=f"{graph_id}-cap", className="source-footer small text-muted"),
    ], className="mb-2", **{"aria-labelledby": f"{graph_id}-title", "aria-describedby": f"{graph_id}-cap"})


def caption_children(summary: str, source: str, data_href: str | None, lang: str):
    """Caption of a chart: one-sentence summary, the source line (reference date, licence) and a link to the data."""
    out = [html.Span(summary, className="ia-summary d-block"), html.Span(source, className="ia-source d-block")]
    if data_href:
        out.append(dcc.Link(t("chart_data_link", lang), href=data_href, className="ia-data-link"))
    return out


def share_bar(page: str, lang: str, drawer: bool):
    """Copy-link button and the share panel (permalink, embed code, GeoJSON, citation) of every view."""
    geo = page in GEOJSON_PAGES
    lbl = lambda key, target: html.Label(t(key, lang), htmlFor=target, className="form-label small fw-semibold mb-0")
    panel = html.Details([
        html.Summary(t("share", lang), className="btn btn-outline-secondary btn-sm py-0"),
        html.Div([
            lbl("share_permalink", ids.SHARE_PERMALINK),
            dcc.Input(id=ids.SHARE_PERMALINK, type="text", readOnly=True, className="form-control form-control-sm mb-2",
                      value=""),
            lbl("share_embed_code", ids.SHARE_EMBED_CODE),
            dcc.Textarea(id=ids.SHARE_EMBED_CODE, readOnly=True, className="form-control form-control-sm mb-1",
                         style={"height": "4.2em", "fontFamily": "monospace"}, value=""),
            html.A(t("share_embed_open", lang), id=ids.SHARE_EMBED_LINK, href="#", target="_blank", rel="noopener",
                   className="small d-inline-block mb-2"),
            html.Div(html.A(t("share_geojson", lang), id=ids.SHARE_GEOJSON, href="/api/geojson", download="",
                            className="btn btn-outline-secondary btn-sm py-0", **{"data-ia-geojson": "1"}),
                     className="mb-2") if geo else None,
            html.H2(t("share_citation", lang), className="h6 mb-1"),
            html.P(t("share_citation_text", lang), className="small fw-semibold mb-0", id="ia-cite-text-label"),
            html.P(id=ids.SHARE_CITATION, className="small ia-citation mb-1", **{"aria-labelledby": "ia-cite-text-label"}),
            html.Button(t("share_copy_citation", lang), type="button", className="btn btn-outline-secondary btn-sm py-0 mb-2",
                        **{"data-ia-copy": ids.SHARE_CITATION}),
            html.P(t("share_bibtex", lang), className="small fw-semibold mb-0", id="ia-cite-bib-label"),
            html.Pre(id=ids.SHARE_BIBTEX, className="small ia-bibtex mb-1", tabIndex=0,
                     **{"aria-labelledby": "ia-cite-bib-label"}),
            html.Button(t("share_copy_bibtex", lang), type="button", className="btn btn-outline-secondary btn-sm py-0",
                        **{"data-ia-copy": ids.SHARE_BIBTEX}),
        ], className="ia-share-panel"),
    ], id=ids.SHARE_PANEL, className="ia-share")
    return html.Div([
        html.Button([html.Span("☰ ", **{"aria-hidden": "true"}), t("drawer_open", lang)], type="button",
                    id=ids.DRAWER_TOGGLE, className="btn btn-primary btn-sm py-0 ia-drawer-toggle",
                    title=t("drawer_open_title", lang),
                    **{"aria-expanded": "false", "aria-controls": "ia-drawer", "data-ia-drawer": "toggle"}) if drawer else None,
        html.Button(t("share_copy_link", lang), type="button", id=ids.SHARE_COPY_LINK,
                    className="btn btn-outline-secondary btn-sm py-0", **{"data-ia-copy": "location"}),
        panel,
        html.Span(id=ids.SHARE_STATUS, className="small text-muted", role="status", **{"data-ok": t("share_copied", lang),
                                                                                          "data-fail": t("share_copy_failed", lang)}),
        html.Button(t("drawer_close", lang), type="button", id=ids.DRAWER_CLOSE, className="btn btn-light btn-sm ia-drawer-close",
                    **{"data-ia-drawer": "close"}) if drawer else None,
        html.Div(className="ia-backdrop", **{"data-ia-drawer": "close", "aria-hidden": "true"}) if drawer else None,
    ], className="ia-toolbar d-flex flex-wrap align-items-center gap-2 mb-1")


def wrap(page: str, content, lang: str, pathname: str, search: str):
    """Every rendered page: the share bar on top (with the drawer toggle when the page has a .sidebar), or –
    for ?embed=1 – the page without controls plus the link back to the full view."""
    ctx = dcc.Store(id=ids.SHARE_CTX, data={"page": page, "pathname": pathname, "search": search})
    if is_embed(search):
        back = (pathname or "/") + strip_embed(search)
        return html.Div([content, html.P(html.A(t("embed_back", lang), href=back, target="_blank", rel="noopener",
                                                id=ids.EMBED_BACK), className="small mb-0 ia-embed-back"), ctx],
                        className="ia-embed", **{"data-ia-page": page})
    return html.Div([share_bar(page, lang, has_class(content, "sidebar")), content, ctx],
                    className="ia-view", **{"data-ia-page": page})


# -- citation -----------------------------------------------------------------------------------------

def _bib_escape(s: str) -> str:
    return (str(s).replace("\\", "\\textbackslash{}").replace("{", "\\{").replace("}", "\\}")
            .replace("&", "\\&").replace("%", "\\%").replace("_", "\\_").replace("#", "\\#"))


def citation(page: str, st, pathname: str, search: str, host_url: str, today: dt.date | None = None,
             data=None) -> tuple[str, str, str]:
    """(citation text, BibTeX, permalink) of the view: publisher and table, reference date, permalink,
    warehouse build id and access date."""
    from .. import data as data_mod
    data = data or data_mod
    lang = st.lang
    today = today or dt.date.today()
    permalink = host_url.rstrip("/") + (pathname or "/") + strip_embed(search)
    build = data.build_id()
    access = fmt_date(today.isoformat(), lang)
    year = str(st.year or today.year)
    key_parts = ["integrationsatlas", page]
    if page in INDICATOR_PAGES and st.ind:
        spec = data.indicator(st.ind) or {}
        meta = data.meta(st.ind, st.level, st.year) if st.year else data.meta(st.ind)
        author = meta.get("source") or t("cite_publishers", lang)
        what = f"{indicator_label(spec, lang) if spec else st.ind} ({t('level_' + st.level, lang)}, {st.year})"
        table = meta.get("table_code") or "–"
        ref = fmt_date(meta["reference_date"], lang) if meta.get("reference_date") else "–"
        licence = meta.get("licence") or "dl-de/by-2-0"
        key_parts += [st.ind, st.level, year]
    else:
        author = t("cite_publishers", lang)
        ref, licence = "–", "dl-de/by-2-0"
        what, table = t("nav_sources", lang) if page == "daten" else page, t("cite_tables_catalogue", lang)
        ags = (pathname or "").rstrip("/").rsplit("/", 1)[-1]
        if page == "profil" and ags.isdigit():
            reg = data.region(ags)
            level = {2: "land", 5: "kreis", 8: "gemeinde"}.get(len(ags), "gemeinde")
            obs = data.unit_observations(ags, level)
            codes = sorted({c for c in obs.get("table_code", []) if isinstance(c, str) and c})
            what = f"{reg.get('name', ags)} ({ags})"
            table = t("cite_tables_profile", lang, tables=", ".join(codes) or "–")
            dates = sorted(str(d)[:10] for d in obs.get("reference_date", []) if d is not None and str(d) != "NaT")
            ref = (fmt_date(dates[0], lang) + " – " + fmt_date(dates[-1], lang)) if dates else "–"
            key_parts += [ags]
    tbl_word, date_word, lic_word = t("footer_table", lang), t("footer_date", lang), t("footer_licence", lang)
    text = (f"{author}: {what}. {tbl_word}: {table}. {date_word}: {ref}. {lic_word}: {licence}. "
            f"{t('cite_processed', lang).capitalize()}, {permalink} ({t('cite_build', lang)}: {build}), "
            f"{t('cite_accessed', lang)} {access}.")
    key = "_".join(p for p in key_parts if p).replace("-", "_")
    bib = "\n".join([
        f"@misc{{{key},",
        f"  author       = {{{{{_bib_escape(author)}}}}},",
        f"  title        = {{{{{_bib_escape(what)}}}}},",
        f"  howpublished = {{{_bib_escape(t('cite_processed', lang).capitalize())}; {_bib_escape(tbl_word)}: {_bib_escape(table)}}},",
        f"  year         = {{{year}}},",
        f"  note         = {{{_bib_escape(date_word)}: {_bib_escape(ref)}; {_bib_escape(lic_word)}: {_bib_escape(licence)}; "
        f"{_bib_escape(t('cite_build', lang))}: {_bib_escape(build)}; {_bib_escape(t('cite_accessed', lang))} {access}}},",
        f"  url          = {{{permalink}}},",
        f"  urldate      = {{{today.isoformat()}}}",
        "}"])
    return text, bib, permalink


def embed_code(permalink_embed: str, title: str) -> str:
    return (f'<iframe src="{permalink_embed}" title="{title}" width="100%" height="720" '
            f'style="border:0" loading="lazy"></iframe>')
