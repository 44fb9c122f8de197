"""The map payload on its way out (mapfig.for_transport, mapfig._facet_codes): the same JSON, cheaper to encode."""
from __future__ import annotations

import numpy as np
from dash import html
from dash._utils import to_json

from dashboard.components import mapfig


def test_long_lists_travel_as_arrays_and_the_json_is_the_same():
    p = {"cls": list(range(300)), "v": [f"{i},5" for i in range(300)], "fade": [1, 2], "colours": ["#000000"],
         "mixed": [1, "a"] * 200, "flags": {3: "x"}, "date": "31.12.2024", "floats": [0.5] * 300}
    t = mapfig.for_transport(p)
    assert isinstance(t["cls"], np.ndarray) and t["cls"].dtype.kind == "i"
    assert isinstance(t["v"], np.ndarray) and t["v"].dtype.kind == "U"
    assert t["fade"] == [1, 2] and t["mixed"] is p["mixed"] and t["floats"] is p["floats"]   # short or mixed: as is
    assert isinstance(p["cls"], list)                                   # the payload itself is not changed
    # with a component beside it (plotly's encoder then cleans the whole answer), as Dash sends a callback answer
    assert to_json([t, html.Div("legend")]) == to_json([p, html.Div("legend")])
    assert mapfig.for_transport(None) is None


def test_facet_codes_label_each_distinct_value_once_in_first_unit_order():
    calls = []

    def label(v):
        calls.append(v)
        return {"a": "A", "b": "B", None: "–"}.get(v, "–")

    nan = float("nan")
    codes, labels = mapfig._facet_codes(["b", "a", "b", None, nan, float("nan"), "a"], label)
    assert labels == ["B", "A", "–"]
    assert codes == [0, 1, 0, 2, 2, 2, 1]
    assert len(calls) == 4                                              # b, a, None, one NaN for both
    # the same as labelling every unit
    every = mapfig._codes([label(v) for v in ["b", "a", "b", None, nan, nan, "a"]])
    assert (codes, labels) == every


def test_fmt_numbers_formats_a_column_as_fmt_number_formats_each_value():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from dashboard.i18n import fmt_number, fmt_numbers

    @settings(max_examples=300, deadline=None)
    # (-0.0 beside an int: pandas' column coercion gives 0, as before this function was vectorised)
    @given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True).map(lambda x: x + 0.0),
                              st.integers(-10**12, 10**12), st.sampled_from([0.0, 9.995, 10.0, 0.004]))),
           st.sampled_from(["de", "en"]))
    def check(values, lang):
        assert fmt_numbers(values, lang) == [fmt_number(v, lang) for v in values]

    check()
    assert fmt_numbers([3685265, 12.5, 0.25, None], "de") == ["3.685.265", "12,5", "0,25", fmt_number(None, "de")]


def test_the_units_block_is_kept_per_units_and_build():
    import pandas as pd

    df = pd.DataFrame({"ags": ["01001000", "01002000"], "name": ["Flensburg", "Kiel"], "value": [1.0, 2.0],
                       "flag": [None, None], "reference_date": ["2024-12-31"] * 2,
                       "kommunaltyp": ["kreisfreie_stadt", "kreisfreie_stadt"], "size_class": [None, None],
                       "size_class_fine": [None, None]})
    args = (df, np.array([0, 1]), np.array([True, True]), ["#000000", "#ffffff"], "de", "", "/geo/g.json", None, "g", "c")
    a = mapfig.paint_payload(*args, units_version=("build", 1))
    b = mapfig.paint_payload(*args, units_version=("build", 1))
    c = mapfig.paint_payload(*args, units_version=("build", 2))
    assert a["name"] is b["name"] and a["name"] is not c["name"]        # kept per build, rebuilt for another
    assert a["name"] == c["name"] == ["Flensburg", "Kiel"] and a["kt"] == [0, 0]
    assert mapfig.paint_payload(*args)["kt_labels"] == a["kt_labels"]     # without a version: built, the same


def test_mixed_lists_keep_their_types():
    p = {"a": ["x", 1] * 200, "b": [1, True] * 200, "c": [1, None] * 200}
    t = mapfig.for_transport(p)
    assert all(t[k] is p[k] for k in p)
    assert to_json(t) == to_json(p)


def test_the_host_figure_is_built_once_and_handed_out_as_a_copy():
    a, b = mapfig.host_figure(), mapfig.host_figure()
    assert a == b and a is not b
    assert a["layout"]["map"]["center"] == {"lat": mapfig.CENTER["lat"], "lon": mapfig.CENTER["lon"]}
    assert a["layout"]["map"]["zoom"] == mapfig.ZOOM and a["data"][0]["type"] == "scattermap"
    a["layout"]["map"]["zoom"] = 1
    assert mapfig.host_figure()["layout"]["map"]["zoom"] == mapfig.ZOOM
