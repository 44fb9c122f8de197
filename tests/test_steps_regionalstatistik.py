"""The six regionalstatistik / GENESIS table steps end-to-end on the real files of the snapshot mirror,
checked against the published figures in each dataset's SOURCE.md."""
import importlib

import pandas as pd
import pytest

from etl.catalogue import load_catalogue
from etl.settings import Settings
from etl.snapshots import SnapshotStore
from etl.step import StepContext, observations
from etl.validate import validate_observations

POP = "regionalstatistik_12411_bevoelkerung"
AGE = "destatis_12411-0018"
ALO_GEM = "regionalstatistik_13211-01-03-5"
ALO = "regionalstatistik_13211-02-05-4"
KITA = "regionalstatistik_kita_22541_22543"
ASYL = "regionalstatistik_22221-01-01-4"
MINDEST = "regionalstatistik_22811-01-01-4"
ALL = (POP, AGE, ALO_GEM, ALO, KITA, ASYL, MINDEST)


class _Results(dict):
    """dataset -> (validated observations, StepOutput, warnings); each step run once, when first asked for."""

    def __missing__(self, d):
        s = Settings(online="0")
        entry = load_catalogue()[d]
        ctx = StepContext(d, s, SnapshotStore(s), entry)
        res = importlib.import_module(entry["step"]).run(ctx)
        obs = observations(res.observations)
        validate_observations(obs, d)
        self[d] = (obs, res, ctx.warnings)
        return self[d]


@pytest.fixture(scope="module")
def results(request):
    return _Results()


def one(obs, ags, date, indicator=None, level=None):
    sel = obs[obs["ags"].eq(ags) & obs["reference_date"].eq(date)]
    if indicator:
        sel = sel[sel["indicator_id"].eq(indicator)]
    if level:
        sel = sel[sel["level"].eq(level)]
    assert len(sel) == 1, (ags, date, indicator, len(sel))
    return sel.iloc[0]


def value(obs, ags, date, indicator=None, level=None):
    return one(obs, ags, date, indicator, level)["value"]


def absent(obs, ags, date=None):
    sel = obs[obs["ags"].eq(ags)]
    if date:
        sel = sel[sel["reference_date"].ge(date)]
    return sel.empty


@pytest.mark.parametrize("dataset", ALL)
def test_common_rules(results, dataset):
    obs, res, _ = results[dataset]
    assert not (obs["flag"].eq(".") & obs["value"].notna()).any()
    assert obs.loc[obs["flag"].isin(["x", "/", "..."]), "value"].isna().all()
    assert obs.loc[obs["flag"].eq("-"), "value"].eq(0).all()
    # one key once per file; several files (vintages) of one table may repeat it (the newest wins in SQL)
    assert not obs.duplicated(["ags", "level", "indicator_id", "reference_date", "source_file"]).any()
    assert set(obs["level"]) <= {"bund", "land", "kreis", "gemeinde"}
    assert not obs["ags"].str.fullmatch(r"\d{3}|\d{7}|\d{9,}").any()  # no RB / Gemeindeverband keys
    assert not (obs["level"].eq("kreis") & obs["ags"].str.match(r"^110(0[1-9]|1[0-2])$")).any()  # Berlin Bezirke
    assert set(obs["source_file"]) <= {f["name"] for f in load_catalogue()[dataset]["files"]}
    for name, table in res.tables.items():
        assert len(table) and name.islower()
    # dissolved Kreise (Göttingen alt / Osterode 1.11.2016, Aachen Kreis 21.10.2009) never appear afterwards
    for ags, since in (("03152", "2016-11-01"), ("03156", "2016-11-01"), ("05354", "2009-12-31")):
        assert absent(obs, ags, since)


def test_population_12411(results):
    obs, res, warnings = results[POP]
    assert value(obs, "14713", "2024-12-31") == 611850
    assert value(obs, "05913", "2024-12-31") == 603462
    assert value(obs, "16063", "2024-12-31") == 154957
    assert absent(obs, "16056", "2017-01-01")  # Eisenach: "-" in the 2024 ffcsv
    k24 = obs[obs["reference_date"].eq("2024-12-31")]
    assert len(k24) == 400 and k24["value"].sum() == 83_577_140 and set(k24["level"]) == {"kreis"}
    # 2009-2015 overlap: one value, from 12411-0015
    leipzig15 = one(obs, "14713", "2015-12-31", level="kreis")
    assert leipzig15["value"] == 560472 and leipzig15["source_table"] == "12411-0015"
    assert value(obs, "14713", "2016-12-31") == 571088
    assert value(obs, "08111", "2015-12-31") == 623738
    assert value(obs, "14713", "2010-12-31") == 522883 and value(obs, "14713", "2011-12-31") == 510043
    assert value(obs, "03159", "2016-12-31") == 327065  # Göttingen (new) exists from 1.11.2016 only
    assert sorted(obs[obs["ags"].eq("03159")]["reference_date"]) == ["2016-12-31", "2024-12-31"]
    assert value(obs, "DG", "2015-12-31", level="bund") == 82_175_684
    assert value(obs, "11", "2015-12-31", level="land") == 3_520_031
    assert value(obs, "01051044", "2015-12-31", level="gemeinde") == 21422
    saara = obs[obs["ags"].eq("16077056")]["reference_date"]
    assert saara.max() == "2011-12-31"  # merged 2012: "-" afterwards, no zeros
    assert any("disagree" in w for w in warnings)
    # Sachsen 1995-2007 lists old and new Kreise: the recalculated new ones carry the later territory
    assert one(obs, "14713", "1995-12-31")["gebietsstand"] == "2008-12-31"
    assert one(obs, "14365", "1995-12-31")["gebietsstand"] == "1995-12-31"
    assert {"regio_12411_bevoelkerung_2024_kreise", "regio_12411_bevoelkerung_1995_2016"} == set(res.tables)


def test_population_12411_0018(results):
    obs, _, _ = results[AGE]
    ages = obs[obs["indicator_id"].ne("population")]
    obs = obs[obs["indicator_id"].eq("population")]
    totals = obs.groupby("reference_date")["value"].sum().astype("int64").to_dict()
    assert totals == {"2015-12-31": 82_175_684, "2016-12-31": 82_521_653, "2017-12-31": 82_792_351,
                      "2018-12-31": 83_019_213, "2019-12-31": 83_166_711, "2020-12-31": 83_155_031}
    assert obs.groupby("reference_date").size().tolist() == [402, 401, 401, 401, 401, 401]
    assert value(obs, "14713", "2017-12-31") == 581980 and value(obs, "14713", "2020-12-31") == 597493
    assert value(obs, "16056", "2020-12-31") == 41970 and value(obs, "13003", "2017-12-31") == 208409


def test_children_by_age_group_12411_0018(results):
    """Children under 3 and 3 to under 6 (männlich + weiblich): the SOURCE.md spot checks."""
    obs, _, _ = results[AGE]
    u3 = obs[obs["indicator_id"].eq("population_under3")]
    k36 = obs[obs["indicator_id"].eq("population_3to6")]
    assert value(u3, "14713", "2017-12-31") == 20041 and value(k36, "14713", "2017-12-31") == 17689
    assert value(u3, "14713", "2020-12-31") == 18679 and value(k36, "14713", "2020-12-31") == 18662
    assert value(u3, "05913", "2017-12-31") == 17252 and value(k36, "05913", "2017-12-31") == 15802
    assert value(u3, "08111", "2020-12-31") == 18196 and value(k36, "08111", "2020-12-31") == 16973
    assert u3.groupby("reference_date").size().tolist() == [402, 401, 401, 401, 401, 401]
    # same key, date and Gebietsstand as the total of the same row
    tot = obs[obs["indicator_id"].eq("population")].set_index(["ags", "reference_date"])["gebietsstand"]
    assert (u3.set_index(["ags", "reference_date"])["gebietsstand"] == tot.reindex(u3.set_index(["ags", "reference_date"]).index)).all()


def newest(obs):
    """What the warehouse keeps where vintages overlap: the file with the later `published` date."""
    published = {f["name"]: f.get("published") or "" for f in load_catalogue()[ALO]["files"]}
    o = obs.assign(_p=obs["source_file"].map(published)).sort_values("_p")
    return o.drop_duplicates(["ags", "level", "indicator_id", "reference_date", "gebietsstand"], keep="last")


def test_unemployment_13211_02_05_4_all_vintages(results):
    both, res, _ = results[ALO]
    # four files of one table feed one dataset; 2015–2017 are in two of them and agree
    assert both.groupby("source_file")["reference_date"].agg(["min", "max"]).to_dict("index") == {
        "13211-02-05-4.csv": {"min": "2023-12-31", "max": "2023-12-31"},
        "13211-02-05-4_2025.csv": {"min": "2025-12-31", "max": "2025-12-31"},
        "13211-02-05-4_kreise_2001-2017_latin1.csv": {"min": "2001-12-31", "max": "2017-12-31"},
        "13211-02-05-4_kreise_2015-2020_latin1.csv": {"min": "2015-12-31", "max": "2020-12-31"}}
    obs = newest(both)
    assert value(obs, "14713", "2020-12-31", "unemployed") == 23840
    assert value(obs, "14713", "2020-12-31", "unemployed_foreigners") == 5435
    assert value(obs, "14713", "2020-12-31", "unemployment_rate") == 7.5
    assert value(obs, "14713", "2020-12-31", "unemployment_rate_foreigners") == 21.4
    hidden = one(obs, "14713", "2018-12-31", "unemployment_rate_foreigners")
    assert pd.isna(hidden["value"]) and hidden["flag"] == "."
    assert value(obs, "05913", "2015-12-31", "unemployed") == 37414
    assert one(obs, "05913", "2015-12-31", "unemployed")["source_file"] == "13211-02-05-4_kreise_2015-2020_latin1.csv"
    assert value(obs, "05913", "2020-12-31", "unemployment_rate_foreigners") == 27.0
    de = obs[obs["ags"].eq("DG") & obs["reference_date"].between("2015", "2021")].pivot(
        index="reference_date", columns="indicator_id", values="value")
    assert de["unemployed"].astype("int64").tolist() == [2_794_664, 2_690_975, 2_532_837, 2_340_082,
                                                         2_266_720, 2_695_444]
    assert de["unemployment_rate"].tolist() == [6.4, 6.1, 5.7, 5.2, 5.0, 5.9]
    assert set(obs["level"]) == {"bund", "land", "kreis"}
    assert value(obs, "16056", "2020-12-31", "unemployed") == 1677
    assert value(obs, "02", "2020-12-31", "unemployed") == 80677  # Hamburg as published: Land row
    # 2023 and 2025 (SOURCE.md of regionalstatistik_13211_arbeitslose_2023_2025)
    assert value(obs, "DG", "2023-12-31", "unemployed") == 2_608_672
    assert value(obs, "DG", "2023-12-31", "unemployment_rate") == 5.7
    assert value(obs, "DG", "2023-12-31", "unemployment_rate_foreigners") == 15.2
    assert value(obs, "DG", "2025-12-31", "unemployed") == 2_948_092
    assert value(obs, "DG", "2025-12-31", "unemployment_rate") == 6.3
    assert value(obs, "01001", "2023-12-31", "unemployed") == 4131
    assert value(obs, "01001", "2025-12-31", "unemployment_rate") == 8.6
    assert value(obs, "01001", "2025-12-31", "unemployed_foreigners") == 1408  # header "ausländisch" in 2026 files
    for date in ("2023-12-31", "2025-12-31"):
        k = obs[obs["level"].eq("kreis") & obs["reference_date"].eq(date) & obs["indicator_id"].eq("unemployment_rate")]
        assert len(k) == 398 and k["value"].notna().all()  # + Hamburg and Berlin as Land rows = 400 Kreise
        assert absent(k, "06415")  # Hanau: "-" in 2023 (kreisfrei only from 2026), no row in 2025
    rates = obs[obs["level"].eq("kreis") & obs["reference_date"].eq("2025-12-31") & obs["indicator_id"].eq(
        "unemployment_rate")]["value"]
    assert (rates.min(), rates.max()) == (2.4, 15.2)


def test_unemployment_2001_2017(results):
    both, _, warnings = results[ALO]
    obs = both[both["source_file"].eq("13211-02-05-4_kreise_2001-2017_latin1.csv")]
    assert value(obs, "05913", "2015-12-31", "unemployed") == 37414
    assert value(obs, "05913", "2017-12-31", "unemployed") == 34100
    assert value(obs, "14713", "2017-12-31", "unemployed_foreigners") == 4334
    assert value(obs, "14713", "2015-12-31", "unemployment_rate") == 9.6
    assert value(obs, "03159", "2016-12-31", "unemployed") == 10098
    # "-" never stands for a zero unemployment count or rate (corrections file)
    assert not obs["flag"].eq("-").any()
    assert obs[obs["ags"].eq("DG") & obs["indicator_id"].eq("unemployment_rate_foreigners")][
        "reference_date"].min() == "2009-12-31"
    assert any("not-a-zero" in w for w in warnings)
    hidden = one(obs, "14713", "2017-12-31", "unemployment_rate_foreigners")
    assert pd.isna(hidden["value"]) and hidden["flag"] == "."


def test_unemployment_gemeinden_2016(results):
    obs, _, _ = results[ALO_GEM]
    assert set(obs["level"]) == {"gemeinde"} and set(obs["source_table"]) == {"13211-01-03-5"}
    assert value(obs, "01051044", "2016-12-31", "unemployed") == 1177
    assert obs["ags"].nunique() > 8000
    assert absent(obs, "01051017")  # Busenwurth: "-" throughout in 2016, not a zero
    assert not obs["flag"].eq("-").any()


def test_childcare_places(results):
    obs, res, _ = results[KITA]
    for ags, places in {"14713": 46469, "05913": 17906, "13003": 14740, "08111": 29484, "06632": 4690}.items():
        assert value(obs, ags, "2016-03-01") == places
    # 14713 Leipzig (Kreis key from 1.8.2008) is "-" throughout on 15.03.2008: no row, not a zero
    assert obs[obs["ags"].eq("14713") & obs["reference_date"].eq("2008-03-15")].empty
    assert value(obs, "DG", "2016-03-01") == 3_749_827
    assert set(obs["reference_date"]) >= {"2007-03-15", "2008-03-15", "2009-03-01", "2016-03-01"}
    assert "regio_22543_kita_betreute_kinder" in res.tables


def test_social_benefits(results):
    asyl, _, _ = results[ASYL]
    obs, _, _ = results[MINDEST]
    assert value(asyl, "14713", "2015-12-31", "asylblg_recipients") == 5185
    assert value(obs, "14713", "2015-12-31", "sgb2_recipients") == 66409
    assert value(asyl, "05913", "2015-12-31", "asylblg_recipients") == 5610
    assert value(obs, "08111", "2015-12-31", "sgb2_recipients") == 39409
    assert value(asyl, "DG", "2015-12-31", "asylblg_recipients") == 974_551
    assert set(obs["indicator_id"]) == {"sgb2_recipients"} and set(asyl["indicator_id"]) == {"asylblg_recipients"}
    # Mecklenburg-Vorpommern 2010: AsylbLG under the old keys, SGB II under the new ones; no fake zeros
    assert value(asyl, "13001", "2010-12-31", "asylblg_recipients") == 35
    assert asyl[asyl["ags"].eq("13071") & asyl["reference_date"].eq("2010-12-31")].empty
    assert obs[obs["ags"].eq("13071") & obs["reference_date"].eq("2010-12-31")]["indicator_id"].tolist() == [
        "sgb2_recipients"]
    assert obs[obs["ags"].eq("13001") & obs["reference_date"].eq("2010-12-31")].empty


def test_22811_asylblg_column_agrees_with_22221(results):
    """22811 publishes the AsylbLG recipients too: every cell equals table 22221's total (2010–2015)."""
    from etl.parsers.regio_obs import pick, to_observations
    asyl, _, _ = results[ASYL]
    _, res, _ = results[MINDEST]
    t = res.tables["regio_22811_mindestsicherung"].astype({"variable": "string"})
    col = to_observations(pick(t, "Davon | Regelleist. n.d. Asylbewerberleistungsgesetz", "22811"),
                          "asylblg_recipients", ("bund", "land", "kreis"))
    m = col.merge(asyl, on=["ags", "level", "reference_date"], suffixes=("_22811", ""))
    assert len(m) > 2500
    a, b = m["value"].astype("float64"), m["value_22811"].astype("float64")
    assert ((a == b) | (a.isna() & b.isna())).all()


def test_asylblg_2019_second_layout(results):
    """The 2019 file (no GENESIS frame, keys without leading zeros) is one more vintage of 22221-01-01-4."""
    obs, res, _ = results[ASYL]
    y19 = obs[obs["reference_date"].eq("2019-12-31")]
    assert set(y19["source_file"]) == {"asylbewerberleistungen_2019.csv"}
    assert set(y19["source_table"]) == {"22221-01-01-4"}
    assert value(obs, "DG", "2019-12-31") == 385_307
    assert y19[y19["level"].eq("land")]["value"].sum() == 385_307
    assert value(obs, "05", "2019-12-31") == 87_355       # "5" in the file
    assert value(obs, "01004", "2019-12-31") == 1681      # "1004" Neumünster
    assert value(obs, "05315", "2019-12-31") == 7888      # Köln
    assert value(obs, "11", "2019-12-31") == 25_382 and value(obs, "02", "2019-12-31") == 9665
    kreise = y19[y19["level"].eq("kreis")]
    assert len(kreise) == 399 and kreise["value"].notna().all()   # + Berlin, Hamburg as Land rows = 401
    assert kreise["ags"].str.fullmatch(r"\d{5}").all()
    assert absent(obs[obs["reference_date"].eq("2019-12-31")], "13001")  # old MV Kreis, "-" in 2019: no row
    assert set(obs["reference_date"].str[:4]) == {"2010", "2011", "2012", "2013", "2014", "2015", "2019"}
    assert res.tables["regio_22221_asylblg"]["variable"].eq("? empfaenger_asylbewerber_maennlich").any()
