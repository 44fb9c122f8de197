"""Harmonisation SQL (warehouse/models/intermediate/10_crosswalk.sql, 15_obs_vintages.sql, 20_obs_harmonised.sql) on stub tables.

A small in-memory DuckDB with hand-made staging tables: Eisenach → Wartburgkreis (2019), Göttingen +
Osterode → Göttingen (2015), a Gemeinde merger from the Destatis list (2025) and a key change (2020).
The model tests (*.test.sql) must return no rows on the same database.
"""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from etl.settings import ROOT

MODELS = ROOT / "warehouse" / "models" / "intermediate"

KREIS_KEYS = [  # from_year, from_ags, to_ags, weight_area, weight_pop, population (persons, BBSR per row)
    (2019, "16056", "16063", 1, 1, 42300), (2019, "16063", "16063", 1, 1, 119000), (2019, "05913", "05913", 1, 1, 588000),
    (2019, "03159", "03159", 1, 1, 326000),
    (2015, "03152", "03159", 1, 1, 255700), (2015, "03156", "03159", 1, 1, 73900), (2015, "05913", "05913", 1, 1, 586000),
    (2015, "16056", "16063", 1, 1, 42400), (2015, "16063", "16063", 0.97, 0.9735, 122300),
    (2015, "16063", "16066", 0.03, 0.0265, 3300), (2015, "16066", "16066", 1, 1, 124000),
    # 1995: Eisenach still inside the Wartburgkreis; 1997: Eisenach kreisfrei (16056)
    (1995, "16063", "16063", 0.97, 0.97, 180000), (1995, "16063", "16066", 0.03, 0.03, 5000),
    (1995, "16066", "16066", 1, 1, 130000),
    (1997, "16056", "16063", 1, 1, 44000), (1997, "16063", "16063", 0.97, 0.97, 140000),
    (1997, "16063", "16066", 0.03, 0.03, 4000), (1997, "16066", "16066", 1, 1, 130000),
]
GEM_KEYS = [  # sheet, from, to, weight_pop, population
    ("2020", "16056000", "16063105", 1, 42000), ("2020", "05913000", "05913000", 1, 588000),
    ("2020", "07232089", "07232089", 1, 50), ("2020", "07232096", "07232096", 1, 140),
]
OBS = [  # ags, level, indicator, reference_date, value, flag, gebietsstand
    ("16056", "kreis", "cnt", "2019-12-31", 42000, None, "2019-12-31"),
    ("16063", "kreis", "cnt", "2019-12-31", 120000, None, "2019-12-31"),
    ("05913", "kreis", "cnt", "2019-12-31", 588000, None, "2019-12-31"),
    ("03159", "kreis", "cnt", "2019-12-31", 326000, None, "2019-12-31"),
    ("16056", "kreis", "rate", "2019-12-31", 8.0, None, "2019-12-31"),
    ("16063", "kreis", "rate", "2019-12-31", 4.0, None, "2019-12-31"),
    ("03152", "kreis", "cnt", "2015-12-31", 250000, None, "2015-12-31"),
    ("03156", "kreis", "cnt", "2015-12-31", 75000, None, "2015-12-31"),
    ("03152", "kreis", "cnt2", "2015-12-31", None, ".", "2015-12-31"),
    ("03156", "kreis", "cnt2", "2015-12-31", 100, None, "2015-12-31"),
    ("03152", "kreis", "cnt3", "2015-12-31", 7, None, "2015-12-31"),  # 03156 missing: not computable
    ("99999", "kreis", "cnt", "2015-12-31", 5, None, "2015-12-31"),  # unknown key
    ("05913", "kreis", "cnt", "2022-12-31", 590000, None, "2022-12-31"),  # after 2021: pass through
    ("16056000", "gemeinde", "cnt", "2020-12-31", 42000, None, "2020-12-31"),  # key change only
    ("07232089", "gemeinde", "cnt", "2023-12-31", 50, None, "2023-12-31"),
    ("07232096", "gemeinde", "cnt", "2023-12-31", 140, "p", "2023-12-31"),
    ("07232089", "gemeinde", "rate", "2023-12-31", 2.0, None, "2023-12-31"),
    ("07232096", "gemeinde", "rate", "2023-12-31", 3.0, None, "2023-12-31"),
    ("05913000", "gemeinde", "rate", "2023-12-31", 9.5, None, "2023-12-31"),  # 1:1: converted
    ("07232089", "gemeinde", "cnt", "2015-12-31", 60, None, "2015-12-31"),  # old Gemeinde: pass through
    ("08999999", "gemeinde", "cnt", "2023-12-31", 1, None, "2023-12-31"),  # unknown Gemeinde key
    ("05", "land", "cnt", "2015-12-31", 1, None, "2015-12-31"),
    # a publisher's 1995 column already on the 1997 territory (Eisenach shown separately)
    ("16056", "kreis", "cnt", "1995-12-31", 44000, None, "1995-12-31"),
    ("16063", "kreis", "cnt", "1995-12-31", 144000, None, "1995-12-31"),
    ("16066", "kreis", "cnt", "1995-12-31", 130000, None, "1995-12-31"),
]
REGION = ["16063", "05913", "03159", "16066", "16063105", "05913000", "07232503", "07232089", "05", "DG"]


def _df(rows, cols):
    return pd.DataFrame(rows, columns=cols)


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    for s in ("staging", "intermediate"):
        c.execute(f"CREATE SCHEMA {s}")

    def put(name, df):
        c.register("_t", df)
        c.execute(f"CREATE TABLE {name} AS SELECT * FROM _t")
        c.unregister("_t")

    put("staging.bbsr_kreis_keys_2021", _df(KREIS_KEYS, ["from_year", "from_ags", "to_ags", "weight_area", "weight_pop",
                                                          "population"]))
    gem = []
    for sheet, a, b, w, pop in GEM_KEYS:  # the same units continue through the sheets 2021 and 2022
        gem.append(("2020-12-31", "2021-12-31", a, b, w, w, pop))
        gem.append(("2021-12-31", "2022-12-31", b, b, 1, 1, pop))
        gem.append(("2022-12-31", "2023-12-31", b, b, 1, 1, pop))
    put("staging.bbsr_gemeinde_keys", _df(gem, ["from_gebietsstand", "to_gebietsstand", "from_ags", "to_ags",
                                                 "weight_area", "weight_pop", "population"]))
    ga_cols = ["kennziffer", "regionaleinheit", "from_ags", "to_ags", "change_type", "area_sqm", "population",
               "effective_statistical", "period_start", "period_end", "source_file"]
    put("staging.gebietsaenderungen", _df([
        ("07/2025/0004-R", "Gemeinde", "07232089", "07232503", "1", 1385049, 54, "2025-01-01", "2025-01-01",
         "2025-02-28", "g25"),
        ("07/2025/0004-R", "Gemeinde", "07232096", "07232503", "3", None, None, "2025-01-01", "2025-01-01",
         "2025-02-28", "g25"),
        ("07/2025/0004-R", "Gemeindeverband", None, None, "1", None, None, "2025-01-01", "2025-01-01",
         "2025-02-28", "g25"),
        ("05/2024/0001-R", "Gemeinde", "05913000", "05914000", "2", 100, 3, "2024-01-01", "2024-01-01",
         "2024-12-31", "g24"),
        ("05/2024/0001-R", "Gemeinde", "05913000", "05913000", "2", 100, 588000, "2024-01-01", "2024-01-01",
         "2024-12-31", "g24"),
    ], ga_cols))
    put("staging.gv_auszug_gemeinden", _df([("2023-12-31", k) for k in ("16063105", "05913000", "07232089", "07232096")],
                                           ["gebietsstand", "ags"]))
    levels = {2: "land", 5: "kreis", 8: "gemeinde"}
    put("intermediate.region", _df([(a, levels.get(len(a), "bund")) for a in REGION], ["ags", "level"]))
    put("staging.indicator_kind", _df([("cnt", "count"), ("cnt2", "count"), ("cnt3", "count"), ("rate", "rate")],
                                      ["indicator_id", "kind"]))
    obs = _df(OBS, ["ags", "level", "indicator_id", "reference_date", "value", "flag", "gebietsstand"])
    obs["value"] = obs["value"].astype("Float64")
    obs["source_table"], obs["source_file"], obs["dataset"], obs["snapshot_id"] = "T", "f.csv", "ds", "s1"
    obs["published"] = "2025-01-01"  # one vintage (tests/test_vintages.py covers several)
    put("staging.observations_all", obs)
    for f in ("10_crosswalk.sql", "15_obs_vintages.sql", "20_obs_harmonised.sql"):
        c.execute((MODELS / f).read_text(encoding="utf-8"))
    return c


def row(con, ags, ind, date, level=None):
    q = "SELECT * FROM intermediate.obs_harmonised WHERE ags = ? AND indicator_id = ? AND reference_date = ?"
    args = [ags, ind, date]
    if level:
        q += " AND level = ?"
        args.append(level)
    df = con.execute(q, args).df()
    assert len(df) == 1, df
    return df.iloc[0]


def test_wartburgkreis_2019_is_eisenach_plus_old_kreis(con):
    r = row(con, "16063", "cnt", "2019-12-31")
    assert r["value"] == 42000 + 120000
    assert bool(r["harmonised"]) and bool(r["on_current_territory"])
    assert r["gebietsstand"] == "2021-12-31" and r["original_ags"] == "16056+16063"
    assert "2019→2021" in r["harmonisation_note"] and "16056+16063" in r["harmonisation_note"]


def test_unchanged_kreis_is_not_harmonised(con):
    r = row(con, "05913", "cnt", "2019-12-31")
    assert r["value"] == 588000 and not r["harmonised"] and r["gebietsstand"] == "2021-12-31"
    r = row(con, "05913", "cnt", "2022-12-31")  # Gebietsstand after 01.07.2021: passes through
    assert r["gebietsstand"] == "2022-12-31" and not r["harmonised"] and r["on_current_territory"]


def test_goettingen_2015(con):
    r = row(con, "03159", "cnt", "2015-12-31")
    assert r["value"] == 325000 and r["harmonised"] and r["original_ags"] == "03152+03156"


def test_rate_is_population_weighted(con):
    r = row(con, "16063", "rate", "2019-12-31")
    assert r["value"] == pytest.approx((8.0 * 42300 + 4.0 * 119000) / (42300 + 119000))
    assert "Mittelwert" in r["harmonisation_note"]


def test_null_part_stays_null_with_flag(con):
    r = row(con, "03159", "cnt2", "2015-12-31")
    assert pd.isna(r["value"]) and r["flag"] == "."


def test_missing_part_keeps_original_key(con):
    r = row(con, "03152", "cnt3", "2015-12-31")
    assert r["value"] == 7 and r["gebietsstand"] == "2015-12-31"
    assert not r["on_current_territory"] and not r["harmonised"]
    assert con.execute("SELECT count(*) FROM intermediate.obs_harmonised WHERE indicator_id = 'cnt3' "
                       "AND ags = '03159'").fetchone()[0] == 0


def test_unknown_key_kept_and_reported(con):
    r = row(con, "99999", "cnt", "2015-12-31")
    assert r["value"] == 5 and not r["on_current_territory"] and "nicht" in r["harmonisation_note"]
    r = row(con, "08999999", "cnt", "2023-12-31")
    assert r["gebietsstand"] == "2023-12-31" and not r["on_current_territory"]
    unresolved = set(con.execute("SELECT from_ags FROM intermediate.crosswalk_unresolved").fetchdf()["from_ags"])
    assert {"99999", "08999999"} <= unresolved


def test_gemeinde_key_change_and_merger(con):
    r = row(con, "16063105", "cnt", "2020-12-31")  # Eisenach: new key, same territory
    assert r["value"] == 42000 and not r["harmonised"] and r["gebietsstand"] == "2025-11-30"
    assert r["original_ags"] == "16056000" and "Schlüsseländerung" in r["harmonisation_note"]
    r = row(con, "07232503", "cnt", "2023-12-31")  # Niedergeckler + Obergeckler (Destatis 2025)
    assert r["value"] == 190 and r["harmonised"] and r["flag"] == "p"
    assert "07/2025/0004-R" in r["harmonisation_note"]


def test_gemeinde_rates_only_one_to_one(con):
    kept = con.execute("SELECT ags, gebietsstand, on_current_territory FROM intermediate.obs_harmonised "
                       "WHERE indicator_id = 'rate' AND level = 'gemeinde' ORDER BY ags").fetchall()
    assert kept == [("05913000", "2025-11-30", True), ("07232089", "2023-12-31", False),
                    ("07232096", "2023-12-31", False)]
    r = row(con, "05913000", "rate", "2023-12-31")  # border change keeps the key: 1:1 with a note
    assert r["value"] == 9.5 and "Grenzänderung" in r["harmonisation_note"]


def test_old_gemeinde_and_land_pass_through(con):
    r = row(con, "07232089", "cnt", "2015-12-31")
    assert r["gebietsstand"] == "2015-12-31" and not r["harmonised"] and "vor 31.12.2020" in r["harmonisation_note"]
    assert not r["on_current_territory"]  # the key exists but its territory changed since 2020 (merger 2025)
    r = row(con, "05", "cnt", "2015-12-31")
    assert r["on_current_territory"] and not r["harmonised"]


def test_crosswalk_tables(con):
    k = con.execute("SELECT * FROM intermediate.crosswalk_kreis WHERE from_year = 2019 AND from_ags = '16056'").df()
    assert k["to_ags"].tolist() == ["16063"] and bool(k["changed"].iloc[0])
    g = con.execute("SELECT * FROM intermediate.crosswalk_gemeinde WHERE from_gebietsstand = DATE '2020-12-31' "
                    "ORDER BY from_ags").df().set_index("from_ags")
    assert g.loc["16056000", "to_ags"] == "16063105" and not g.loc["16056000", "changed"]
    assert g.loc["07232096", "to_ags"] == "07232503" and g.loc["07232096", "changed"]


def test_model_tests_pass(con):
    for f in ("10_crosswalk.test.sql", "20_obs_harmonised.test.sql"):
        rows = con.execute((MODELS / f).read_text(encoding="utf-8")).fetchall()
        if f == "10_crosswalk.test.sql":  # the stub directory has no Eisenach sheet for the real-data check
            rows = [r for r in rows if not r[0].startswith("GV-ISys")]
        assert rows == [], f


def test_column_on_a_later_territory_uses_one_sheet(con):
    r = row(con, "16063", "cnt", "1995-12-31")
    assert r["value"] == pytest.approx(44000 + 0.97 * 144000)  # the 1997 sheet for the whole Land column
    assert "1997→2021" in r["harmonisation_note"]
    r = row(con, "16066", "cnt", "1995-12-31")
    assert r["value"] == pytest.approx(130000 + 0.03 * 144000)
