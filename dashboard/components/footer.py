"""Source line under every chart, map and table: source, table code, reference date, licence."""
from __future__ import annotations

from dash import html

from ..i18n import fmt_date, t


def source_text(meta: dict, lang: str = "de") -> str:
    parts = [f"{t('footer_source', lang)}: {meta.get('source') or '–'}"]
    if meta.get("table_code"):
        parts.append(f"{t('footer_table', lang)}: {meta['table_code']}")
    if meta.get("reference_date"):
        parts.append(f"{t('footer_date', lang)}: {fmt_date(meta['reference_date'], lang)}")
    parts.append(f"{t('footer_licence', lang)}: {meta.get('licence') or 'dl-de/by-2-0'}")
    return " · ".join(parts)   # full attribution texts: Daten & Methoden page and the download files


def source_footer(meta: dict, lang: str = "de", id=None):
    kw = {"id": id} if id else {}
    return html.P(source_text(meta, lang), className="source-footer small text-muted mb-1", **kw)
