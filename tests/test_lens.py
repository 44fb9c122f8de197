"""Capacity lens computations (dashboard/components/lens.py) on small hand-made frames."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.components import lens
from dashboard.state import Catalogue, parse, serialise


def frame(x, y, pop=None):
    n = len(x)
    return pd.DataFrame({"ags": [f"{i:05d}" for i in range(n)], "x": x, "y": y,
                         "population": pop or [1000] * n})


def test_quadrants_use_medians_and_polarity():
    # x median 3, y median 30; unit on the median counts as low
    d = frame([1, 2, 3, 4, 5], [10, 50, 30, 20, 40], [1, 2, 3, 4, 5])
    q, med = lens.quadrants(d, "higher_is_better")
    assert med == {"mx": 3.0, "my": 30.0}
    assert dict(zip(q["ags"], q["quadrant"])) == {"00000": "lp_lc", "00001": "lp_hc", "00002": "lp_lc",
                                                  "00003": "hp_lc", "00004": "hp_hc"}
    c = lens.quadrant_counts(q).set_index("quadrant")
    assert c.loc["hp_lc", "n"] == 1 and c.loc["hp_lc", "population"] == 4
    assert c.loc["lp_lc", "n"] == 2 and c.loc["lp_lc", "population"] == 4
    # unemployment-like capacity: a high value is low capacity
    q2, _ = lens.quadrants(d, "higher_is_worse")
    assert dict(zip(q2["ags"], q2["quadrant"]))["00004"] == "hp_lc"
    assert dict(zip(q2["ags"], q2["quadrant"]))["00003"] == "hp_hc"


def test_quadrants_skip_missing_values():
    d = frame([1, np.nan, 3], [1, 2, np.nan])
    q, _ = lens.quadrants(d, "neutral")
    assert list(q["ags"]) == ["00000"]
    assert lens.quadrant_counts(q)["n"].sum() == 1


def test_bivariate_classes_and_breaks():
    x = pd.Series([1, 2, 3, 4, 5, 6, np.nan])
    y = pd.Series([6, 5, 4, 3, 2, 1, 1])
    bx, by = lens.tertile_breaks(x), (2.0, 4.0)
    cls = lens.bivariate_classes(x, y, bx, by)
    assert list(cls) == [0 * 3 + 2, 0 * 3 + 2, 1 * 3 + 1, 1 * 3 + 1, 2 * 3 + 0, 2 * 3 + 0, -1]
    assert lens.parse_breaks("1,2") == (1.0, 2.0)
    assert lens.parse_breaks("2,1") is None and lens.parse_breaks("a,b") is None and lens.parse_breaks("") is None
    assert len(lens.BIVARIATE["puor"]) == 9 and len(set(lens.BIVARIATE["puor"])) == 9


def test_percentile_mid_rank():
    s = pd.Series([1, 2, 3, 4, np.nan])
    assert lens.percentile_in(s, 4) == pytest.approx(87.5)
    assert lens.percentile_in(s, 1) == pytest.approx(12.5)
    assert np.isnan(lens.percentile_in(s, float("nan")))


def test_composite_signs_weights_and_sensitivity():
    pol = {"a": "higher_is_better", "b": "higher_is_worse"}
    ings = lens.parse_composite(("a:2", "b:1", "zz:1", "a:5"), pol)
    assert [(i.ind, i.weight, i.sign) for i in ings] == [("a", 2.0, 1), ("b", 1.0, -1)]
    assert lens.serialise_composite(ings) == ("a:2", "b:1")
    over = lens.parse_composite(("b:1:+",), pol)
    assert over[0].sign == 1 and over[0].sign_overridden and lens.serialise_composite(over) == ("b:1:+",)
    raw = pd.DataFrame({"name": list("PQRS"), "a": [1.0, 2.0, 3.0, 4.0], "b": [4.0, 3.0, 2.0, np.nan]},
                       index=["p", "q", "r", "s"])
    tab = lens.composite_table(raw, ings, None, "z")
    assert list(tab.index) == ["r", "q", "p"]            # s lacks b → not ranked
    z_a = (raw["a"][:3] - raw["a"][:3].mean()) / raw["a"][:3].std(ddof=0)
    z_b = (raw["b"][:3] - raw["b"][:3].mean()) / raw["b"][:3].std(ddof=0)
    assert tab.loc["r", "score"] == pytest.approx((2 * z_a["r"] - z_b["r"]) / 3)
    assert tab.loc["r", "con_a"] + tab.loc["r", "con_b"] == pytest.approx(tab.loc["r", "score"])
    assert (tab["rank_min"] <= tab["rank"]).all() and (tab["rank"] <= tab["rank_max"]).all()


def test_sensitivity_detects_rank_changes():
    pol = {"a": "neutral", "b": "neutral"}
    ings = lens.parse_composite(("a:1", "b:1"), pol)
    std = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 0.9]}, index=["u", "v"])
    s = lens.sensitivity(std, ings)
    # base: u 0.5 > v 0.45; with a at 0.5: u 1/3·... v wins → both ranks span 1–2
    assert s.loc["u", "rank_min"] == 1 and s.loc["u", "rank_max"] == 2


def test_share_vs_population_and_clusters():
    k = pd.DataFrame({"ags": ["06611", "06633", "06411"], "name": ["Kassel", "LK Kassel", "Darmstadt"],
                      "land_ags": ["06"] * 3, "seekers": [300.0, np.nan, 100.0],
                      "population": [200.0, 250.0, 150.0],
                      "flag": ["includes_other_kreise", "booked_elsewhere", None]})
    merged, dropped = lens.merge_booking_clusters(k)
    assert dropped == 0 and list(merged["members"]) == ["Kassel + LK Kassel", "Darmstadt"]
    assert merged.loc[0, "population"] == 450
    d = lens.share_vs_population(merged.rename(columns={"ags": "key"}))
    # Kassel cluster: 75 % of seekers, 75 % of population → ratio 1.0; Darmstadt 25 % / 25 %
    assert d["ratio"].round(6).tolist() == [1.0, 1.0]
    two_hosts = pd.concat([k, k.iloc[[0]].assign(ags="06612")])
    _, dropped = lens.merge_booking_clusters(two_hosts)
    assert dropped == 1


def test_date_spread():
    assert lens.date_spread({"a": "2024-12-31", "b": "2022-05-15"}) == (["2022-05-15", "2024-12-31"], 2.6)
    assert lens.date_spread({"a": "2024-12-31", "b": "2024-12-31"}) is None


def test_lens_url_round_trip():
    cat = Catalogue(available={"p": {"kreis": [2024]}, "c": {"kreis": [2022]}, "g": {"gemeinde": [2022]}},
                    lands=("06",))
    st, bad = parse("?px=p&cx=c&cw=c:2,p:0.5:-&bx=1,2&cz=pct&cg=east_west&sl=06&pf=kommunaltyp", cat)
    assert not bad
    assert (st.px, st.cx, st.cw, st.bx, st.cz, st.cg, st.sl, st.pf) == (
        "p", "c", ("c:2", "p:0.5:-"), "1,2", "pct", "east_west", "06", "kommunaltyp")
    again, _ = parse(serialise(st, cat), cat)
    assert again == st
    st2, bad2 = parse("?px=g&cw=g:1,x:1&sl=99&bx=a", cat)     # g has no Kreis values
    assert st2.px == "" and st2.cw == () and st2.sl == "" and st2.bx == ""
    assert sorted(b.split("=")[0] for b in bad2) == ["bx", "cw", "cw", "px", "sl"]
