"""warehouse.queries.group_aggregate on a hand-written warehouse: booking clusters (complete → counted in full,
split across groups → excluded and counted), rates weighted with their own denominator with a labelled
fallback, population of the figure's year, group series. Expected values are worked out by hand in comments."""
from __future__ import annotations

import duckdb
import pytest

from etl.settings import Settings
from warehouse import queries as q

# Kreise: host H books the cases of M (flags as the 12531 steps set them); O is an ordinary Kreis.
# Facet 'kommunaltyp' puts H and M together (complete cluster); 'bbsr_kreistyp' separates them (split).
REGIONS = [  # ags, level, kommunaltyp, bbsr_kreistyp, east_west, population (31.12.2024)
    ("06611", "kreis", "kreisfreie_stadt", 1, "west", 210_000),
    ("06633", "kreis", "kreisfreie_stadt", 2, "west", 240_000),
    ("06632", "kreis", "landkreis", 2, "west", 120_000),
    ("14713", "kreis", "kreisfreie_stadt", 1, "east", 600_000),
]
OBS = [  # ags, indicator, date, value, flag
    ("06611", "ps", "2024-12-31", 24_000, "includes_other_kreise"),
    ("06633", "ps", "2024-12-31", None, "booked_elsewhere"),
    ("06632", "ps", "2024-12-31", 4_500, None),
    ("14713", "ps", "2024-12-31", 29_000, None),
    # the derived rate as core.fact_observation holds it: no rate for a host or a booked Kreis
    ("06611", "ps_1000", "2024-12-31", None, "includes_other_kreise"),
    ("06633", "ps_1000", "2024-12-31", None, "booked_elsewhere"),
    ("06632", "ps_1000", "2024-12-31", 37.5, None), ("14713", "ps_1000", "2024-12-31", 29_000 / 600, None),
    *[(a, "population", "2024-12-31", float(p), None) for a, *_, p in REGIONS],
    *[(a, "population", "2023-12-31", float(p - 1000), None) for a, *_, p in REGIONS],
    # unemployment 2025: rates with the implied labour force (unemployed / rate × 100) for three Kreise only
    ("06611", "ur", "2025-12-31", 10.0, None), ("06611", "lf", "2025-12-31", 100_000.0, None),
    ("06633", "ur", "2025-12-31", 4.0, None), ("06633", "lf", "2025-12-31", 150_000.0, None),
    ("06632", "ur", "2025-12-31", 5.0, None), ("06632", "lf", "2025-12-31", 60_000.0, None),
    ("14713", "ur", "2025-12-31", 8.0, None),  # no labour force: weighted with its population → approximate
    ("06611", "ur", "2023-12-31", 9.0, None), ("06611", "lf", "2023-12-31", 100_000.0, None),
    ("06633", "ur", "2023-12-31", 3.0, None), ("06633", "lf", "2023-12-31", 100_000.0, None),
]
INDICATORS = [  # id, kind, numerator, denominator, scale, weight, weight_note_de, weight_note_en
    ("ps", "count", None, None, None, None, None, None),
    ("ps_1000", "derived", "ps", "population", 1000.0, None, None, None),
    ("population", "count", None, None, None, None, None, None),
    ("ur", "rate", None, None, None, "lf", "Erwerbspersonen", "labour force"),
    ("lf", "count", "ur_n", "ur", 100.0, None, None, None),
]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("wh") / "groups.duckdb"
    c = duckdb.connect(str(path))
    c.execute("CREATE SCHEMA core")
    c.execute("""CREATE TABLE core.dim_region (ags VARCHAR, level VARCHAR, kommunaltyp VARCHAR, bbsr_kreistyp INTEGER,
                 east_west VARCHAR, population DOUBLE, size_class VARCHAR, size_class_fine VARCHAR, land_ags VARCHAR,
                 sonderstatus VARCHAR)""")
    c.executemany("INSERT INTO core.dim_region VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, left(?, 2), NULL)",
                  [(*r, r[0]) for r in REGIONS])
    c.execute("""CREATE TABLE core.fact_observation (ags VARCHAR, level VARCHAR, indicator_id VARCHAR,
                 reference_date DATE, year INTEGER, value DOUBLE, flag VARCHAR)""")
    c.executemany("INSERT INTO core.fact_observation VALUES (?, 'kreis', ?, ?, year(CAST(? AS DATE)), ?, ?)",
                  [(a, i, d, d, v, f) for a, i, d, v, f in OBS])
    c.execute("""CREATE TABLE core.dim_indicator (indicator_id VARCHAR, kind VARCHAR, numerator VARCHAR,
                 denominator VARCHAR, scale DOUBLE, weight VARCHAR, weight_note_de VARCHAR, weight_note_en VARCHAR)""")
    c.executemany("INSERT INTO core.dim_indicator VALUES (?, ?, ?, ?, ?, ?, ?, ?)", INDICATORS)
    c.close()
    q._cached.cache_clear()
    return q.Warehouse(Settings(warehouse_path=str(path), online="0"), path)


def test_complete_cluster_counts_host_value_and_every_members_population(wh):
    df = q.group_aggregate("ps_1000", "kreis", 2024, ["kommunaltyp"], None, "own", wh).set_index("kommunaltyp")
    ks = df.loc["kreisfreie_stadt"]
    # (24,000 + 29,000) / (210,000 + 240,000 + 600,000) × 1000
    assert ks["value"] == pytest.approx(53_000 / 1_050_000 * 1000)
    assert (ks["n_excluded"], ks["n_cluster_units"], ks["n_clusters_complete"]) == (0, 2, 1)
    assert df.loc["landkreis", "value"] == pytest.approx(4_500 / 120_000 * 1000)
    assert "1 Buchungscluster vollständig gezählt (2 Kreise)" in ks["method_de"]


def test_split_cluster_is_excluded_from_numerator_and_denominator(wh):
    df = q.group_aggregate("ps_1000", "kreis", 2024, ["bbsr_kreistyp"], None, "own", wh).set_index("bbsr_kreistyp")
    t1, t2 = df.loc[1], df.loc[2]
    assert t1["value"] == pytest.approx(29_000 / 600_000 * 1000)  # Kassel (host) out
    assert t2["value"] == pytest.approx(4_500 / 120_000 * 1000)   # Landkreis Kassel out
    assert (t1["n_excluded"], t2["n_excluded"]) == (1, 1)
    assert "1 districts excluded" in t1["method_en"] or "1 Kreise ausgeschlossen" in t1["method_de"]
    # the count indicator follows the same rule
    cnt = q.group_aggregate("ps", "kreis", 2024, ["bbsr_kreistyp"], None, "own", wh).set_index("bbsr_kreistyp")
    assert cnt.loc[1, "value"] == 29_000 and cnt.loc[2, "value"] == 4_500


def test_filter_that_cuts_a_cluster_excludes_it(wh):
    df = q.group_aggregate("ps_1000", "kreis", 2024, [], {"bbsr_kreistyp": [1]}, "own", wh)
    assert df["value"].iloc[0] == pytest.approx(29_000 / 600_000 * 1000) and df["n_excluded"].iloc[0] == 1


def test_whole_country_counts_every_cluster(wh):
    df = q.group_aggregate("ps_1000", "kreis", 2024, [], None, "own", wh)
    assert df["value"].iloc[0] == pytest.approx(57_500 / 1_170_000 * 1000) and df["n_excluded"].iloc[0] == 0


def test_rate_weighted_with_its_own_denominator_and_fallback_labelled(wh):
    df = q.group_aggregate("ur", "kreis", 2025, ["east_west"], None, "own", wh).set_index("east_west")
    west = df.loc["west"]
    # (10 × 100,000 + 4 × 150,000 + 5 × 60,000) / 310,000 = sum(unemployed) / sum(labour force)
    assert west["value"] == pytest.approx((10_000 + 6_000 + 3_000) / 310_000 * 100)
    assert not west["approximate"] and west["weight_id"] == "lf" and "labour force" in west["method_en"]
    east = df.loc["east"]
    assert east["value"] == pytest.approx(8.0) and east["approximate"] and east["n_weight_fallback"] == 1
    assert "approximate" in east["method_en"] and "Näherung" in east["method_de"]


def test_population_column_is_the_latest_population_up_to_the_figures_year(wh):
    d23 = q.group_aggregate("ps", "kreis", 2024, [], None, "own", wh)
    assert d23["population"].iloc[0] == 1_170_000 and str(d23["population_date"].iloc[0])[:10] == "2024-12-31"
    d25 = q.group_aggregate("ur", "kreis", 2025, [], None, "own", wh)  # no 2025 population: 31.12.2024, said so
    assert d25["population"].iloc[0] == 1_170_000 and d25["n_population_earlier"].iloc[0] == 4
    d = q.group_aggregate("ur", "kreis", 2023, [], None, "own", wh)
    assert d["population"].iloc[0] == 1_170_000 - 4_000 and str(d["population_date"].iloc[0])[:10] == "2023-12-31"


def test_group_series_one_point_per_group_and_year(wh):
    ts = q.group_series("ur", "kreis", ["east_west"], None, "own", wh)
    assert sorted(set(zip(ts["year"], ts["east_west"]))) == [(2023, "east"), (2023, "west"), (2025, "east"),
                                                              (2025, "west")]
    w23 = ts[(ts["year"] == 2023) & (ts["east_west"] == "west")]["value"].iloc[0]
    assert w23 == pytest.approx((9_000 + 3_000) / 200_000 * 100)
    assert pd_isna(ts[(ts["year"] == 2023) & (ts["east_west"] == "east")]["value"].iloc[0])


def pd_isna(x) -> bool:
    return x is None or x != x


BATCH = [("ps", 2024), ("ps_1000", 2024), ("ur", 2025), ("ur", 2023), ("population", 2024), ("population", 2023)]


@pytest.mark.parametrize("by,filters,berlin", [
    ([], None, "own"),
    ([], {"bbsr_kreistyp": [1]}, "own"),             # the filter cuts the cluster
    (["kommunaltyp"], None, "west"),                 # complete cluster
    (["bbsr_kreistyp"], None, "own"),                # split cluster
    (["east_west"], {"kommunaltyp": ["kreisfreie_stadt"]}, "east"),
    ([], {"land": ["99"]}, "own"),                   # no unit passes: empty frames, as group_aggregate gives
])
def test_batched_group_figures_equal_one_query_per_indicator(wh, by, filters, berlin):
    import pandas as pd
    many = q.group_aggregates("kreis", BATCH, by, filters, berlin, wh)
    assert list(many) == BATCH
    for ind, year in BATCH:
        one = q.group_aggregate(ind, "kreis", year, by, filters, berlin, wh)
        pd.testing.assert_frame_equal(many[(ind, year)], one, check_exact=False, rtol=1e-12)
    if filters == {"land": ["99"]}:
        assert all(f.empty for f in many.values())
    else:
        assert many[("ps_1000", 2024)]["value"].notna().all() and len(many[("ur", 2025)]) >= 1


def test_batched_group_figures_refuse_what_one_query_refuses(wh):
    with pytest.raises(q.UnknownSelection):
        q.group_aggregates("kreis", [("ps", 2024), ("ps", 1990)], [], None, "own", wh)   # no values that year
    with pytest.raises(q.UnknownSelection):
        q.group_aggregates("kreis", [("ps", 2024)], ["no_such_facet"], None, "own", wh)
    with pytest.raises(q.UnknownSelection):
        q.group_aggregates("kreis", [("ps", 2024)], [], None, "north", wh)
    assert q.group_aggregates("kreis", [], [], None, "own", wh) == {}
