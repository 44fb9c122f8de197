"""The figure dicts (dashboard/components/figdict.py) and array look-ups that replaced go.Figure builders and
per-indicator pandas frames on first visits (issue 11, round 2) send exactly what the old builders sent: the
JSON Dash serialises (plotly.io.json.to_json_plotly) of old and new is equal, on small frames and on real
selections of the real warehouse (read only: these tests never build it). The old builders are kept verbatim
in tests/legacy_figures.py as the reference."""
from __future__ import annotations

import inspect
import json
import threading

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.io.json import to_json_plotly

from dashboard.components import figdict, lens


def _j(x) -> object:
    return json.loads(to_json_plotly(x))


# -- without a warehouse -----------------------------------------------------------------------------------

def test_figure_dict_equals_go_figure_json():
    x = pd.Series([1.5, np.nan, 3.0])
    old = go.Figure(go.Bar(x=x, y=pd.Series(["a", "b", "c"]), orientation="h", marker_color=["#000"] * 3,
                           text=["1", "2", "3"]))
    old.add_vline(x=np.float64(2.5), line=dict(color="#777", dash="dot", width=1))
    old.add_hline(y=1, line=dict(color="#555", width=1))
    old.update_layout(margin=dict(l=10), xaxis_title="X", height=300)
    new = figdict.figure([{"marker": {"color": ["#000"] * 3}, "orientation": "h", "text": ["1", "2", "3"],
                           "x": x.to_numpy(), "y": np.array(["a", "b", "c"], dtype=object), "type": "bar"}],
                         {"margin": {"l": 10}, "xaxis": {"title": {"text": "X"}}, "height": 300,
                          "shapes": [figdict.vline(np.float64(2.5), {"color": "#777", "dash": "dot", "width": 1}),
                                     figdict.hline(1, {"color": "#555", "width": 1})]})
    assert _j(new) == _j(old)
    assert new["data"][0]["x"]["dtype"] == "f8"                       # numbers as a typed array, as before
    assert new["layout"]["template"] == old.to_plotly_json()["layout"]["template"]
    assert _j(figdict.empty()) == _j(go.Figure()) and figdict.height(new) == 300
    assert _j(new) != _j(figdict.figure(new["data"][:0], {"height": 300}))   # the comparison can fail


def test_percentile_of_array_equals_the_series_version():
    s = pd.Series([1.0, 2.0, 2.0, np.nan, 5.0])
    for v in (0.5, 1.0, 2.0, 4.0, 5.0, 9.0, float("nan")):
        a, b = lens.percentile_of(s.to_numpy(), v), lens.percentile_in(s, v)
        assert (np.isnan(a) and np.isnan(b)) or a == b
    assert lens.percentile_of(s.to_numpy(), 2.0) == pytest.approx(50.0)          # (1 + 0.5 * 2) / 4


# -- the real warehouse (read only) -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app_real():
    from etl.settings import get_settings
    if not get_settings().warehouse.exists():
        pytest.skip("warehouse missing: build it first with `integrationsatlas etl run`")
    orig = threading.Thread.start
    threading.Thread.start = lambda self, *a, **kw: (None if self.name == "dashboard-warm-up"  # no warm-up here
                                                     else orig(self, *a, **kw))
    try:
        from dashboard.app import server  # noqa: F401 - registers the pages
    finally:
        threading.Thread.start = orig
    from tests import legacy_figures
    return legacy_figures


CARDS = [("", ["09162", "11000", "12052", "10044", "03241", "16051"]), ("?pf=land&br=east", ["09162", "05315"]),
         ("?ll=gemeinde", ["05315000", "12052000", "11000000", "09780139"]),
         ("?ll=gemeinde&pf=kommunaltyp", ["09162000"])]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_place_card_rows_and_figure_equal_the_per_indicator_frames(app_real, lang):
    from dashboard.callbacks_util import state_of
    from dashboard.pages import kapazitaet as k
    L = app_real
    n = 0
    for search, units in CARDS:
        st = k.resolved(state_of(search + ("&" if search else "?") + f"lang={lang}"))
        for ags in units:
            new, old = k.card_frame(st, ags, lang), L.card_frame(st, ags, lang)
            pd.testing.assert_frame_equal(new, old, check_exact=True)
            assert len(new) >= 10 and new["percentile"].notna().sum() >= 8          # a real card
            fig = k.card_figure(new, lang)
            assert _j(fig) == _j(L.card_figure(old, lang)), (search, ags)
            assert fig["layout"]["height"] == max(320, 22 * int(new["percentile"].notna().sum()) + 90)
            n += 1
    assert n == 13


@pytest.mark.parametrize("search", ["", "?lang=en", "?ll=gemeinde", "?cz=pct&cg=land",
                                    "?cw=da_wohn_leer:2,unemployment_rate:1:%2B&land=09",
                                    "?ll=gemeinde&cg=size_class&lang=en"])
def test_composite_output_equals_the_old_callback(app_real, search):
    from dashboard.pages import kapazitaet as k
    new, old = inspect.unwrap(k.update_composite)(search, None), app_real.update_composite(search, None)
    assert _j(list(new)) == _j(list(old))
    assert len(new[3]) > 90 and new[3][0]["rank"] == 1 and len(new[0]["data"]) >= 2


@pytest.mark.parametrize("sl", [None, "09", "11"])
@pytest.mark.parametrize("lang", ["de", "en"])
def test_share_output_equals_the_old_callback(app_real, sl, lang):
    from dashboard.pages import kapazitaet as k
    search = f"?lang={lang}"
    new, old = inspect.unwrap(k.update_share)(sl, search), app_real.update_share(sl, search)
    assert _j(list(new)) == _j(list(old))
    assert len(new[2]) == 16                                                    # one row per Land


@pytest.mark.parametrize("search", ["", "?lang=en", "?sel=09162", "?sel=09162,11000,05315&col=land",
                                    "?ll=gemeinde&col=size_class&land=09",
                                    "?cx=unemployment_rate&br=east&col=east_west"])
def test_quadrant_figure_equals_the_old_builder(app_real, search):
    from dashboard.callbacks_util import state_of
    from dashboard.pages import kapazitaet as k
    st = k.resolved(state_of(search))
    df, _mx, _my, m = k.pair_frame(st)
    quad, med = lens.quadrants(df[m], k._polarity().get(st.cx, "neutral"))
    args = (quad, med, st, st.lang, "Druck", "Kapazität", "%", "")
    assert _j(k.quadrant_figure(*args)) == _j(app_real.quadrant_figure(*args))
    empty = (quad.iloc[:0], med, st, st.lang, "Druck", "Kapazität", "%", "")
    assert _j(k.quadrant_figure(*empty)) == _j(app_real.quadrant_figure(*empty))


COMPARE = ["?ind=foreigners_share&level=kreis&by=east_west&sel=15002",
           "?ind=population&level=gemeinde&by=size_class&sel=05315000,12052000&lang=en",
           "?ind=unemployment_rate&level=kreis&by=land,east_west&land=09,11",
           "?ind=foreigners_share&level=kreis&by=kommunaltyp&sel=09162,11000",
           "?ind=foreigners_share&level=gemeinde&col=land"]


@pytest.mark.parametrize("search", COMPARE)
def test_compare_figures_equal_the_old_builders(app_real, search):
    from dashboard import data
    from dashboard.callbacks_util import state_of
    from dashboard.components import charts, filters
    from dashboard.components import group_series as gs
    L = app_real
    st = state_of(search)
    lang, lands, by = st.lang, dict(data.lands()), list(st.by)[:2]
    year = st.year or data.latest_year(st.ind, st.level)
    agg = data.group_aggregate(st.ind, st.level, year, by, st.filters(), st.br)
    agg["group"] = charts.group_labels(agg, by, lang, lands)
    for unit in ("%", ""):
        assert _j(charts.group_bar_figure(agg, lang, unit, "T")) == _j(L.group_bar_figure(agg, lang, unit, "T"))
    v = data.values(st.ind, st.level, year)
    v = v[filters.mask(v, st)]
    for mode in ("box", "swarm"):
        kw = dict(highlight=list(st.sel), lands=lands, mode=mode)
        new = charts.distribution_figure(v, by, st.br, lang, "%", **kw)
        assert _j(new) == _j(L.distribution_figure(v, by, st.br, lang, "%", **kw)), mode
        assert {tr["type"] for tr in new["data"]} >= {"box" if mode == "box" else "scattergl"}
    other = "unemployment_rate" if st.level == "kreis" else "population"
    dy = data.values(other, st.level, data.latest_year(other, st.level))
    args = (v, dy, st.col, st.br, lang, "X", "Y")
    assert _j(charts.scatter_figure(*args, highlight=list(st.sel), lands=lands)) == _j(
        L.scatter_figure(*args, highlight=list(st.sel), lands=lands))
    ts = data.series(st.ind, st.level, [a for a in st.sel if len(a) == {"kreis": 5, "gemeinde": 8}[st.level]])
    assert _j(charts.timeseries_figure(ts, lang, "Y", "–")) == _j(L.timeseries_figure(ts, lang, "Y", "–"))
    g = data.group_series(st.ind, st.level, by, st.filters(), st.br)
    assert len(g) > 10
    new = gs.group_series_figure(g, by, lang, lands, "Y", "–")
    assert _j(new) == _j(L.group_series_figure(g, by, lang, lands, "Y", "–"))
    for empty in (v.iloc[:0], ):
        assert _j(charts.distribution_figure(empty, by, st.br, lang, "%", highlight=[], lands=lands)) == _j(
            L.distribution_figure(empty, by, st.br, lang, "%", highlight=[], lands=lands))
    assert _j(gs.group_series_figure(g.iloc[:0], by, lang, lands, "Y", "–")) == _j(
        L.group_series_figure(g.iloc[:0], by, lang, lands, "Y", "–"))
    assert _j(charts.timeseries_figure(ts.iloc[:0], lang, "Y", "–")) == _j(L.timeseries_figure(ts.iloc[:0], lang, "Y", "–"))


@pytest.mark.parametrize("ags,level", [("09162", "kreis"), ("05315000", "gemeinde"), ("12052000", "gemeinde"),
                                       ("09", "land"), ("01001", "kreis")])
def test_profile_minimap_dict_is_the_base_figure_json(app_real, ags, level):
    from dashboard import data
    from dashboard.components import mapfig
    from dashboard.pages import profil
    region = data.region(ags)
    url = data.geo_assets().get(level)
    if not url:
        pytest.skip("no geometry assets")
    reg = data.regions(level)
    same = reg[reg["land_ags"] == region.get("land_ags")] if level != "land" else reg
    old = mapfig.base_figure(url, zoom=6 if level != "land" else 4.2, center=data.centroid(ags, level))   # the old build
    locs = same["ags"].astype(str).tolist()
    old.data[0].update(locations=locs, z=[1 if a == ags else 0 for a in locs],
                       colorscale=[[0, "#e5e5e5"], [1, "#CC79A7"]], zmin=0, zmax=1)
    old.update_layout(height=240)
    new = profil.minimap(region, level, "de").children.figure
    assert to_json_plotly(new) == to_json_plotly(old)                  # byte for byte
    assert sum(new["data"][0]["z"]) == 1 and len(new["data"][0]["locations"]) == len(same)
