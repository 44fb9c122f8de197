"""Steps inkar_inkr_parquet, inkar_export_zidatalab, ba_arbeitslose_gemeinden and
gerda_zensus2022_gemeinden_inkar_kreise: fixtures in a temporary mirror, then the real files."""
from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import rdata

from etl.catalogue import load_catalogue
from etl.parsers.gerda import CENSUS, CENSUS_CODEBOOK, COUNTY, COUNTY_CODEBOOK
from etl.settings import Settings, get_settings
from etl.snapshots import SnapshotStore
from etl.step import StepContext, observations
from etl.validate import validate_observations

FIX = Path(__file__).parent / "fixtures"
MIRROR = get_settings().mirror
real = pytest.mark.skipif(not MIRROR.is_dir(), reason="snapshot mirror not present")
INKR, EXPORT, BA, GERDA = ("inkar_inkr_parquet", "inkar_export_zidatalab", "ba_arbeitslose_gemeinden",
                           "gerda_zensus2022_gemeinden_inkar_kreise")


def run_step(dataset: str, settings: Settings, files: list[str] | None = None):
    entry = dict(load_catalogue()[dataset])
    if files is not None:
        entry["files"] = [f for f in entry["files"] if f["name"] in files]  # keep folder/published
    ctx = StepContext(dataset, settings, SnapshotStore(settings), entry)
    out = importlib.import_module(entry["step"]).run(ctx)
    obs = observations(out.observations)
    validate_observations(obs, dataset)
    return obs, out.tables, ctx


def cell(obs, ags, indicator, date, level=None):
    m = (obs["ags"] == ags) & (obs["indicator_id"] == indicator) & (obs["reference_date"] == date)
    if level:
        m &= obs["level"] == level
    row = obs[m]
    assert len(row) == 1, (ags, indicator, date, len(row))
    return row.iloc[0]


@pytest.fixture()
def mirror(tmp_path):
    root = tmp_path / "mirror"
    # INKAR Parquet: two data tables and the indicator catalogue, written by pyarrow
    d = root / INKR
    d.mkdir(parents=True)
    base = {"raumbezug": ["Bund", "Bundesländer", "Kreise", "Kreise", "Kreise"],
            "kennziffer": ["111", "14", "14713000", "14713000", "10045000"],
            "name": ["Deutschland", "Sachsen", "Leipzig, Stadt", "Leipzig, Stadt", "Saarpfalz-Kreis"],
            "zeitbezug": ["2020", "2020", "2020", "2008", "2015"]}
    pq.write_table(pa.table({**base, "a_betr0003_bev0003": [35.26, 54.79, 52.32, 36.8, None],
                             "a_betr0306_bev0306": [90.89, 94.68, 93.58, 91.6, None]}),
                   d / "medizinische_und_soziale_versorgung.parquet")
    pq.write_table(pa.table({**base, "q_SGBII": [8.19, 7.92, 11.55, None, 9.0],
                             "q_asyl_bev": [4.38, 5.1, 5.44, None, 343.43]}), d / "sozialleistungen.parquet")
    cols = ("merk_id", "m_id", "rubrik", "bereich", "kuerzel", "kurzname", "name", "algorithmus", "anmerkungen",
            "statistische_grundlagen")
    rows = [[1, 1, "Raumbeobachtung DE", "Sozialleistungen", "q_SGBII", "SGB II - Quote", "n", "a", "x", "BA"]]
    pq.write_table(pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)}), d / "_indikatoren.parquet")
    # INKAR export and BA
    export_dir, ba_dir = (root / load_catalogue()[d]["mirror"] for d in (EXPORT, BA))  # store folders
    export_dir.mkdir()
    shutil.copy(FIX / "inkar_export_sample.csv", export_dir / "inkar_sdg_etc.csv")
    ba_dir.mkdir()
    shutil.copy(FIX / "ba_gem21_2015_sample.csv", ba_dir / "2015jz-gem21_d_0.csv")
    # GERDA .rda written with rdata
    (root / GERDA).mkdir()
    census = pd.DataFrame({"ags": ["05913000", "01053105"], "municipality_name": ["Dortmund, Stadt", "Klein"],
                           "population_census22": [598246.0, 20.0], "share_foreign_census22": [19.1, np.nan],
                           "share_migration_bg_census22": [30.0, np.nan]}).astype({"ags": object,
                                                                                  "municipality_name": object})
    county = pd.DataFrame({"county_code": ["05913"] * 3, "year": [2012.0, 2020.0, 2022.0],
                           "share_foreign": [12.0, 18.57, 20.75], "unemployment_rate": [12.5, 11.41, np.nan],
                           "childcare_under3": [20.0, 30.85, np.nan]}).astype({"county_code": object})
    book = pd.DataFrame({"variable": ["ags"], "label": ["x"]}).astype(object)
    rdata.write_rda(root / GERDA / "gerda_sysdata.rda",
                    {CENSUS: census, CENSUS_CODEBOOK: book, COUNTY: county, COUNTY_CODEBOOK: book})
    return Settings(mirror_dir=str(root), snapshot_dir=str(tmp_path / "snap"), online="0")


@pytest.fixture(scope="module")
def real_settings(tmp_path_factory):
    return Settings(snapshot_dir=str(tmp_path_factory.mktemp("snap")), online="0")


# --- fixtures ----------------------------------------------------------------------------------------

def test_inkr_fixture(mirror):
    obs, tables, ctx = run_step(INKR, mirror)
    assert cell(obs, "14713", "childcare_rate_under3", "2020-03-01")["value"] == 52.32
    assert cell(obs, "14713", "childcare_rate_under3", "2008-03-15")["value"] == 36.8  # Kita Stichtag before 2009
    assert cell(obs, "DG", "sgb2_rate", "2020-12-31")["level"] == "bund"
    assert cell(obs, "14", "asylblg_per_1000", "2020-12-31")["level"] == "land"
    # the correction drops the impossible Saarpfalz 2015 AsylbLG value but keeps its SGB II rate
    assert obs[(obs["ags"] == "10045") & (obs["indicator_id"] == "asylblg_per_1000")].empty
    assert cell(obs, "10045", "sgb2_rate", "2015-12-31")["value"] == 9.0
    assert tables["inkar_corrections_applied"]["value"].tolist() == [343.43]
    assert any("no INKAR definition" in w for w in ctx.warnings)  # fixture catalogue only has q_SGBII
    assert set(obs["gebietsstand"]) == {"2022-12-31"} and obs["value"].notna().all()


def test_inkar_export_fixture(mirror):
    obs, tables, _ = run_step(EXPORT, mirror)
    assert set(obs["indicator_id"]) == {"foreigners_share", "sgb2_rate"}  # no Schutzsuchende observations
    assert cell(obs, "14713", "foreigners_share", "2017-12-31")["value"] == 9.0
    assert cell(obs, "16056", "sgb2_rate", "2017-12-31")["value"] == 12.4
    staged = tables["inkar_export_2017"].set_index(["kennziffer", "indicator"])
    assert pd.isna(staged.loc[("06633", "Anteil Schutzsuchender an Bevölkerung"), "value"])
    assert staged.loc[("06633", "Anteil Schutzsuchender an Bevölkerung"), "flag"] == "booked_elsewhere"


def test_ba_fixture(mirror):
    obs, tables, _ = run_step(BA, mirror, files=["2015jz-gem21_d_0.csv"])
    assert cell(obs, "DG", "unemployed", "2015-12-31")["value"] == 2794664
    assert cell(obs, "06632", "unemployed_foreigners", "2015-12-31")["value"] == 536
    assert cell(obs, "06632001", "unemployed", "2015-12-31")["value"] == 99
    # kreisfreie Stadt: only an 8-digit row, emitted as Gemeinde and as Kreis
    assert cell(obs, "06611", "unemployed", "2015-12-31", "kreis")["value"] == 9000
    assert cell(obs, "06611000", "unemployed", "2015-12-31", "gemeinde")["value"] == 9000
    sup = cell(obs, "06632003", "unemployed_foreigners", "2015-12-31")
    assert pd.isna(sup["value"]) and sup["flag"] == "suppressed"
    assert "066" not in set(obs["ags"])  # Regierungsbezirk rows are staged only
    assert "066" in set(tables["ba_arbeitslose_gemeinden"]["key"])


def test_gerda_fixture(mirror):
    obs, tables, _ = run_step(GERDA, mirror)
    assert cell(obs, "05913000", "immigration_history_share", "2022-05-15")["value"] == 30.0
    secret = cell(obs, "01053105", "foreigners_share", "2022-05-15")
    assert pd.isna(secret["value"]) and secret["flag"] == "."
    assert cell(obs, "05913", "foreigners_share", "2022-12-31")["value"] == 20.75
    assert cell(obs, "05913", "unemployment_rate", "2020-12-31")["value"] == 11.41
    ur = obs[obs["indicator_id"] == "unemployment_rate"]
    assert ur["reference_date"].tolist() == ["2020-12-31"]  # 2012 outside 2013-2021, 2022 NA dropped
    assert not obs["indicator_id"].str.startswith("childcare").any()
    assert set(obs.loc[obs["level"] == "kreis", "gebietsstand"]) == {"2021-12-31"}


# --- real files --------------------------------------------------------------------------------------

@real
def test_inkr_real(real_settings):
    obs, tables, ctx = run_step(INKR, real_settings)
    assert cell(obs, "14713", "childcare_rate_under3", "2020-03-01")["value"] == 52.32
    assert cell(obs, "14713", "childcare_rate_3to6", "2020-03-01")["value"] == 93.58
    assert cell(obs, "14713", "childcare_rate_under3", "2006-03-15")["value"] == 35.34
    assert cell(obs, "16063", "childcare_rate_under3", "2020-03-01")["value"] == 55.03  # Wartburgkreis
    assert cell(obs, "14713", "sgb2_rate", "2021-12-31")["value"] == 10.39
    assert cell(obs, "06632", "asylblg_per_1000", "2015-12-31")["value"] == 20.88
    assert cell(obs, "05913", "asylblg_per_1000", "2021-12-31")["value"] == 4.04
    k = obs[obs["level"] == "kreis"]
    assert k.groupby("indicator_id")["ags"].nunique().eq(400).all()
    assert (k["indicator_id"] == "sgb2_rate").sum() == 400 * 12
    assert len(tables["inkar_indikatoren"]) >= 4 and ctx.warnings == []


@real
def test_inkar_export_real(real_settings):
    obs, tables, ctx = run_step(EXPORT, real_settings)
    assert (obs["indicator_id"] == "foreigners_share").sum() == 401
    assert cell(obs, "05913", "foreigners_share", "2017-12-31")["value"] == 17.0
    assert cell(obs, "13003", "sgb2_rate", "2017-12-31")["value"] == 14.2
    assert len(tables["inkar_export_2017_corrections_applied"]) == 7 and ctx.warnings == []


@real
def test_ba_real(real_settings):
    obs, _, ctx = run_step(BA, real_settings)
    assert cell(obs, "DG", "unemployed", "2015-12-31")["value"] == 2794664
    assert cell(obs, "DG", "unemployed_foreigners", "2015-12-31")["value"] == 563447
    assert cell(obs, "05913000", "unemployed", "2015-12-31")["value"] == 37414
    assert cell(obs, "05913000", "unemployed_foreigners", "2015-12-31")["value"] == 11443
    assert cell(obs, "05913", "unemployed", "2015-12-31", "kreis")["value"] == 37414
    assert cell(obs, "06632", "unemployed", "2015-12-31")["value"] == 3062
    assert cell(obs, "06632", "unemployed_foreigners", "2015-12-31")["value"] == 536
    assert cell(obs, "06632001", "unemployed", "2015-12-31")["value"] == 99
    k = obs[(obs["level"] == "kreis") & (obs["indicator_id"] == "unemployed")]
    assert k.groupby("reference_date").size().eq(402).all()  # 295 Landkreise + 107 kreisfreie Städte
    assert cell(obs, "DG", "unemployed", "2009-12-31")["gebietsstand"] == "2011-12-31"
    assert (obs["flag"] == "suppressed").sum() == 2090 and not (obs["value"] == 0).all()
    assert ctx.warnings == []


@real
def test_gerda_real(real_settings):
    obs, _, _ = run_step(GERDA, real_settings)
    assert cell(obs, "05913000", "immigration_history_share", "2022-05-15")["value"] == 30.0
    assert cell(obs, "14713000", "foreigners_share", "2022-05-15")["value"] == 11.6
    assert cell(obs, "14713", "foreigners_share", "2017-12-31")["value"] == 8.97
    assert cell(obs, "08111", "unemployment_rate", "2021-12-31")["value"] == 5.07
    assert (obs["flag"] == ".").sum() == 344 + 100
    kf = obs[(obs["level"] == "kreis") & (obs["indicator_id"] == "foreigners_share")]
    assert len(kf) == 400 * 28
