"""The round-2 first-visit precomputations (issue 11) on the real warehouse, read only (never built here):
the level's observations sliced per unit = unit_observations.sql per unit (same rows, order, dtypes); the
place card's value arrays = the values frames; the single-facet group figures of the warm-up = group_aggregate."""
from __future__ import annotations

import random
import threading

import numpy as np
import pandas as pd
import pytest

from warehouse import queries as q


@pytest.fixture(scope="module")
def data():
    from etl.settings import get_settings
    if not get_settings().warehouse.exists():
        pytest.skip("warehouse missing: build it first with `integrationsatlas etl run`")
    orig = threading.Thread.start
    threading.Thread.start = lambda self, *a, **kw: (None if self.name == "dashboard-warm-up"
                                                     else orig(self, *a, **kw))
    try:
        from dashboard.app import server  # noqa: F401
    finally:
        threading.Thread.start = orig
    from dashboard import data
    return data


def test_sliced_unit_observations_equal_the_per_unit_query(data, monkeypatch):
    monkeypatch.setenv("IA_CALLBACK_CACHE", "1")
    assert data.warm_unit_observations() > 13_000
    rng = random.Random(7)
    n = 0
    for level, fixed in (("kreis", ["09162", "11000", "05315", "99999"]), ("gemeinde", ["05315000", "12052000",
                                                                                       "11000000", "09780139"]),
                         ("land", ["09", "11"])):
        units = list(data._UNIT_OBS[level][2])
        for ags in rng.sample(units, min(25, len(units))) + fixed:
            new, old = data.unit_observations(ags, level), q.uncached("unit_observations", ags=ags, level=level)
            pd.testing.assert_frame_equal(new, old, check_exact=True)
            n += len(new)
    assert n > 10_000
    assert data.unit_observations("99999", "kreis").empty
    # a rebuilt warehouse (other identity) is not served from the slices
    data._UNIT_OBS["kreis"] = (("other",),) + data._UNIT_OBS["kreis"][1:]
    pd.testing.assert_frame_equal(data.unit_observations("09162", "kreis"),
                                  q.uncached("unit_observations", ags="09162", level="kreis"))


def test_value_arrays_match_the_values_frame(data):
    for ind, level in (("foreigners_share", "kreis"), ("population", "gemeinde"), ("unemployment_rate", "kreis")):
        year = data.latest_year(ind, level)
        va, v, reg = data.value_arrays(ind, level, year), data.values(ind, level, year), data.regions(level)
        by_ags = dict(zip(v["ags"], v["value"].astype(float)))
        for pos, ags in enumerate(reg["ags"].tolist()):
            row = va.region_row[pos]
            if ags in by_ags:
                got, want = va.value[row], by_ags[ags]
                assert (np.isnan(got) and np.isnan(want)) or got == want
            else:
                assert row == -1
        assert (va.region_row >= 0).sum() == len(v) > 300


def test_warmed_single_facet_group_figures_equal_group_aggregate(data):
    assert data.warm_group_figures_by_facet(("kreis",)) > 90 * 5
    for ind, by in (("foreigners_share", ["east_west"]), ("unemployment_rate", ["land"]), ("population", ["kommunaltyp"])):
        year = data.latest_year(ind, "kreis")
        pd.testing.assert_frame_equal(data.group_aggregate(ind, "kreis", year, by, {}, "west"),
                                      q.group_aggregate(ind, "kreis", year, by=by, filters={}, berlin_rule="west"),
                                      check_exact=False, rtol=1e-12)


def test_table_ranking_labels_equal_one_label_per_row(data):
    from dashboard.i18n import facet_label
    from dashboard.pages import tabelle
    df = pd.DataFrame({"ags": ["1", "2", "3", "4"], "name": ["A", "B", "C", "D"], "land": ["09", "09", "11", None],
                       "kommunaltyp": ["kreisfreie_stadt", "landkreis", None, "kreisfreie_stadt"],
                       "size_class": ["grossstadt", None, np.nan, "grossstadt"],
                       "size_class_fine": [None, "kleinstadt", None, None], "east_west": ["west", "east", "berlin", None],
                       "bbsr_kreistyp": pd.array([1, None, 3, 1], dtype="Int64"), "population_2024": [5, 6, 7, 8],
                       "value": [1.0, 3.0, np.nan, 3.0], "flag": [None, "x", None, None],
                       "reference_date": ["2024-12-31"] * 4, "table_code": ["t"] * 4})
    for lang in ("de", "en"):
        out = tabelle.ranking(df, lang, "%", {}).set_index("ags")
        for _, r in df.iterrows():
            row = out.loc[r["ags"]]
            assert row["kommunaltyp"] == facet_label("kommunaltyp", r["kommunaltyp"], lang)
            assert row["size_class"] == (facet_label("size_class", r["size_class"], lang) if pd.notna(r["size_class"])
                                         else facet_label("size_class_fine", r["size_class_fine"], lang))
            assert row["east_west"] == facet_label("east_west", r["east_west"], lang)
            assert row["bbsr_kreistyp"] == (facet_label("bbsr_kreistyp", r["bbsr_kreistyp"], lang)
                                            if pd.notna(r["bbsr_kreistyp"]) else "")
        assert out.loc["2", "rank"] == 1 and out.loc["4", "rank"] == 1 and out.loc["1", "rank"] == 3


@pytest.mark.parametrize("level,by", [("kreis", ["east_west"]), ("kreis", ["size_class", "east_west"]),
                                      ("gemeinde", ["land"])])
def test_batched_group_series_equal_the_per_indicator_query(data, level, by):
    got = data.group_series_many(level, by, "west")
    assert len(got) > 30
    for ind, df in got.items():
        one = q.group_series(ind, level, by=by, filters={}, berlin_rule="west")
        pd.testing.assert_frame_equal(df, one, check_exact=False, rtol=1e-12)
    assert any(df["year"].nunique() > 5 for df in got.values())
