"""Indicator / level / year controls with unavailable levels and years disabled (with the reason)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from .. import data, ids
from ..i18n import indicator_label, t
from ..state import LEVELS, AppState, Catalogue
from .widgets import dropdown


def indicator_options(catalogue_df, cat: Catalogue, lang: str) -> list[dict]:
    """All indicators; those without any value are disabled (the catalogue page explains why)."""
    opts = []
    for row in catalogue_df.to_dict("records"):
        has = bool(cat.available.get(row["indicator_id"]))
        label = indicator_label(row, lang)
        if not has:
            label += " – " + ("keine Werte" if lang == "de" else "no values")
        opts.append({"label": label, "value": row["indicator_id"], "disabled": not has})
    return sorted(opts, key=lambda o: (o["disabled"], o["label"]))


@data.memo(maxsize=4)     # per warehouse build and language: every page shell with an indicator dropdown (~9 ms)
def catalogue_options(lang: str) -> list[dict]:
    """indicator_options of the warehouse's catalogue; callers must not mutate the list."""
    return indicator_options(data.indicators(), data.catalogue(), lang)


def level_options(cat: Catalogue, ind: str, lang: str) -> list[dict]:
    have = cat.available.get(ind, {})
    out = []
    for lvl in LEVELS:
        ok = bool(have.get(lvl))
        label = t(f"level_{lvl}", lang) + ("" if ok else f" ({t('level_unavailable', lang)})")
        out.append({"label": label, "value": lvl, "disabled": not ok})
    return out


def year_options(cat: Catalogue, ind: str, level: str, lang: str) -> list[dict]:
    """Every year the indicator has at any level; years missing at `level` are disabled with the reason."""
    have = cat.available.get(ind, {})
    all_years = sorted({y for ys in have.values() for y in ys}, reverse=True)
    at_level = set(have.get(level, []))
    return [{"label": str(y) if y in at_level else f"{y} ({t('year_unavailable', lang)})", "value": y,
             "disabled": y not in at_level} for y in all_years]


def indicator_block(state: AppState, ind_options: list[dict], cat: Catalogue, lang: str, page: str,
                    with_level: bool = True):
    """Indicator, level and year controls; `ind_options` from catalogue_options (or indicator_options)."""
    IND, LEVEL, YEAR = (ids.pid(page, b) for b in (ids.INDICATOR, ids.LEVEL, ids.YEAR))
    lbl = lambda key, target: html.Label(t(key, lang), htmlFor=target, className="form-label small fw-semibold mb-0")
    items = [lbl("indicator", IND),
             dropdown(lang, id=IND, options=ind_options, value=state.ind,
                          clearable=False, className="mb-2")]
    if with_level:
        items += [lbl("level", LEVEL),
                  dbc.RadioItems(id=LEVEL, options=level_options(cat, state.ind, lang), value=state.level,
                                 inline=True, className="small mb-1")]
    items += [lbl("year", YEAR),
              dropdown(lang, id=YEAR, options=year_options(cat, state.ind, state.level, lang), value=state.year,
                           clearable=False, className="mb-2")]
    return html.Div(items)


def search_dropdown(id_: str, lang: str, multi: bool = False, value=None, options=None):
    return dropdown(lang, id=id_, options=options or [], value=value, multi=multi, searchable=True,
                        placeholder=t("search_placeholder", lang), className="mb-2", search_order="original")


def search_options(hits, query: str) -> list[dict]:
    """Options for the autocomplete; `search` carries the normalised key so the client filter keeps them."""
    q = query or ""
    return [{"label": lab, "value": ags, "search": f"{key} {lab} {q}"}
            for ags, lab, key in zip(hits["ags"], hits["label"], hits["key"])]
