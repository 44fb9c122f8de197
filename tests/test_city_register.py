"""Migrationshintergrund from the register statistics of Berlin, Köln and Hamburg: readers on hand-written
fixtures, steps on the real files of ../shared/opendata, and the warehouse (derived share, Hamburg's published
share, every Berlin Stichtag its own reference date)."""
import importlib
import shutil

import pandas as pd
import pytest

from etl.catalogue import load_catalogue, load_indicators
from etl.errors import ParseError
from etl.parsers.city_register import (HAMBURG_BEZIRKE, berlin_period, read_berlin_t1, read_hamburg_profile,
                                       read_koeln_long)
from etl.settings import Settings
from etl.snapshots import SnapshotStore
from etl.step import StepContext, observations
from etl.validate import validate_observations
from tests.conftest import MIRROR

from pathlib import Path

FIX = Path(__file__).parent / "fixtures"
BERLIN = "kommunalstatistik_berlin_migrationshintergrund"
KOELN = "kommunalstatistik_koeln_migrationshintergrund"
HAMBURG = "kommunalstatistik_hamburg_migrationshintergrund"


# -- readers on fixtures -------------------------------------------------------------------------------------
def test_berlin_period_from_file_name():
    assert berlin_period("berlin-lor-population-2024-01-t1-city.csv") == ("2024-06-30", "stadt")
    assert berlin_period("berlin-lor-population-2024-02-t1-planning-areas.csv") == ("2024-12-31", "planungsraum")
    with pytest.raises(ParseError, match="not a Berlin T1 file name"):
        berlin_period("berlin-lor-population-2024-03-t1-city.csv")


def test_berlin_t1_reader_keeps_ids_as_text_and_checks_identities(tmp_path):
    f = FIX / "berlin-lor-population-2030-01-t1-districts.csv"
    d = read_berlin_t1(f)
    assert d["id"].tolist() == ["01", "07"] and d["unit_type"].eq("bezirk").all()
    assert d["reference_date"].eq("2030-06-30").all()
    assert d.loc[0, "inhabitants_with_migration_background"] == 400 and d.loc[1, "inhabitants"] == 500
    bad = tmp_path / f.name
    bad.write_text(f.read_text().replace("07,500,100,", "07,500,101,"))
    with pytest.raises(ParseError, match="inhabitants != Germans without MH") as e:
        read_berlin_t1(bad)
    assert e.value.line == 3 and e.value.field == "inhabitants"
    bad.write_text(f.read_text().replace("07,500,", "7,500,"))
    with pytest.raises(ParseError, match="not a bezirk id") as e:
        read_berlin_t1(bad)
    assert e.value.value == "7"
    bad.write_text(f.read_text().replace("07,500,", "07,.,"))
    with pytest.raises(ParseError, match="publisher symbol"):
        read_berlin_t1(bad)


def test_koeln_reader(tmp_path):
    d = read_koeln_long(FIX / "koeln_bevoelkerung_sample.csv")
    assert d["raum_id"].tolist()[:3] == ["000", "001", "101"]
    assert d["unit_type"].tolist()[:3] == ["stadt", "stadtbezirk", "stadtteil"]
    assert d.loc[3, "value"] == 350 and d.loc[3, "line"] == 5
    bad = tmp_path / "b.csv"
    bad.write_text((FIX / "koeln_bevoelkerung_sample.csv").read_text().replace("350.0", "35o"))
    with pytest.raises(ParseError) as e:
        read_koeln_long(bad)
    assert e.value.line == 5 and e.value.field == "zahl"


def _hamburg_sheet(path, city_name="Hamburg", secret=False):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["Statistische Daten zu den Stadtteilen Hamburgs, © Statistikamt Nord "])
    ws.append(["Stadtgebiet", "Bevölkerung und Haushalte 31.12.2013"])
    heads = ["Bevölkerung", "Ausländerinnen und Ausländer", "Ausländeranteil in %",
             "Bevölkerung mit Migrations-hintergrund", "Anteil der Bevölkerung mit Migrations-hintergrund in %",
             "Unter 18-Jährige mit Migrations-hintergrund",
             "Anteil der unter 18-Jährigen mit Migrations-hintergrund in %"]
    ws.append([None, *heads])
    ws.append([None, *["Beschreibung"] * len(heads)])
    ws.append(["Neustadt", 1000, 200, 20.0, "." if secret else 350, 35.0, 50, 50.0])
    for i, b in enumerate(HAMBURG_BEZIRKE):
        ws.append([b, 1000 + i, 100, 10.0, 300, 30.0, 40, 40.0])
    ws.append([city_name, 8000, 900, 11.3, 2400, 30.2, 300, 40.1])
    wb.save(path)


def test_hamburg_reader(tmp_path):
    f = tmp_path / "h.xlsx"
    _hamburg_sheet(f, secret=True)
    d = read_hamburg_profile(f)
    assert d["unit_type"].tolist() == ["stadtteil"] + ["bezirk"] * 7 + ["stadt"]
    assert d["reference_date"].eq("2013-12-31").all()
    city = d[d["unit_type"].eq("stadt")].iloc[0]
    assert city["migration_background_persons"] == 2400 and city["migration_background_share"] == 30.2
    neu = d.iloc[0]  # "." is secret: no number, flag kept
    assert pd.isna(neu["migration_background_persons"]) and neu["migration_background_persons_flag"] == "."
    _hamburg_sheet(f, city_name="Freie und Hansestadt Hamburg")
    with pytest.raises(ParseError, match="expected one row 'Hamburg'"):
        read_hamburg_profile(f)


# -- steps on the real files ---------------------------------------------------------------------------------
def run_step(dataset):
    s = Settings(online="0")
    entry = load_catalogue()[dataset]
    ctx = StepContext(dataset, s, SnapshotStore(s), entry)
    res = importlib.import_module(entry["step"]).run(ctx)
    obs = observations(res.observations)
    validate_observations(obs, dataset)
    return obs, res, ctx.warnings


def pick(obs, ags, date, indicator):
    sel = obs[obs["ags"].eq(ags) & obs["reference_date"].eq(date) & obs["indicator_id"].eq(indicator)]
    assert len(sel) == 1, (ags, date, indicator, len(sel))
    return sel.iloc[0]["value"]


@pytest.fixture(scope="module")
def berlin():
    return run_step(BERLIN)


def test_berlin_step_real(berlin):
    obs, res, warnings = berlin
    assert warnings == []  # Bezirke and Planungsräume add up to the city in every period
    for ags in ("11", "11000", "11000000"):
        assert pick(obs, ags, "2024-12-31", "migration_background_persons") == 1_601_865
        assert pick(obs, ags, "2024-12-31", "migration_background_base_population") == 3_897_145
    assert pick(obs, "11000000", "2015-06-30", "migration_background_persons") == 1_036_780
    assert pick(obs, "11000000", "2015-12-31", "migration_background_persons") == 1_078_091  # = EWRMIGRA MH_E
    assert pick(obs, "11000000", "2017-12-31", "migration_background_base_population") == 3_711_930
    dates = set(obs["reference_date"])
    assert len(dates) == 20 and {d[5:] for d in dates} == {"06-30", "12-31"}
    assert set(obs["indicator_id"]) == {"migration_background_persons", "migration_background_base_population"}
    assert set(obs["level"]) == {"land", "kreis", "gemeinde"}  # Bezirke / LOR are not observations
    t1 = res.tables["berlin_mh_t1"]
    pr = t1[t1["unit_type"].eq("planungsraum")].groupby("reference_date").size()
    assert pr["2020-12-31"] == 448 and pr["2021-06-30"] == 542 and pr["2015-06-30"] == 447
    assert t1.loc[t1["unit_type"].eq("planungsraum"), "id"].str.fullmatch(r"\d{8}").all()


def test_koeln_step_real():
    obs, res, warnings = run_step(KOELN)
    for ags in ("05315000", "05315"):
        assert pick(obs, ags, "2012-12-31", "migration_background_persons") == 359_873
        assert pick(obs, ags, "2012-12-31", "migration_background_base_population") == 1_044_555
        assert pick(obs, ags, "2005-12-31", "migration_background_persons") == 313_386
    assert sorted(obs["reference_date"].str[:4].unique()) == [str(y) for y in range(2005, 2013)]
    assert set(obs["source_table"]) == {"Köln Bevölkerung 030", "Köln Bevölkerung 005"}
    staged = res.tables["koeln_bevoelkerung"]
    assert staged["raum_id"].nunique() == 96 and set(staged["tab_id"]) == {"005", "030"}


def test_hamburg_step_real():
    obs, res, _ = run_step(HAMBURG)
    for ags in ("02", "02000", "02000000"):
        assert pick(obs, ags, "2013-12-31", "migration_background_persons") == 548_279
        assert pick(obs, ags, "2013-12-31", "migration_background_share") == 30.8  # published, not 30.6
    assert "migration_background_base_population" not in set(obs["indicator_id"])
    prof = res.tables["hamburg_stadtteilprofile"]
    bez = prof[prof["unit_type"].eq("bezirk")].set_index("name")
    assert bez.loc["Hamburg-Mitte", "migration_background_share"] == 46.0
    assert bez.loc["Harburg", "migration_background_share"] == 39.2
    assert (prof["unit_type"] == "stadtteil").sum() == 99


def test_indicators_keep_concepts_apart():
    ind = load_indicators()
    share = ind["migration_background_share"]
    assert share["kind"] == "derived" and share["numerator"] == "migration_background_persons"
    assert share["denominator"] == "migration_background_base_population" and share["scale"] == 100
    for i in ("migration_background_share", "migration_background_persons", "migration_background_base_population"):
        assert ind[i]["concept"] == "migration_background" and ind[i]["role"] == "context"
        assert ind[i]["polarity"] == "neutral"
        assert "Berlin, Köln und Hamburg" in ind[i]["gaps_note_de"]
    assert ind["immigration_history_share"]["concept"] != share["concept"] != ind["foreigners_share"]["concept"]
    for city in ("Berlin", "Köln", "Hamburg"):
        assert city in share["definition_de"]


# -- the warehouse -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def con(real_warehouse):
    from warehouse.connection import connect_reader
    c = connect_reader(real_warehouse)
    yield c
    c.close()


def obs_value(con, ags, level, indicator, date):
    rows = con.execute("SELECT value, dataset FROM core.fact_observation WHERE ags = ? AND level = ? "
                       "AND indicator_id = ? AND reference_date = ?", [ags, level, indicator, date]).fetchall()
    assert len(rows) == 1, (ags, level, indicator, date, rows)
    return rows[0]


def test_warehouse_berlin_share_derived_for_every_stichtag(con):
    for level, ags in (("land", "11"), ("kreis", "11000"), ("gemeinde", "11000000")):
        v, ds = obs_value(con, ags, level, "migration_background_share", "2024-12-31")
        assert ds == "derived" and v == pytest.approx(1_601_865 / 3_897_145 * 100) and round(v, 1) == 41.1
    v, _ = obs_value(con, "11000000", "gemeinde", "migration_background_share", "2024-06-30")
    assert 40 < v < 41.1
    v, _ = obs_value(con, "11000000", "gemeinde", "migration_background_share", "2015-12-31")
    assert round(v, 1) == 29.9
    n = con.execute("SELECT count(*) FROM core.fact_observation WHERE ags = '11000000' "
                    "AND indicator_id = 'migration_background_share'").fetchone()[0]
    assert n == 20
    # the map shows one value per year: the 31.12. one
    mv = con.execute("SELECT reference_date FROM marts.map_values WHERE ags = '11000000' AND year = 2024 "
                     "AND indicator_id = 'migration_background_share'").fetchall()
    assert [str(r[0]) for r in mv] == ["2024-12-31"]


def test_warehouse_koeln_2012_and_hamburg_2013(con):
    for level, ags in (("gemeinde", "05315000"), ("kreis", "05315")):
        v, ds = obs_value(con, ags, level, "migration_background_share", "2012-12-31")
        assert ds == "derived" and round(v, 2) == 34.45
    v, ds = obs_value(con, "02", "land", "migration_background_share", "2013-12-31")
    assert v == 30.8 and ds == HAMBURG  # published share wins, not 548,279 / 1,788,994 = 30.6
    # no Land total from a single city
    assert con.execute("SELECT count(*) FROM core.fact_observation WHERE indicator_id LIKE 'migration_background%' "
                       "AND ags IN ('05', 'DG')").fetchone()[0] == 0


def test_warehouse_gaps_text_names_the_three_cities(con):
    gaps = dict(con.execute("SELECT indicator_id, gaps_de FROM core.dim_indicator").fetchall())
    g = gaps["migration_background_share"]
    assert g.startswith("Mikrozensus-Werte je Land und Kreis sind nicht im Bestand; nur Registerwerte von Berlin, "
                        "Köln und Hamburg, je mit eigener Definition und eigenem Stichtag.")
    assert "Gemeinden nur einzelne" in g
