"""The real warehouse built from ../shared/opendata: counts, totals and consistency against the sources."""
import pytest

from etl.errors import UnknownSelection
from etl.settings import get_settings
from warehouse import queries as q
from warehouse.connection import connect_reader


@pytest.fixture(scope="module")
def con(real_warehouse):
    c = connect_reader(real_warehouse)  # same configuration as the app's reader (DuckDB shares the instance)
    yield c
    c.close()


@pytest.fixture(scope="module")
def wh(real_warehouse):
    return q.Warehouse(get_settings(), real_warehouse)


def one(con, sql, *params):
    return con.execute(sql, list(params)).fetchone()[0]


def test_region_counts(con):
    counts = dict(con.execute("SELECT level, count(*) FROM core.dim_region GROUP BY 1").fetchall())
    assert counts == {"bund": 1, "land": 16, "kreis": 400, "gemeinde": 10953}


def test_keys_are_strings_with_leading_zeros(con):
    assert con.execute("SELECT typeof(ags) FROM core.dim_region LIMIT 1").fetchone()[0] == "VARCHAR"
    assert one(con, "SELECT name FROM core.dim_region WHERE ags = '01001'") == "Flensburg, Stadt"
    assert one(con, "SELECT count(*) FROM core.fact_observation WHERE level='kreis' AND length(ags) <> 5") == 0


def test_kommunaltyp_and_sonderstatus(con):
    rows = dict(con.execute("SELECT ags, kommunaltyp || '|' || coalesce(sonderstatus, '') FROM core.dim_region "
                            "WHERE ags IN ('14713000', '03241001', '11000000', '06632', '10041100')").fetchall())
    assert rows["14713000"] == "kreisfreie_stadt|"
    assert rows["03241001"] == "kreisangehoerige_gemeinde|Region Hannover"
    assert rows["11000000"] == "stadtstaat|"
    assert rows["06632"] == "landkreis|"
    assert rows["10041100"].endswith("Regionalverband Saarbrücken")


def test_size_classes_and_east_west(con):
    row = con.execute("SELECT size_class, size_class_fine, east_west, bbsr_kreistyp FROM core.dim_region "
                      "WHERE ags = '15002000'").fetchone()
    assert row == ("grossstadt", "100k_500k", "east", 1)
    assert one(con, "SELECT east_west FROM core.dim_region WHERE ags = '11000'") == "berlin"
    assert one(con, "SELECT size_class_fine FROM core.dim_region WHERE ags = '06632'") == "lk_lt150k"
    # Wartburgkreis inherits Eisenach's old Kreistyp 4 (both type 4 in BBSR 2020)
    assert one(con, "SELECT bbsr_kreistyp FROM core.dim_region WHERE ags = '16063'") == 4


def test_population_2024_totals_per_level(con):
    totals = dict(con.execute("SELECT level, sum(value) FROM core.fact_observation WHERE indicator_id = 'population' "
                              "AND reference_date = DATE '2024-12-31' AND on_current_territory GROUP BY 1").fetchall())
    assert totals["gemeinde"] == 83_577_140
    assert totals["kreis"] == 83_577_140
    assert totals["land"] == 83_577_140
    assert totals["bund"] == 83_577_140


def test_kreis_sums_of_gemeinden_equal_published_kreis_values_2024(con):
    """GV100AD Gemeinde populations summed per Kreis = regionalstatistik 12411 Kreis values (31.12.2024)."""
    diff = con.execute("""
        WITH g AS (SELECT left(ags, 5) AS k, sum(value) AS s FROM core.fact_observation
                   WHERE indicator_id='population' AND level='gemeinde' AND year=2024 GROUP BY 1),
             k AS (SELECT ags AS k, value FROM core.fact_observation
                   WHERE indicator_id='population' AND level='kreis' AND year=2024 AND dataset NOT LIKE 'aggregated%')
        SELECT count(*), count(*) FILTER (WHERE g.s <> k.value) FROM k JOIN g USING (k)""").fetchone()
    assert diff[0] == 400, "every Kreis value 2024 should come from the published 12411 table"
    assert diff[1] == 0


def test_group_aggregate_is_ratio_of_sums(wh, con):
    df = q.group_aggregate("population", "gemeinde", 2024, ["size_class"], None, "own", wh)
    assert int(df["population"].sum()) == 83_577_140  # every Gemeinde counted once, none twice
    gross = df.set_index("size_class").loc["grossstadt"]
    assert gross["n"] == one(con, "SELECT count(*) FROM core.dim_region WHERE level='gemeinde' AND size_class='grossstadt'")


def test_unknown_selection_lists_what_exists(wh):
    with pytest.raises(UnknownSelection, match="years: .*2024"):
        q.check_selection("population", "kreis", 1850, wh)
    with pytest.raises(UnknownSelection, match="choose one of: land, kreis, gemeinde"):
        q.check_selection("population", "bezirk", 2024, wh)


def test_reader_is_read_only_and_has_no_file_access(wh):
    with pytest.raises(Exception):
        wh.sql("SELECT * FROM (SELECT 1) x; DROP TABLE core.dim_region")
    with pytest.raises(Exception):
        wh.sql("SELECT * FROM read_csv('/etc/passwd')")


def test_named_query_parameters_are_bound_not_spliced(wh):
    df = q.named("regions", wh, level="kreis' OR '1'='1")
    assert df.empty


def test_run_is_recorded_with_sources(con):
    row = con.execute("SELECT outcome, sources, row_counts FROM meta.etl_run ORDER BY ended_at DESC LIMIT 1").fetchone()
    assert row[0] == "success"
    assert "GV100AD_30112025.txt" in row[1]
    assert one(con, "SELECT count(*) FROM meta.snapshot WHERE sha256 IS NULL OR length(sha256) <> 64") == 0


def test_kreis_sums_equal_kreis_values_2021(con):
    """GV-ISys Gemeinden 31.12.2021 summed per Kreis = Destatis Kreise 31.12.2021 (both Zensus-2011 basis)."""
    n, bad = con.execute("""
        WITH g AS (SELECT left(ags, 5) AS k, sum(value) AS s FROM staging."obs__destatis_gv_auszug"
                   WHERE indicator_id='population' AND reference_date='2021-12-31' GROUP BY 1),
             k AS (SELECT ags AS k, value FROM staging."obs__destatis_kreise_flaeche_bevoelkerung")
        SELECT count(*), count(*) FILTER (WHERE g.s <> k.value) FROM k JOIN g USING (k)""").fetchone()
    assert (n, bad) == (400, 0)


def test_protection_seekers_flags_and_derived_rate(con):
    rows = dict(con.execute("SELECT ags, coalesce(flag, '') FROM core.fact_observation "
                            "WHERE indicator_id='protection_seekers_per_1000' AND level='kreis'").fetchall())
    assert rows["06633"] == "booked_elsewhere" and rows["10044"] == "includes_other_kreise"
    leipzig = one(con, "SELECT value FROM core.fact_observation WHERE indicator_id='protection_seekers_per_1000' "
                       "AND ags='14713' AND year=2024")
    assert leipzig == pytest.approx(29055 / 611850 * 1000)
    # Land totals keep the cases booked at a neighbour: Saarland = Saarlouis' 54,160
    ps = dict(con.execute("SELECT ags || ' ' || year, value FROM core.fact_observation "
                          "WHERE indicator_id='protection_seekers' AND ags IN ('10', 'DG')").fetchall())
    assert ps["10 2024"] == 54160 and ps["DG 2024"] == 3_278_005
    # the series: 31.12.2018 (Regionaldatenbank, Saarland only as Land total), 2023 and 2024 (12531-0043)
    assert (ps["10 2018"], ps["DG 2018"], ps["10 2023"], ps["DG 2023"]) == (27645, 1_781_750, 51575, 3_146_095)


def test_group_figure_for_derived_indicator_is_ratio_of_sums(wh, con):
    df = q.group_aggregate("protection_seekers_per_1000", "kreis", 2024, ["east_west"], None, "west", wh)
    east = df.set_index("east_west").loc["east"]
    num, den = con.execute("""
        SELECT sum(p.value), sum(b.value) FROM core.fact_observation p
        JOIN core.fact_observation b ON b.ags = p.ags AND b.indicator_id = 'population' AND b.year = 2024 AND b.level='kreis'
        JOIN core.dim_region r ON r.ags = p.ags
        WHERE p.indicator_id = 'protection_seekers' AND p.level = 'kreis' AND p.year = 2024 AND r.east_west = 'east'
          AND coalesce(p.flag, '') <> 'booked_elsewhere'""").fetchone()
    den += one(con, "SELECT value FROM core.fact_observation WHERE indicator_id = 'population' AND ags = '12071' "
                    "AND year = 2024 AND level = 'kreis'")  # Spree-Neiße: booked at Cottbus, both in East
    assert east["value"] == pytest.approx(num / den * 1000)
    assert east["n_excluded"] == 0 and east["n_clusters_complete"] == 1  # Cottbus + Spree-Neiße counted in full
    assert "ratio of sums" in east["method"]


def test_eisenach_harmonised_into_wartburgkreis(con):
    row = con.execute("SELECT value, harmonised, harmonisation_note FROM core.fact_observation "
                      "WHERE indicator_id='population' AND ags='16063' AND year=2019").fetchone()
    assert row[1] is True and "16056" in row[2]
    assert row[0] > 160_000  # old Wartburgkreis ~ 123k + Eisenach ~ 42k


def test_population_series_marks_census_breaks(con):
    bases = dict(con.execute("SELECT year, census_basis FROM core.fact_observation WHERE indicator_id='population' "
                             "AND ags='14713' AND year IN (2010, 2015, 2024)").fetchall())
    assert bases == {2010: "vor Zensus 2011", 2015: "Zensus 2011", 2024: "Zensus 2022"}


def test_land_rates_2022_weighted_with_census_population_and_labelled(con):
    """INKAR Kreis rates dated 31.12.2022 have no same-day population (census year): the Land figure is
    weighted with the Zensus 15.05.2022 population of the Kreise, and the note says so."""
    v, note = con.execute("""SELECT value, harmonisation_note FROM core.fact_observation
        WHERE indicator_id = 'foreigners_share' AND level = 'land' AND ags = '15' AND year = 2022""").fetchone()
    expected = one(con, """SELECT sum(r.value * p.value) / sum(p.value)
        FROM core.fact_observation r JOIN core.fact_observation p ON p.ags = r.ags AND p.level = 'kreis'
             AND p.indicator_id = 'population_census2022'
        WHERE r.indicator_id = 'foreigners_share' AND r.level = 'kreis' AND r.year = 2022 AND r.ags LIKE '15%'""")
    assert v == pytest.approx(expected, rel=1e-9) and 6 < v < 9
    assert "Zensus-Bevölkerung 15.05.2022" in note
    n = one(con, """SELECT count(value) FROM core.fact_observation
        WHERE indicator_id = 'foreigners_share' AND level = 'land' AND year = 2022""")
    assert n == 16


def test_indicator_gaps_name_levels_years_and_sparse_units(con):
    gaps = dict(con.execute("SELECT indicator_id, gaps_de FROM core.dim_indicator").fetchall())
    # register values of three cities only, said first (tests/test_city_register.py pins the text)
    assert gaps["migration_background_share"].startswith("Mikrozensus-Werte je Land und Kreis sind nicht im Bestand")
    # BA Gemeinde table 2009–2016; other years only the Stadtstaaten filled from Kreis tables
    assert gaps["unemployed"].startswith("Werte nur für: Gemeinden 2009–2016 + nur einzelne (max. 2) 2001–2025;")
    assert "Kreise 2001–2020, 2023, 2025" in gaps["unemployed"]  # 2021, 2022, 2024 are not in the store
    assert "Kreise 2018, 2023–2024" in gaps["protection_seekers"]
    assert "Gemeinden nur einzelne (max. 2) 2018–2024" in gaps["protection_seekers"]
