"""Parsers for BA Gemeinde CSVs, INKAR (Parquet and web export) and GERDA .rda: fixtures and real files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import rdata

from etl.errors import ParseError
from etl.parsers.ba import read_ba_gemeinden
from etl.parsers.gerda import CENSUS, COUNTY, county_long, read_gerda
from etl.parsers.inkar import (apply_corrections, read_inkar_export, read_inkar_indicators,
                               read_inkr_parquet)
from etl.settings import get_settings

FIX = Path(__file__).parent / "fixtures"
MIRROR = get_settings().mirror
real = pytest.mark.skipif(not MIRROR.is_dir(), reason="snapshot mirror not present")


# --- BA -------------------------------------------------------------------------------------------

def test_ba_fixture_levels_numbers_and_suppression():
    df = read_ba_gemeinden(FIX / "ba_gem21_2015_sample.csv")
    assert df["year"].unique().tolist() == [2015]
    by = df.set_index("key")
    assert by.loc["DG", "level"] == "bund" and by.loc["06", "level"] == "land"
    assert by.loc["066", "level"] == "regierungsbezirk" and by.loc["06632", "level"] == "kreis"
    assert by.loc["06632001", "level"] == "gemeinde"
    assert by.loc["DG", "sgb2u3_insgesamt"] == 2794664          # "2,794,664 " -> thousands stripped
    assert by.loc["06632", "sgb2u3_auslaender"] == 536
    assert by.loc["06632002", "name"] == "Bad Hersfeld, Kreisstadt"  # quoted name with comma
    assert pd.isna(by.loc["06632003", "sgb2u3_auslaender"])     # empty cell = suppressed, not 0
    assert by.loc["DG", "sgb2u3_ausl_u25"] == 0                  # "0 " is a published zero
    assert not df["key"].str.contains("Schlüssel|©").any()


def test_ba_rejects_lost_leading_zero(tmp_path):
    text = (FIX / "ba_gem21_2015_sample.csv").read_bytes().replace(b"\n06632001,", b"\n6632001,")
    p = tmp_path / "bad.csv"
    p.write_bytes(text)
    with pytest.raises(ParseError, match="leading zero"):
        read_ba_gemeinden(p)


def test_ba_rejects_non_count_cell_with_line(tmp_path):
    text = (FIX / "ba_gem21_2015_sample.csv").read_bytes().replace(b"Alheim,99 ,", b"Alheim,*,")
    p = tmp_path / "bad.csv"
    p.write_bytes(text)
    with pytest.raises(ParseError, match=r"line 18.*'\*'"):  # physical line: header cells hold 4 line breaks
        read_ba_gemeinden(p)


@real
def test_ba_real_2015_spot_checks():
    df = read_ba_gemeinden(MIRROR / "ba_arbeitslose_gemeinden_2009-2015" / "2015jz-gem21_d_0.csv")
    by = df.set_index("key")
    assert (by.loc["DG", "sgb2u3_insgesamt"], by.loc["DG", "sgb2u3_auslaender"]) == (2794664, 563447)
    assert (by.loc["05913000", "sgb2u3_insgesamt"], by.loc["05913000", "sgb2u3_auslaender"]) == (37414, 11443)
    assert (by.loc["06632", "sgb2u3_insgesamt"], by.loc["06632", "sgb2u3_auslaender"]) == (3062, 536)
    assert by.loc["06632001", "sgb2u3_insgesamt"] == 99
    assert (df["level"] == "gemeinde").sum() == 11056 and (df["level"] == "kreis").sum() == 295
    assert df["sgb2u3_auslaender"].isna().sum() > 0  # suppressed cells exist in 2015 and stay NA


@real
def test_ba_real_2009_format_variant():
    df = read_ba_gemeinden(MIRROR / "ba_arbeitslose_gemeinden_2009-2015" / "2009JZ-gem21_d_0.csv")
    assert df["year"].iloc[0] == 2009  # "Jahresdurchschnitt 2009" title
    assert (df["level"] == "gemeinde").sum() == 11230
    assert df.set_index("key").loc["01001000", "name"] == "Flensburg, Stadt"  # leading blank stripped


# --- INKAR Parquet ----------------------------------------------------------------------------------

@pytest.fixture()
def inkr_file(tmp_path):
    t = pa.table({
        "raumbezug": ["Bund", "Bundesländer", "Kreise", "Kreise", "Kreise", "Gemeinden"],
        "kennziffer": ["111", "14", "14713000", "14713000", "06632000", "14713000"],
        "name": ["Deutschland", "Sachsen", "Leipzig, Stadt", "Leipzig, Stadt", "Hersfeld-Rotenburg", "Leipzig"],
        "zeitbezug": ["2020", "2020", "2020", "2021", "2020", "2020"],
        "a_betr0003_bev0003": [35.26, 54.79, 52.32, None, 32.77, 50.0],
        "other": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    })
    p = tmp_path / "medizinische_und_soziale_versorgung.parquet"
    pq.write_table(t, p)
    return p


def test_inkr_fixture_keys_levels_and_nulls(inkr_file):
    df = read_inkr_parquet(inkr_file, ["a_betr0003_bev0003"])
    assert sorted(df["ags"]) == ["06632", "14", "14713", "DG"]   # Gemeinden not requested; NULL 2021 dropped
    assert dict(zip(df["ags"], df["level"]))["14713"] == "kreis"
    assert df.loc[df["ags"] == "14713", "value"].item() == 52.32
    assert df["year"].tolist() == [2020] * 4


def test_inkr_rejects_unknown_column_and_key(inkr_file, tmp_path):
    with pytest.raises(ParseError, match="columns missing"):
        read_inkr_parquet(inkr_file, ["q_SGBII"])
    t = pq.read_table(inkr_file).to_pandas()
    t.loc[2, "kennziffer"] = "14713"  # Kreis key without the "000" suffix
    bad = tmp_path / "bad.parquet"
    t.to_parquet(bad)
    with pytest.raises(ParseError, match="kennziffer"):
        read_inkr_parquet(bad, ["a_betr0003_bev0003"])


@real
def test_inkr_real_spot_checks():
    d = MIRROR / "inkar_inkr_parquet"
    care = read_inkr_parquet(d / "medizinische_und_soziale_versorgung.parquet",
                             ["a_betr0003_bev0003", "a_betr0306_bev0306"])
    care = care.set_index(["ags", "year", "kuerzel"])["value"]
    assert care[("14713", 2020, "a_betr0003_bev0003")] == 52.32
    assert care[("14713", 2020, "a_betr0306_bev0306")] == 93.58
    assert care[("14713", 2006, "a_betr0003_bev0003")] == 35.34
    assert care[("13003", 2020, "a_betr0306_bev0306")] == 103.77
    soz = read_inkr_parquet(d / "sozialleistungen.parquet", ["q_SGBII", "q_asyl_bev"]).set_index(
        ["ags", "year", "kuerzel"])["value"]
    assert soz[("14713", 2015, "q_SGBII")] == 14.97 and soz[("14713", 2015, "q_asyl_bev")] == 9.25
    assert soz[("06632", 2015, "q_asyl_bev")] == 20.88 and soz[("05913", 2021, "q_SGBII")] == 17.72
    ind = read_inkar_indicators(d / "_indikatoren.parquet", ["q_SGBII"])
    assert ind["kurzname"].tolist() == ["SGB II - Quote"]


# --- INKAR export ---------------------------------------------------------------------------------

def test_inkar_export_fixture_years_and_german_numbers():
    df = read_inkar_export(FIX / "inkar_export_sample.csv")
    v = df.set_index(["kennziffer", "indicator"])
    assert v.loc[("14713", "Einwohnerdichte"), "value"] == 1954          # "1.954" thousands point
    assert v.loc[("14713", "Einwohnerdichte"), "year"] == 2016           # year from row 2, per column
    assert v.loc[("14713", "SGB II - Quote"), "value"] == 13.8           # decimal comma
    assert v.loc[("06633", "Ausländeranteil"), "line"] == 3
    assert df["kennziffer"].str.len().eq(5).all()


def test_inkar_export_correction_sets_missing_not_zero():
    df = read_inkar_export(FIX / "inkar_export_sample.csv")
    corr = [{"match": {"indicator": "Anteil Schutzsuchender an Bevölkerung", "raw": "0,0"},
             "expected_keys": ["06633"], "action": "set_null", "flag": "booked_elsewhere", "reason": "AZR"}]
    out, applied, warnings = apply_corrections(df, corr)
    row = out[(out["kennziffer"] == "06633") & out["indicator"].str.startswith("Anteil Schutz")].iloc[0]
    assert pd.isna(row["value"]) and row["flag"] == "booked_elsewhere"
    assert len(applied) == 1 and warnings == []
    _, _, warnings = apply_corrections(df, [dict(corr[0], expected_keys=["10041"])])
    assert warnings and "expected" in warnings[0]


def test_inkar_export_rejects_bad_key(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes((FIX / "inkar_export_sample.csv").read_bytes().replace(b'"06633"', b'"6633"'))
    with pytest.raises(ParseError, match="5-digit"):
        read_inkar_export(p)


@real
def test_inkar_export_real_spot_checks():
    df = read_inkar_export(MIRROR / "inkar_export_2017_zidatalab" / "inkar_sdg_etc.csv")
    v = df.set_index(["kennziffer", "indicator"])["value"]
    assert df["kennziffer"].nunique() == 401
    for k, (aus, sgb) in {"14713": (9.0, 13.8), "05913": (17.0, 18.5), "08111": (24.6, 8.2),
                          "13003": (5.9, 14.2), "06632": (9.0, 6.4)}.items():
        assert v[(k, "Ausländeranteil")] == aus and v[(k, "SGB II - Quote")] == sgb
    zero = df[(df["indicator"] == "Anteil Schutzsuchender an Bevölkerung") & (df["raw"] == "0,0")]
    assert sorted(zero["kennziffer"]) == ["06633", "10041", "10042", "10043", "10045", "10046", "12071"]


# --- GERDA ----------------------------------------------------------------------------------------

@pytest.fixture()
def rda_file(tmp_path):
    census = pd.DataFrame({"ags": ["05913000", "01053105"], "municipality_name": ["Dortmund, Stadt", "Klein"],
                           "population_census22": [598246.0, 20.0], "share_foreign_census22": [19.1, np.nan],
                           "share_migration_bg_census22": [30.0, np.nan]}).astype({"ags": object,
                                                                                  "municipality_name": object})
    county = pd.DataFrame({"county_code": ["05913", "05913"], "year": [2020.0, 2022.0],
                           "share_foreign": [18.57, 20.75], "unemployment_rate": [11.41, np.nan]}
                          ).astype({"county_code": object})
    p = tmp_path / "gerda_sysdata.rda"
    rdata.write_rda(p, {CENSUS: census, COUNTY: county})
    return p


def test_gerda_fixture_keys_stay_strings_and_na(rda_file):
    d = read_gerda(rda_file, objects=(CENSUS, COUNTY))
    c = d[CENSUS].set_index("ags")
    assert c.loc["05913000", "share_migration_bg_census22"] == 30.0
    assert pd.isna(c.loc["01053105", "share_foreign_census22"])
    long = county_long(d[COUNTY], ["share_foreign", "unemployment_rate"])
    assert len(long) == 3 and long["year"].tolist() == [2020, 2022, 2020]  # NA unemployment 2022 dropped
    assert long["county_code"].iloc[0] == "05913"


def test_gerda_missing_object_and_bad_file(rda_file, tmp_path):
    with pytest.raises(ParseError, match="objects missing"):
        read_gerda(rda_file)  # codebooks are not in the fixture
    bad = tmp_path / "x.rda"
    bad.write_bytes(b"not R data")
    with pytest.raises(ParseError, match="R data"):
        read_gerda(bad)


@real
def test_gerda_real_spot_checks():
    d = read_gerda(MIRROR / "gerda_zensus2022_gemeinden_inkar_kreise" / "gerda_sysdata.rda")
    c = d[CENSUS].set_index("ags")
    assert len(c) == 10786 and c["population_census22"].sum() == 82711282
    shares = c[["share_foreign_census22", "share_migration_bg_census22"]]
    assert tuple(shares.loc["05913000"]) == (19.1, 30.0) and tuple(shares.loc["14713000"]) == (11.6, 15.7)
    assert c["share_foreign_census22"].isna().sum() == 344 and c["share_migration_bg_census22"].isna().sum() == 100
    k = d[COUNTY].set_index(["county_code", "year"])
    assert k.loc[("14713", 2022.0), "share_foreign"] == 12.95 and k.loc[("05913", 2021.0), "unemployment_rate"] == 11.43
