"""Reference builders for tests/test_figure_dicts.py: the go.Figure / per-indicator pandas versions that the
first-visit work (issue 11, round 2) replaced with figure dicts and arrays, kept verbatim (module references
adapted) so the test can show the new builders give the same JSON and rows on real selections."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

import dash_bootstrap_components as dbc
from dash import html

from dashboard import data
from dashboard.callbacks_util import lang_of, state_of
from dashboard.components import filters, lens, reach
from dashboard.components.charts import LAYOUT, _group_col, group_labels, swarm_offsets
from dashboard.components.profile_parts import CENSUS_BREAKS
from dashboard.components.footer import source_text
from dashboard.components.palettes import FACET_COLOURS
from dashboard.i18n import fmt_date, fmt_number, indicator_label, indicator_unit, t
from dashboard.callbacks_util import checked
from dashboard.pages.kapazitaet import (TOP_N, _date_of, _has, _latest, _num, _peer_key, _polarity, _round, _values,
                                        data as _data, kreis_share, land_share, mismatch_text, resolved, share_columns,
                                        share_year)


def percentile_in(values: pd.Series, v: float) -> float:
    s = values.dropna().astype(float)
    if s.empty or v is None or np.isnan(v):
        return float("nan")
    below, equal = float((s < v).sum()), float((s == v).sum())
    return 100.0 * (below + 0.5 * equal) / len(s)


def _add_highlight(fig: go.Figure, hi: pd.DataFrame, x: str, y: str, lang: str) -> None:
    """Chosen units as labelled orange diamonds; labels alternate above/below so neighbours stay readable."""
    if hi.empty:
        return
    hi = hi.sort_values(x)
    fig.add_trace(go.Scatter(x=hi[x], y=hi[y], mode="markers+text", text=hi["name"],
                             textposition=["top center" if i % 2 == 0 else "bottom center" for i in range(len(hi))],
                             marker=dict(symbol="diamond", size=12, color="#D55E00", line=dict(width=1, color="#000")),
                             name=t("highlight", lang), hovertemplate="%{text}: %{x}<extra></extra>"))


def card_frame(st: AppState, ags: str, lang: str) -> pd.DataFrame:
    """Every pressure and capacity indicator of the place: raw value, date, percentile and median in its peer group."""
    reg = data.regions(st.ll)
    peer = _peer_key(reg, st, lang)
    me = reg.index[reg["ags"] == ags]
    if not len(me):
        return pd.DataFrame()
    my_group = peer.loc[me[0]]
    peers = set(reg.loc[peer == my_group, "ags"])
    rows = []
    df_ind = data.indicators()
    for r in df_ind[df_ind["role"].isin(["pressure", "capacity"])].to_dict("records"):
        ind = r["indicator_id"]
        if r.get("kind") == "count" or not _has(ind, st.ll):   # counts without a base would rank size, not load
            continue
        v, meta = _values(ind, st.ll)
        if v.empty:
            continue
        pv = v[v["ags"].isin(peers)]["value"]
        mine = v.loc[v["ags"] == ags]
        val = float(mine["value"].iloc[0]) if len(mine) and pd.notna(mine["value"].iloc[0]) else float("nan")
        rows.append({"indicator_id": ind, "label": indicator_label(r, lang), "role": r["role"],
                     "polarity": r.get("polarity") or "neutral", "unit": indicator_unit(r, lang), "value": val,
                     "flag": mine["flag"].iloc[0] if len(mine) and isinstance(mine["flag"].iloc[0], str) else "",
                     "reference_date": str(mine["reference_date"].iloc[0])[:10] if len(mine) and pd.notna(
                         mine["reference_date"].iloc[0]) else _date_of(meta),
                     "percentile": percentile_in(pv, val), "peer_median": float(pv.median()) if pv.notna().any()
                     else float("nan"), "n_peers": int(pv.notna().sum()), "group": my_group,
                     "table_code": meta.get("table_code"), "source": meta.get("source"), "licence": meta.get("licence")})
    out = pd.DataFrame(rows)
    return out.sort_values(["role", "label"], ascending=[False, True]).reset_index(drop=True) if len(out) else out



def card_figure(card: pd.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure()
    if card.empty:
        return fig
    c = card[card["percentile"].notna()].iloc[::-1]
    for role, colour, symbol in (("pressure", "#CC79A7", "diamond"), ("capacity", "#0072B2", "circle")):
        sub = c[c["role"] == role]
        if sub.empty:
            continue
        arrow = sub["polarity"].map({"higher_is_better": " ↑+", "higher_is_worse": " ↑−"}).fillna("")
        text = [f"{_num(v, lang, u)} ({fmt_date(d, lang)}); {t('lens_col_peer_median', lang)}: {_num(pm, lang, u)}"
                for v, u, d, pm in zip(sub["value"], sub["unit"], sub["reference_date"], sub["peer_median"])]
        fig.add_trace(go.Scatter(x=sub["percentile"], y=sub["label"] + arrow, mode="markers", name=t(f"lens_role_{role}", lang),
                                 marker=dict(size=10, color=colour, symbol=symbol), text=text,
                                 hovertemplate="%{y}: P%{x:.0f}<br>%{text}<extra></extra>"))
    fig.add_vline(x=50, line=dict(color="#777", dash="dot", width=1))
    fig.update_layout(**LAYOUT, xaxis=dict(range=[0, 101], dtick=25, title=t("lens_card_x", lang)),
                      height=max(320, 22 * len(c) + 90), legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return fig




def update_composite(search, _rendered):
    """Driven by the URL alone: every control (weights, signs, filters) writes it first (sync_url)."""
    st, lang = resolved(state_of(search)), lang_of(search)
    pol = _polarity()
    ings = lens.parse_composite(st.cw, pol)
    if not ings:
        return go.Figure(), "", dbc.Alert(t("lens_comp_none", lang), color="info", className="py-1"), [], []
    reg = data.regions(st.ll)
    raw = reg.set_index("ags")[["name", "land_ags", "kommunaltyp", "size_class", "size_class_fine", "east_west",
                                "bbsr_kreistyp"]].copy()
    metas = {}
    for i in ings:
        v, meta = _values(i.ind, st.ll)
        raw[i.ind] = v.drop_duplicates("ags").set_index("ags")["value"].reindex(raw.index).astype(float)
        metas[i.ind] = meta
    m = filters.mask(raw.reset_index(), st)
    raw = raw[m]
    groups = _group_col(raw, [st.cg], st.br, lang, dict(data.lands())) if st.cg else None
    tab = lens.composite_table(raw, ings, groups, st.cz)
    n_drop = int(len(raw) - len(tab))
    labels = {i.ind: indicator_label(data.indicator(i.ind), lang) for i in ings}
    fig = composite_figure(tab.head(TOP_N), ings, labels, lang)
    stable = int(((tab["rank_max"] - tab["rank_min"]) == 0).head(10).sum())
    top10 = tab.head(10)
    summary = t("lens_comp_summary", lang, n=len(tab), drop=n_drop, stable=stable,
                wmax=int(top10["rank_max"].max()) if len(top10) else 0)
    dates = {labels[k]: _date_of(mt) for k, mt in metas.items()}
    warn = mismatch_text(dates, lang)
    weights_txt = "; ".join(f"{labels[i.ind]} × {fmt_number(i.weight, lang)} ({'+' if i.sign > 0 else '−'})" for i in ings)
    note = [html.P(t("lens_comp_weights", lang, w=weights_txt, how=t(f"lens_cz_{st.cz}", lang),
                     within=t(f"facet_{st.cg}", lang) if st.cg else t("lens_within_all", lang)),
                   className="small mb-1", id="lens-comp-weights")]
    if warn:
        note.append(dbc.Alert(warn, color="warning", className="py-1 mb-1", id="lens-comp-warning"))
    src = " | ".join(source_text(mt, lang) for mt in metas.values())
    cap = reach.caption_children(summary, src, None, lang)
    cols = [{"field": "rank", "headerName": t("lens_col_rank", lang), "width": 95, "pinned": "left"},
            {"field": "name", "headerName": t("col_name", lang), "width": 220, "pinned": "left"},
            {"field": "ags", "headerName": t("col_ags", lang), "width": 100},
            {"field": "score", "headerName": t("lens_col_score", lang), "type": "numericColumn", "width": 110},
            {"field": "rank_range", "headerName": t("lens_col_rank_range", lang), "width": 150}]
    for i in ings:
        u = indicator_unit(data.indicator(i.ind), lang)
        cols.append({"field": f"raw_{i.ind}", "headerName": f"{labels[i.ind]} ({u})", "type": "numericColumn"})
        cols.append({"field": f"std_{i.ind}", "headerName": f"{labels[i.ind]} ({t(f'lens_cz_short_{st.cz}', lang)}, "
                     f"{'+' if i.sign > 0 else '−'}, w={fmt_number(i.weight, lang)})", "type": "numericColumn"})
    rows = []
    for ags, r in tab.iterrows():
        row = {"rank": int(r["rank"]), "name": r["name"], "ags": ags, "score": _round(r["score"]),
               "rank_range": f"{int(r['rank_min'])}–{int(r['rank_max'])}"}
        for i in ings:
            row[f"raw_{i.ind}"] = _round(r[i.ind])
            row[f"std_{i.ind}"] = _round(r[f"std_{i.ind}"])
        rows.append(row)
    return fig, cap, note, rows, cols


def composite_figure(top: pd.DataFrame, ings, labels: dict, lang: str) -> go.Figure:
    """Stacked contributions (weight share × signed standardised value) per place: the composite is the sum,
    never shown without its ingredients; the rank range (±50 % per weight) in the bar label."""
    fig = go.Figure()
    if top.empty:
        return fig
    d = top.iloc[::-1]
    ylab = [f"{r['rank']:.0f}. {r['name']} ({r['rank_min']:.0f}–{r['rank_max']:.0f})" for _, r in d.iterrows()]
    for k, i in enumerate(ings):
        fig.add_trace(go.Bar(y=ylab, x=d[f"con_{i.ind}"], orientation="h", name=labels[i.ind],
                             marker_color=FACET_COLOURS[k % len(FACET_COLOURS)],
                             hovertemplate="%{y}<br>" + labels[i.ind] + ": %{x:.2f}<extra></extra>"))
    fig.add_trace(go.Scatter(y=ylab, x=d["score"], mode="markers", name=t("lens_col_score", lang),
                             marker=dict(symbol="line-ns-open", size=14, color="#000", line=dict(width=2))))
    fig.update_layout(**LAYOUT, barmode="relative", xaxis_title=t("lens_comp_x", lang),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"), height=550)
    return fig




def share_figure(d: pd.DataFrame, lang: str, ks_year: int | None) -> go.Figure:
    """Bars of the ratio, sorted; the bar text carries the counts (and the Königsteiner Schlüssel share with its year)."""
    d = d[d["ratio"].notna()].iloc[::-1]
    fig = go.Figure()
    if d.empty:
        return fig
    text = [t("lens_share_bar", lang, s=fmt_number(s, lang, 0), p=fmt_number(p, lang, 0), r=fmt_number(r, lang, 2))
            + (t("lens_share_bar_ks", lang, year=ks_year, ks=fmt_number(k, lang, 2), sp=fmt_number(sp, lang, 2))
               if ks_year and pd.notna(k) else "")
            for s, p, r, k, sp in zip(d["seekers"], d["population"], d["ratio"], d.get("ks", pd.Series(np.nan, d.index)),
                                      d["share_population"])]
    colours = ["#D55E00" if r > 1 else "#0072B2" for r in d["ratio"]]
    fig.add_trace(go.Bar(x=d["ratio"], y=d["name"], orientation="h", text=text, textposition="outside",
                         textfont=dict(size=10), cliponaxis=False, marker_color=colours, name=t("lens_share_ratio", lang),
                         hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
    fig.add_vline(x=1, line=dict(color="#000", width=1.5))
    # room on the right for the counts beside each bar
    fig.update_layout(**{**LAYOUT, "showlegend": False}, xaxis=dict(title=t("lens_share_x", lang),
                      range=[0, float(d["ratio"].max()) * (2.3 if ks_year else 1.9)]), bargap=0.25)
    return fig


def update_share(sl, search):
    (sl,) = checked(sl=sl)
    lang = lang_of(search)
    year = share_year()
    if year is None:
        return (go.Figure(), t("sum_empty", lang), [], [], go.Figure(), "", [], [], {"height": "60px"})
    d, ks_meta = land_share(year)
    fig = share_figure(d, lang, ks_meta.get("year"))
    mps, mpop = data.meta("protection_seekers", "kreis", year), data.meta("population", "kreis", year)
    ks_txt = (t("lens_share_ks", lang, year=ks_meta["year"]) + " " + source_text(ks_meta, lang)) if ks_meta else \
        t("lens_share_ks_none", lang)
    hi = d.iloc[0] if len(d) else None
    summary = t("lens_share_summary", lang, date=fmt_date(_date_of(mps), lang), n=int(d["ratio"].notna().sum()),
                hi=hi["name"] if hi is not None else "–", r=fmt_number(hi["ratio"], lang, 2) if hi is not None else "–")
    warn = mismatch_text({t("lens_share_seekers", lang): _date_of(mps), t("lens_share_pop", lang): _date_of(mpop),
                          t("lens_share_ks_short", lang): f"{ks_meta['year']}-12-31" if ks_meta else None}, lang)
    cap = [html.Span(summary, className="ia-summary d-block"),
           html.Span(t("lens_share_not_quota", lang), className="d-block fw-semibold", id="lens-share-not-quota"),
           html.Span(warn, className="d-block text-warning-emphasis", id="lens-share-warning") if warn else None,
           html.Span(source_text(mps, lang) + " | " + source_text(mpop, lang), className="ia-source d-block"),
           html.Span(ks_txt, className="ia-source d-block")]
    cols = share_columns(lang, ks_meta)
    rows = [{"name": r.name, "key": r.key, "seekers": _round(r.seekers, 0), "population": _round(r.population, 0),
             "share_seekers": _round(r.share_seekers, 2), "share_population": _round(r.share_population, 2),
             "ratio": _round(r.ratio, 3), "ks": _round(r.ks, 5)} for r in d.itertuples()]
    if not sl:
        return fig, cap, rows, cols, go.Figure(), t("lens_share_land_none", lang), [], share_columns(lang, {}), \
            {"height": "60px"}
    k, dropped = kreis_share(year, sl, lang)
    kfig = share_figure(k, lang, None)
    kfig.update_layout(height=max(300, 24 * int(k["ratio"].notna().sum()) + 80))
    lname = dict(data.lands()).get(sl, sl)
    ksum = t("lens_share_kreis_summary", lang, land=lname, n=int(k["ratio"].notna().sum()),
             clusters=int(k.get("cluster", pd.Series(dtype=bool)).fillna(False).sum()), dropped=dropped)
    kcap = [html.Span(ksum, className="ia-summary d-block"), html.Span(t("lens_share_not_quota", lang), className="d-block"),
            html.Span(source_text(mps, lang) + " | " + source_text(mpop, lang), className="ia-source d-block")]
    krows = [{"name": r.name, "key": r.key, "seekers": _round(r.seekers, 0), "population": _round(r.population, 0),
              "share_seekers": _round(r.share_seekers, 2), "share_population": _round(r.share_population, 2),
              "ratio": _round(r.ratio, 3)} for r in k.itertuples()]
    return fig, cap, rows, cols, kfig, kcap, krows, share_columns(lang, {}, kreis=True), {"height": f"{kfig.layout.height}px"}




def quadrant_figure(quad: pd.DataFrame, med: dict, st: AppState, lang: str, lx: str, ly: str, ux: str, uy: str):
    fig = go.Figure()
    if quad.empty:
        fig.update_layout(**{**LAYOUT, "showlegend": False})
        return fig
    q = quad.copy()
    q["group"] = _group_col(q, [st.col], st.br, lang, dict(data.lands()))
    for i, (g, sub) in enumerate(sorted(q.groupby("group"), key=lambda kv: kv[0])):
        fig.add_trace(go.Scattergl(x=sub["x"], y=sub["y"], mode="markers", name=g,
                                   marker=dict(size=6, opacity=0.7, color=FACET_COLOURS[i % len(FACET_COLOURS)]),
                                   customdata=sub["name"], hovertemplate="%{customdata}<br>%{x} / %{y}<extra></extra>"))
    hi = q[q["ags"].isin(st.sel)].rename(columns={"x": "value_x", "y": "value_y"})
    _add_highlight(fig, hi, "value_x", "value_y", lang)
    fig.add_vline(x=med["mx"], line=dict(color="#555", dash="dash", width=1))
    fig.add_hline(y=med["my"], line=dict(color="#555", dash="dash", width=1))
    pol = _polarity().get(st.cx, "neutral")
    low_cap_top = pol == "higher_is_worse"   # where on the y axis "low capacity" lies
    for qn, xr, yr in (("hp_lc", 0.99, 0.99 if low_cap_top else 0.01), ("lp_hc", 0.01, 0.01 if low_cap_top else 0.99)):
        fig.add_annotation(text=t(f"lens_q_{qn}", lang), x=xr, y=yr, xref="paper", yref="paper", showarrow=False,
                           xanchor="right" if xr > 0.5 else "left", yanchor="top" if yr > 0.5 else "bottom",
                           font=dict(size=11, color="#444"), bgcolor="rgba(255,255,255,0.8)")
    fig.update_layout(**LAYOUT, xaxis_title=f"{lx} ({ux})" if ux else lx, yaxis_title=f"{ly} ({uy})" if uy else ly,
                      legend=dict(orientation="h", y=-0.18))
    return fig




# -- Vergleich (dashboard/components/charts.py, group_series.py) ------------------------------------------

def group_bar_figure(agg: pd.DataFrame, lang: str, unit: str, title: str) -> go.Figure:
    """Horizontal bars of the group value; n and population in the bar text."""
    agg = agg.iloc[::-1]
    text = [f"{fmt_number(v, lang)} (n={int(n)}, {fmt_number(p, lang)} EW)" if lang == "de" else
            f"{fmt_number(v, lang)} (n={int(n)}, pop. {fmt_number(p, lang)})"
            for v, n, p in zip(agg["value"], agg["n"], agg["population"])]
    fig = go.Figure(go.Bar(x=agg["value"], y=agg["group"], orientation="h", text=text, textposition="auto",
                           marker_color=FACET_COLOURS[0], hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_layout(**{**LAYOUT, "showlegend": False}, xaxis_title=f"{title} ({unit})" if unit else title)
    return fig


def distribution_figure(values: pd.DataFrame, by: list[str], berlin_rule: str, lang: str, unit: str,
                        highlight: list[str], lands: dict, mode: str = "box") -> go.Figure:
    """Distribution per group as box plot or beeswarm (mode "swarm": every unit a dot), first group on top as in
    the bars; chosen units as labelled diamonds on their group's line."""
    df = values[values["value"].notna()].copy()
    fig = go.Figure()
    if df.empty:
        return fig
    df["group"] = _group_col(df, by, berlin_rule, lang, lands)
    groups = sorted(df["group"].unique())
    df["y"] = df["group"].map({g: i for i, g in enumerate(groups)}).astype(float)
    for i, g in enumerate(groups):
        sub = df[df["group"] == g]
        colour = FACET_COLOURS[i % len(FACET_COLOURS)]
        common = dict(x=sub["value"], name=g, showlegend=False, customdata=sub["name"],
                      hovertemplate="%{customdata}: %{x}<extra></extra>")
        if mode == "swarm":
            fig.add_trace(go.Scattergl(y=sub["y"].to_numpy() + swarm_offsets(sub["value"].to_numpy()), mode="markers",
                                       marker=dict(size=4 if len(sub) > 500 else 6, opacity=0.7, color=colour), **common))
        else:
            fig.add_trace(go.Box(y=sub["y"], orientation="h", boxpoints="outliers", marker_color=colour, **common))
    _add_highlight(fig, df[df["ags"].isin(highlight)], "value", "y", lang)
    fig.update_layout(**LAYOUT, xaxis_title=unit)
    fig.update_yaxes(tickvals=list(range(len(groups))), ticktext=groups, range=[len(groups) - 0.4, -0.6])
    return fig


def scatter_figure(dx: pd.DataFrame, dy: pd.DataFrame, colour: str, berlin_rule: str, lang: str,
                   xlabel: str, ylabel: str, highlight: list[str], lands: dict) -> go.Figure:
    """Scatter of two indicators at the same level, coloured by a facet, chosen units labelled."""
    df = dx[["ags", "name", "value", "land_ags", "kommunaltyp", "size_class", "size_class_fine", "east_west",
             "bbsr_kreistyp"]].merge(dy[["ags", "value"]], on="ags", suffixes=("_x", "_y"))
    df = df[df["value_x"].notna() & df["value_y"].notna()]
    fig = go.Figure()
    if df.empty:
        return fig
    df["group"] = _group_col(df, [colour], berlin_rule, lang, lands)
    for i, (g, sub) in enumerate(sorted(df.groupby("group"), key=lambda kv: kv[0])):
        fig.add_trace(go.Scattergl(x=sub["value_x"], y=sub["value_y"], mode="markers", name=g,
                                   marker=dict(size=5, opacity=0.6, color=FACET_COLOURS[i % len(FACET_COLOURS)]),
                                   customdata=sub["name"], hovertemplate="%{customdata}<br>%{x} / %{y}<extra></extra>"))
    _add_highlight(fig, df[df["ags"].isin(highlight)], "value_x", "value_y", lang)
    fig.update_layout(**LAYOUT, xaxis_title=xlabel, yaxis_title=ylabel, legend=dict(orientation="h", y=-0.2))
    return fig


def timeseries_figure(ts: pd.DataFrame, lang: str, ylabel: str, empty_text: str) -> go.Figure:
    fig = go.Figure()
    if ts.empty or ts.groupby("ags")["year"].nunique().max() < 2:
        fig.add_annotation(text=empty_text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        fig.update_layout(**{**LAYOUT, "showlegend": False}, xaxis_visible=False, yaxis_visible=False)
        return fig
    for i, (ags, sub) in enumerate(ts.groupby("ags")):
        fig.add_trace(go.Scatter(x=sub["year"], y=sub["value"], mode="lines+markers", name=str(sub["name"].iloc[0]),
                                 line=dict(color=FACET_COLOURS[i % len(FACET_COLOURS)])))
    fig.update_layout(**LAYOUT, yaxis_title=ylabel, xaxis=dict(dtick=1 if ts["year"].nunique() < 12 else None),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def group_series_figure(ts: pd.DataFrame, by: list[str], lang: str, lands: dict, ylabel: str,
                        empty_text: str) -> go.Figure:
    fig = go.Figure()
    have = ts[ts["value"].notna()] if len(ts) else ts
    if have.empty or have["year"].nunique() < 2:
        fig.add_annotation(text=empty_text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        fig.update_layout(**{**LAYOUT, "showlegend": False}, xaxis_visible=False, yaxis_visible=False)
        return fig
    have = have.assign(group=group_labels(have, by, lang, lands))
    for i, (name, sub) in enumerate(have.groupby("group", sort=True)):
        sub = sub.sort_values("year")
        colour = FACET_COLOURS[i % len(FACET_COLOURS)]
        approx = sub["approximate"].astype(bool).tolist() if "approximate" in sub else [False] * len(sub)
        text = [f"{name} {y}: {fmt_number(v, lang)} (n={int(n)})" + (" ≈" if a else "")
                for y, v, n, a in zip(sub["year"], sub["value"], sub["n_with_value"], approx)]
        fig.add_trace(go.Scatter(
            x=sub["year"], y=sub["value"], mode="lines+markers", name=str(name), text=text,
            hovertemplate="%{text}<extra></extra>", line=dict(color=colour),
            marker=dict(color=["white" if a else colour for a in approx], line=dict(color=colour, width=1.5), size=7)))
    y0, y1 = int(have["year"].min()), int(have["year"].max())
    for b in CENSUS_BREAKS:
        if y0 < b <= y1:
            fig.add_vline(x=b - 0.5, line_dash="dot", line_color="#999",
                          annotation_text=("Zensus " if lang == "de" else "Census ") + str(b),
                          annotation_position="top")
    fig.update_layout(**LAYOUT, yaxis_title=ylabel, legend=dict(orientation="h", y=-0.2))
    return fig


