"""Profil: one URL per unit (/gemeinde/<ags>, /kreis/<ags>, /land/<ags>): every indicator with value,
reference date, flag, rank in its peer group, comparison with Kreis, Land and Germany, mini map,
case-study entries and 5 similar units over user-chosen indicators."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from .. import data, ids
from ..callbacks_util import checked, expect, guard, lang_of, page_stores, register_url_sync, state_from
from ..components import analysis, controls, filters, grid, mapfig
from ..components import profile_parts as pp
from ..i18n import facet_label, fmt_date, fmt_number, indicator_label, indicator_unit, t
from ..state import AppState, CraftedInput, profile_path, serialise
from ..components.widgets import dropdown

dash.register_page(__name__, path_template="/gemeinde/<ags>", name="Profil", title="Integrationsatlas – Profil",
                   layout=lambda **_: None)

PRO_NOTICE = "pro-notice"
PAGE = "profil"
SIM_CONTROLS = [(ids.PRO_SIM, "value", "sim"), *filters.filter_controls(PAGE)]


def _latest(obs: pd.DataFrame, ind: str) -> pd.Series | None:
    o = obs[(obs["indicator_id"] == ind)]
    with_val = o[o["value"].notna()]
    if len(with_val):
        return with_val.sort_values("year").iloc[-1]
    return o.sort_values("year").iloc[-1] if len(o) else None


def _value_at(ags: str | None, level: str, ind: str, year: int, _lookups: dict | None = None) -> float | None:
    """Value of `ind` in `year` for one unit (the first observation of that year, as the warehouse orders them).
    `_lookups` keeps one {(indicator, year): value} per unit for the rows of a whole profile (~100 indicators)."""
    if not ags:
        return None
    lookups = {} if _lookups is None else _lookups
    if (ags, level) not in lookups:
        lookups[(ags, level)] = _unit_values(ags, level)
    return lookups[(ags, level)].get((ind, int(year)))


@data.memo(maxsize=512)    # per warehouse build: Germany and the Länder are asked by every profile
def _unit_values(ags: str, level: str) -> dict[tuple[str, int], float | None]:
    """{(indicator, year): value} of one unit, the first observation of each year (callers must not mutate it)."""
    obs = data.unit_observations(ags, level)
    out: dict[tuple[str, int], float | None] = {}
    for i, y, v in zip(obs["indicator_id"].tolist(), obs["year"].tolist(), obs["value"].tolist()):
        key = (i, int(y))
        if key not in out:
            out[key] = float(v) if pd.notna(v) else None
    return out


@data.warmer
def warm_profile_lookups() -> int:
    """What every profile asks for whatever the unit: Germany's and each Land's values (the comparison columns)
    and the catalogue as dicts; the units' peer ranks are data.warm_peer_ranks."""
    data.indicator_specs()
    units = [("DG", "bund")] + [(a, "land") for a in data.regions("land")["ags"]]
    for ags, level in units:
        _unit_values(ags, level)
    return len(units)


def _ranks(ags: str, level: str, br: str) -> dict[str, dict]:
    """{indicator: {year, rank, n_peers, n_lower, n_higher, size, ew}} in the peer group (size class × East/West;
    Länder: all 16) at the unit's latest year with a value – one warehouse query for the whole profile."""
    try:
        df = data.unit_peer_ranks(ags, level, br)
    except Exception:  # noqa: BLE001 - no ranks, the rows still show
        return {}
    return {r["indicator_id"]: r for r in df.to_dict("records")}


def unit_sources(region: dict, level: str) -> list[tuple[str, str, pd.DataFrame]]:
    """(ags, level, observations) the profile shows: the unit itself, and for a kreisfreie Stadt opened as a
    Gemeinde also its Kreis (same territory) for every indicator the Gemeinde rows do not have."""
    out = [(region["ags"], level, data.unit_observations(region["ags"], level))]
    k = pp.same_territory_kreis(region, level, data.regions("gemeinde"))
    if k:
        kobs = data.unit_observations(k, "kreis")
        out.append((k, "kreis", kobs[~kobs["indicator_id"].isin(set(out[0][2]["indicator_id"]))]))
    return out


def _by_indicator(obs: pd.DataFrame) -> dict[str, tuple[tuple, list[tuple]]]:
    """One pass over a unit's observations (plain lists, not ~100 small frames): per indicator the latest row
    (latest year with a value, else the latest year; the last such row in the frame's order) as (year,
    reference_date, value, flag, table_code), and the yearly points of its sparkline (the year's latest Stichtag
    with a value, as pp.yearly) as (year, value, reference_date), years ascending."""
    latest: dict[str, tuple] = {}
    best: dict[str, tuple] = {}
    points: dict[str, dict[int, tuple]] = {}
    cols = [obs[c].tolist() for c in ("indicator_id", "year", "reference_date", "value", "flag", "table_code")]
    for ind, year, ref, val, flag, code in zip(*cols):
        has = val == val and val is not None
        key = (has, year)
        if ind not in best or key >= best[ind]:
            best[ind], latest[ind] = key, (year, ref, val, flag, code)
        if has:
            pts = points.setdefault(ind, {})
            rk = (ref is pd.NaT, 0 if ref is pd.NaT else ref)      # NaT sorts last, as in pandas
            if year not in pts or rk >= pts[year][0]:
                pts[year] = (rk, (year, val, ref))
    return {ind: (latest[ind], [pts[1] for _, pts in sorted(points.get(ind, {}).items())]) for ind in latest}


def indicator_rows(region: dict, level: str, st: AppState) -> list[dict]:
    """One row per indicator that has an observation for this unit (latest year with a value), with a sparkline
    of its series (census breaks marked) and the peer rank; a kreisfreie Stadt opened as a Gemeinde also gets the
    Kreis-level indicators of the same territory (marked in the column `level_note`)."""
    lang = st.lang
    specs = data.indicator_specs()          # dict lookups, not .loc
    rows = []
    lookups: dict = {}
    for src_ags, src_level, obs in unit_sources(region, level):
        ranks = _ranks(src_ags, src_level, st.br)
        per = _by_indicator(obs)
        for ind in sorted(per):
            if ind not in specs:
                continue
            (year, ref, val, flag, code), pts = per[ind]
            spec = specs[ind]
            year = int(year)
            has = pd.notna(val)
            rk = ranks.get(ind) if has else None
            rank = (int(rk["rank"]), int(rk["n_peers"])) if rk and int(rk["year"]) == year else None
            unit = indicator_unit(spec, lang)
            kreis = (_value_at(region.get("kreis_ags"), "kreis", ind, year, lookups)
                     if level == "gemeinde" and src_level == "gemeinde" else None)
            if src_level == "kreis" and level == "gemeinde":
                kreis = float(val) if has else None
            land = (_value_at(region.get("land_ags"), "land", ind, year, lookups)
                    if level in ("gemeinde", "kreis") else None)
            de = _value_at("DG", "bund", ind, year, lookups)
            years = [int(p[0]) for p in pts]
            vals = [float(p[1]) for p in pts]
            label = indicator_label(spec, lang)
            alt = pp.spark_alt_xy(years, [p[1] for p in pts], label, lang)
            rows.append({
                "indicator": label, "indicator_id": ind,
                "value": fmt_number(val, lang) + (f" {unit}" if has and unit else ""),
                "value_raw": float(val) if has else None,
                "reference_date": fmt_date(ref, lang),
                "reference_date_iso": str(ref)[:10],
                "flag": flag if isinstance(flag, str) else "",
                "rank": t("profile_rank_fmt", lang, n=rank[0], m=rank[1]) if rank else "–",
                "spark": pp.svg_data_uri(pp.sparkline_svg_xy(years, vals, alt)),
                "spark_alt": alt,
                "breaks": ", ".join(map(str, pp.census_breaks_in(years))),
                "level_note": (t("profile_kreis_level", lang) if src_level != level else ""),
                "src_level": src_level, "src_ags": src_ags,
                "peer": ({"n_peers": int(rk["n_peers"]) - 1, "n_lower": int(rk["n_lower"]),
                          "n_higher": int(rk["n_higher"]), "size": rk["size"], "ew": rk["ew"]} if rank else None),
                "kreis": fmt_number(kreis, lang) if kreis is not None else "–",
                "land": fmt_number(land, lang) if land is not None else "–",
                "de": fmt_number(de, lang) if de is not None else "–",
                "table_code": code or "",
            })
    rows.sort(key=lambda x: x["indicator"])
    return rows


def summary_sentences(region: dict, level: str, rows: list[dict], st: AppState) -> list[str]:
    """The plain-language summary at the top: population and the pressure/capacity topics of
    profile_parts.SUMMARY_TOPICS, each sentence with its reference date and, where possible, the peer comparison.
    Where the newest count of a topic includes neighbouring Kreise (booking cluster host), that is said instead."""
    lang = st.lang
    name = region["name"].split(",")[0]
    by_id = {r["indicator_id"]: r for r in rows}
    out = []
    pop = by_id.get("population")
    if pop and pop["value_raw"] is not None:
        out.append(pp.population_sentence(name, pop["value_raw"], pop["reference_date_iso"], lang))
    cat = data.indicator_specs()
    for topic in pp.SUMMARY_TOPICS:
        rate = next((by_id[i] for i in topic if i in by_id and cat[i]["kind"] != "count"
                     and by_id[i]["value_raw"] is not None), None)
        host = next((by_id[i] for i in topic if i in by_id and cat[i]["kind"] == "count"
                     and by_id[i]["flag"] == "includes_other_kreise" and by_id[i]["value_raw"] is not None), None)
        if host and (rate is None or host["reference_date_iso"] > rate["reference_date_iso"]):
            out.append(_booking(name, host, lang))
            continue
        if rate is None:
            continue
        cmp = rate["peer"]
        peer_name = None
        if cmp:
            fac = "size_class" if cmp["size"] in ("grossstadt", "mittelstadt", "kleinstadt", "landgemeinde") \
                else "size_class_fine"
            peer_name = f"{facet_label(fac, cmp['size'], lang)} {facet_label('east_west', cmp['ew'], lang)}"
        out.append(pp.sentence(name, rate["indicator"], rate["value_raw"],
                               indicator_unit(cat[rate["indicator_id"]], lang), rate["reference_date_iso"],
                               lang, cmp, peer_name))
    return out


def _booking(name: str, host_row: dict, lang: str) -> str:
    """Sentence for the host of a booking cluster (its count includes neighbouring Kreise): the cluster's rate."""
    from warehouse.queries import booking_clusters
    host = host_row["src_ags"]
    members = [m for m, h in booking_clusters() if h == host]
    year = int(host_row["reference_date_iso"][:4])
    rate = None
    try:
        popv = data.values("population", "kreis", year).set_index("ags")["value"]
        total = sum(float(popv.get(a)) for a in [host, *members] if pd.notna(popv.get(a)))
        if all(pd.notna(popv.get(a)) for a in [host, *members]) and total:
            rate = host_row["value_raw"] / total * 1000
    except Exception:  # noqa: BLE001 - the sentence still names the booking
        rate = None
    names = [data.region(m).get("name", m).split(",")[0] for m in members]
    return pp.booking_sentence(name, host_row["value_raw"], host_row["reference_date_iso"], names, rate, lang,
                               host_row["indicator"])


@data.memo(maxsize=16)
def _minimap_base(url: str, zoom: float) -> dict:
    """mapfig.base_figure's JSON with the minimap's colours, built (validated) once per asset and zoom."""
    fig = mapfig.base_figure(url, zoom=zoom)
    fig.data[0].update(colorscale=[[0, "#e5e5e5"], [1, "#CC79A7"]], zmin=0, zmax=1)
    fig.update_layout(height=240)
    return fig.to_plotly_json()


def minimap_figure(url: str, zoom: float, center: dict | None, locs: list[str], z: list[int]) -> dict:
    """The locator map as a figure dict: the base figure's JSON with this unit's centre, units and highlight
    (the same JSON as base_figure(url, zoom, center) updated with them, without validating ~400 locations)."""
    base = _minimap_base(url, zoom)
    trace = {**base["data"][0], "locations": locs, "z": z}
    layout = {**base["layout"], "map": {**base["layout"]["map"], "center": dict(center or mapfig.CENTER)}}
    return {"data": [trace], "layout": layout}


def minimap(region: dict, level: str, lang: str):
    """Small locator map: the unit highlighted among the units of its Land."""
    url = data.geo_assets().get(level)
    if not url:
        return html.P(t("map_no_geometry", lang), className="small text-muted")
    reg = data.regions(level)
    same_land = reg[reg["land_ags"] == region.get("land_ags")] if level != "land" else reg
    locs = same_land["ags"].astype(str).tolist()
    z = [1 if a == region["ags"] else 0 for a in locs]
    fig = minimap_figure(url, 6 if level != "land" else 4.2, data.centroid(region["ags"], level), locs, z)
    return html.Div(dcc.Graph(id=ids.PRO_MINIMAP, figure=fig, config={"staticPlot": True}, style={"height": "240px"}),
                    role="img", **{"aria-label": f"{t('profile_minimap', lang)}: {region['name']}"})


@data.memo(maxsize=256)    # per warehouse build and URL state (IA_CALLBACK_CACHE)
def build(state: AppState, level: str | None = None, ags: str | None = None, **_):
    lang = state.lang
    search = html.Div([html.Label(t("search", lang), htmlFor=ids.PRO_SEARCH, className="form-label small fw-semibold"),
                       controls.search_dropdown(ids.PRO_SEARCH, lang)], style={"maxWidth": "520px"})
    if not ags:
        return html.Div([html.H1(t("profile_title", lang), className="h4"), html.P(t("profile_choose", lang)), search,
                         page_stores("profil")])
    region = data.region(ags)
    expected = {2: "land", 5: "kreis", 8: "gemeinde"}.get(len(ags))
    if not region or expected != level:
        return html.Div([html.H1(t("profile_title", lang), className="h4"),
                         dbc.Alert(t("profile_unknown", lang, ags=ags), color="warning"), search,
                         page_stores("profil")])
    rows = indicator_rows(region, level, state)
    cs = data.case_studies(ags)
    size = region.get("size_class") if isinstance(region.get("size_class"), str) else region.get("size_class_fine")
    facts = [
        (t("hover_kommunaltyp", lang), facet_label("kommunaltyp", region.get("kommunaltyp"), lang)),
        (t("hover_size", lang), facet_label("size_class" if isinstance(region.get("size_class"), str) else "size_class_fine",
                                            size, lang)),
        (t("f_east_west", lang), facet_label("east_west", region.get("east_west"), lang)),
        (t("profile_land", lang), region.get("land_name") or "–"),
        (t("profile_kreis", lang), region.get("kreis_name") if level == "gemeinde" else "–"),
        (t("f_kreistyp", lang), facet_label("bbsr_kreistyp", region.get("bbsr_kreistyp"), lang)
         if pd.notna(region.get("bbsr_kreistyp")) else "–"),
        (t("profile_population", lang), fmt_number(region.get("population"), lang)),
        (t("profile_area", lang), fmt_number(region.get("area_km2"), lang, 1) + " km²"),
        ("AGS", ags),
    ]
    peer = t("profile_peer", lang, size=facet_label("size_class" if isinstance(region.get("size_class"), str)
                                                    else "size_class_fine", size, lang),
             ew=facet_label("east_west", region.get("east_west") if region.get("east_west") != "berlin" or state.br == "own"
                            else state.br, lang))
    cols = [{"field": "indicator", "headerName": t("col_indicator", lang), "width": 280, "wrapText": True, "autoHeight": True},
            {"field": "value", "headerName": t("col_value", lang), "width": 150},
            {"field": "spark", "headerName": t("profile_spark", lang), "width": 140, "cellRenderer": "IaSparkline",
             "sortable": False, "headerTooltip": t("profile_spark_help", lang)},
            {"field": "level_note", "headerName": t("profile_level_col", lang), "width": 130,
             "hide": not any(r["level_note"] for r in rows)},
            {"field": "reference_date", "headerName": t("col_reference_date", lang), "width": 120},
            {"field": "flag", "headerName": t("col_flag", lang), "width": 100},
            {"field": "rank", "headerName": t("profile_rank", lang), "width": 160},
            {"field": "kreis", "headerName": t("profile_kreis", lang), "width": 110, "hide": level != "gemeinde"},
            {"field": "land", "headerName": t("profile_land", lang), "width": 110, "hide": level == "land"},
            {"field": "de", "headerName": t("profile_de", lang), "width": 120},
            {"field": "table_code", "headerName": t("col_table_code", lang), "width": 150}]
    # similarity is searched among units of the profile's own level: rows of the Kreis of the same territory
    # (a kreisfreie Stadt opened as Gemeinde) have no values for other Gemeinden
    own = [r for r in rows if not r.get("level_note")]
    sim_opts = [{"label": r["indicator"], "value": r["indicator_id"]} for r in own]
    sim_default = list(state.sim) or [r["indicator_id"] for r in own
                                      if r["indicator_id"] not in ("population_census2022",)][:6]
    cs_block = (dag.AgGrid(id="pro-case-studies", rowData=cs[["study_title", "year", "role_in_study", "publisher"]]
                           .to_dict("records"),
                           columnDefs=[{"field": "study_title", "headerName": t("profile_study", lang), "flex": 3,
                                        "wrapText": True, "autoHeight": True},
                                       {"field": "year", "headerName": t("profile_study_year", lang), "width": 80},
                                       {"field": "role_in_study", "headerName": t("profile_role", lang), "flex": 1},
                                       {"field": "publisher", "headerName": "", "flex": 2, "wrapText": True,
                                        "autoHeight": True}],
                           className="ag-theme-alpine", style={"height": None},
                           dashGridOptions=grid.options(lang, domLayout="autoHeight"))
                if len(cs) else html.P(t("profile_no_case_studies", lang), className="small text-muted"))
    compare_href = "/vergleich" + serialise(state.with_(sel=tuple([ags] + [a for a in state.sel if a != ags])[:8]),
                                            data.catalogue())
    return html.Div([
        html.Div([html.H1(region["name"], className="h4 mb-0", id="profile-name"),
                  dcc.Link(t("profile_open_compare", lang), href=compare_href, className="small ms-3")],
                 className="d-flex align-items-baseline"),
        html.P(peer, className="small text-muted mb-2", id="profile-peer"),
        html.Div([html.P(x, className="mb-1") for x in summary_sentences(region, level, rows, state)],
                 id="profile-summary", className="profile-summary small mb-2", **{"aria-label": t("profile_summary", lang)}),
        (html.P(t("profile_same_territory", lang, kreis=region.get("kreis_name") or ""), className="small text-muted",
                id="profile-territory-note") if any(r["level_note"] for r in rows) else None),
        dbc.Row([
            dbc.Col([html.Dl([x for k, v in facts for x in (html.Dt(k), html.Dd(v))], className="profile-facts small"),
                     minimap(region, level, lang),
                     html.P(t("profile_filters_help", lang), className="small text-muted mt-2 mb-0"),
                     filters.panel(state, data.lands(), lang, PAGE)], lg=3, md=4),
            dbc.Col([
                html.H2(t("profile_indicators", lang), className="h6"),
                dag.AgGrid(id=ids.PRO_TABLE, rowData=rows, columnDefs=cols, className="ag-theme-alpine",
                           defaultColDef={"sortable": True, "resizable": True}, dashGridOptions=grid.options(lang),
                           style={"height": "330px"}),
                html.P(t("profile_sources_note", lang), className="source-footer small text-muted"),
                dbc.Row([
                    dbc.Col([html.H2(t("profile_case_studies", lang), className="h6"), cs_block], md=6),
                    dbc.Col([html.H2(t("profile_similar", lang), className="h6"),
                             html.Label(t("profile_similar_over", lang), htmlFor=ids.PRO_SIM, className="small"),
                             dropdown(lang, id=ids.PRO_SIM, options=sim_opts, value=sim_default, multi=True),
                             html.Div(id=ids.PRO_SIMILAR, className="mt-2")], md=6),
                ]),
                html.Div(id=PRO_NOTICE),
                html.Div(search, className="mt-2"),
            ], lg=9, md=8),
        ]),
        page_stores("profil"),
        dcc.Store(id="pro-unit", data={"ags": ags, "level": level}),
    ])


@callback(Output(ids.PRO_SIMILAR, "children"), Output(PRO_NOTICE, "children"),
          Output(ids.pid(PAGE, ids.FILTER_NOTE), "children"),
          *[Input(cid, prop) for cid, prop, _ in SIM_CONTROLS], State("pro-unit", "data"), State(ids.URL, "search"))
@guard(3, notice_at=1)
@data.memo_callback()   # per warehouse build (IA_CALLBACK_CACHE)
def similar_units(*args):
    """5 nearest units over the ticked indicators, searched among the units that pass the filters."""
    *vals, unit, search = args
    lang = lang_of(search)
    unit = expect("pro-unit", unit, optional=False)
    checked(level=unit.get("level"), sel=unit.get("ags"))
    if not unit.get("level") or not unit.get("ags"):
        raise CraftedInput("pro-unit", unit)
    st = state_from(SIM_CONTROLS, vals, search)
    reg = data.regions(unit["level"])
    keep = filters.mask(reg, st)
    pool = set(reg.loc[keep, "ags"]) | {unit["ags"]}
    note = t("profile_similar_pool", lang, n=int(keep.sum()), m=len(reg)) if not keep.all() else ""
    m = data.matrix(unit["level"], list(st.sim))
    in_pool = np.fromiter((a in pool for a in m.index.tolist()), dtype=bool, count=len(m))   # not arrow isin (~90 ms)
    res = analysis.similar(m[in_pool], unit["ags"], n=5)
    if res.empty:
        return html.P(t("profile_similar_none", lang), className="small text-muted"), None, note
    reg = reg.set_index("ags")
    items = []
    for a, d in zip(res["ags"], res["distance"]):
        name = reg.loc[a, "name"] if a in reg.index else a
        items.append(html.Li([dcc.Link(name, href=profile_path(unit["level"], a) + serialise(st, data.catalogue())),
                              html.Span(f" ({t('profile_distance', lang)} {fmt_number(d, lang, 2)})",
                                        className="text-muted")]))
    return html.Ol(items, className="small mb-0", id="similar-list"), None, note


register_url_sync(PAGE, SIM_CONTROLS)
