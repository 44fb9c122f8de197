"""Steps zensus2022_1000A and destatis_12531-0043 (and the vectorised ffcsv reader):
hand-made fixtures in a temporary mirror, then the real files with the SOURCE.md spot checks."""
from __future__ import annotations

import importlib
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from etl.catalogue import load_catalogue
from etl.errors import ParseError
from etl.parsers.ffcsv import read_ffcsv
from etl.settings import Settings, get_settings
from etl.snapshots import SnapshotStore
from etl.step import StepContext, observations
from etl.validate import validate_observations

FIX = Path(__file__).parent / "fixtures"
MIRROR = get_settings().mirror
real = pytest.mark.skipif(not MIRROR.is_dir(), reason="snapshot mirror not present")
AZR = "destatis_12531-0043"
ZENSUS = "zensus2022_1000A"


def run_step(dataset: str, settings: Settings, files: list[str] | None = None):
    entry = load_catalogue()[dataset]
    if files is not None:  # fixture mirrors hold only some vintages
        entry = {**entry, "files": [f for f in entry["files"] if f["name"] in files]}
    ctx = StepContext(dataset, settings, SnapshotStore(settings), entry)
    out = importlib.import_module(entry["step"]).run(ctx)
    obs = observations(out.observations)
    validate_observations(obs, dataset)
    return obs, out.tables, ctx


def value(obs, ags, indicator):
    row = obs[(obs["ags"] == ags) & (obs["indicator_id"] == indicator)]
    assert len(row) == 1, (ags, indicator, len(row))
    return row.iloc[0]


@pytest.fixture()
def fixture_settings(tmp_path):
    azr = tmp_path / "mirror" / load_catalogue()[AZR]["mirror"]
    azr.mkdir(parents=True)
    with zipfile.ZipFile(azr / "12531-0043_2024-12-31_resultfile_ffcsv.zip", "w") as zf:
        zf.write(FIX / "azr_12531-0043_sample_flat.csv", "12531-0043_175879554_flat.csv")
    z = tmp_path / "mirror" / ZENSUS
    z.mkdir()
    shutil.copy(FIX / "zensus_1000A-0000_sample_flat.csv", z / "1000A-0000_de_flat.csv")
    shutil.copy(FIX / "zensus_1000A-2022_sample_flat_quality_on.csv", z / "1000A-2022_de_flat_quality_on.csv")
    return Settings(mirror_dir=str(tmp_path / "mirror"), snapshot_dir=str(tmp_path / "snap"), online="0")


@pytest.fixture(scope="module")
def real_settings(tmp_path_factory):
    return Settings(snapshot_dir=str(tmp_path_factory.mktemp("snap")), online="0")


# --- ffcsv reader (vectorised) ---------------------------------------------------------------------

def test_ffcsv_symbols_flags_and_keys():
    raw = ("\ufeffstatistics_code;time;1_variable_attribute_code;value;value_q\n"
           "1;2024;01001;12;e\n1;2024;01002;-;\n1;2024;01003;.;\n1;2024;01004;7.5;p\n1;2024;01005;;\n"
           "1;2024;01006;3 e;\n").encode()
    df = read_ffcsv(raw)
    assert df["1_variable_attribute_code"].tolist()[:2] == ["01001", "01002"]  # leading zeros kept
    assert df["num"].tolist()[:2] == [12.0, 0.0] and pd.isna(df["num"][2]) and pd.isna(df["num"][4])
    assert df["flag"].tolist()[1:4] == ["-", ".", "p"] and df["flag"][5] == "e"
    assert pd.isna(df["flag"][0])  # value_q "e" alone is no flag (only p, r, s are carried)


def test_ffcsv_unknown_symbol_names_line():
    raw = "statistics_code;time;value\n1;2024;5\n1;2024;abc\n".encode()
    with pytest.raises(ParseError, match=r"line 3.*'abc'"):
        read_ffcsv(raw)


def test_ffcsv_not_utf8():
    with pytest.raises(ParseError, match="UTF-8"):
        read_ffcsv(b"statistics_code;time;value\n1;2024;\xff\n")


# --- AZR on the fixture ------------------------------------------------------------------------------

def test_azr_fixture_totals_hierarchy_and_bookings(fixture_settings):
    obs, tables, ctx = run_step(AZR, fixture_settings, files=["12531-0043_2024-12-31_resultfile_ffcsv.zip"])
    # OF + AK-1 + X only: AK-2 (900) and AUSRPFL-G (15) are sub-categories and not added
    assert value(obs, "14713", "protection_seekers")["value"] == 1770
    assert value(obs, "14713", "ukrainian_protection_seekers")["value"] == 1250
    assert value(obs, "DG", "protection_seekers")["value"] == 1770 + 90 + 5
    d = value(obs, "05913", "ukrainian_protection_seekers")
    assert d["value"] == 0 and d["flag"] == "-"  # Kreis has rows but no Ukrainian cell
    for ags in ("06633", "10041", "10042", "10043", "10045", "10046", "12071"):
        r = value(obs, ags, "protection_seekers")
        assert pd.isna(r["value"]) and r["flag"] == "booked_elsewhere"
    assert value(obs, "10044", "protection_seekers")["flag"] == "includes_other_kreise"
    assert value(obs, "10044", "protection_seekers")["value"] == 90
    assert any("host Kreise without rows" in w for w in ctx.warnings)  # 06611 / 12052 absent in fixture
    tidy = tables["azr_schutzsuchende_status_sex"]
    assert tidy.query("ags == '14713' and status == 'SCHUTZST-AK-2'")["count"].sum() == 900
    assert set(obs["reference_date"]) == {"2024-12-31"} and set(obs["source_table"]) == {"12531-0043"}


def test_azr_booking_map_is_data():
    b = importlib.import_module("etl.steps.destatis_12531-0043").load_bookings()
    assert {x["ags"]: x["booked_at"] for x in b["bookings"]} == {
        "06633": "06611", "10041": "10044", "10042": "10044", "10043": "10044", "10045": "10044",
        "10046": "10044", "12071": "12052"}
    assert all(x["reason"] for x in b["bookings"])


# --- Zensus on the fixture ---------------------------------------------------------------------------

def test_zensus_fixture_ars_to_ags_and_share(fixture_settings):
    obs, tables, _ = run_step(ZENSUS, fixture_settings)
    assert value(obs, "14713000", "population_census2022")["value"] == 598899
    assert value(obs, "06632001", "population_census2022")["level"] == "gemeinde"  # 066320001001 -> 06632001
    assert value(obs, "09276130", "population_census2022")["value"] == 2294
    assert value(obs, "DG", "population_census2022")["value"] == 82719540
    assert value(obs, "DG", "immigration_history_share")["value"] == pytest.approx(18142064 / 82719540 * 100)
    assert value(obs, "14", "immigration_history_share")["value"] == pytest.approx(10.0)
    assert value(obs, "14", "population_census2022")["value"] == 4000000
    ewg = tables["zensus2022_einwanderungsgeschichte"]
    assert len(ewg.query("ags == 'DG'")) == 4  # only all-ages rows are staged (the 60-69 row is not)
    assert ewg.query("ags == 'DG' and category == 'WANDERUNG-BEID'")["value_q"].item() == "e"
    assert set(obs["reference_date"]) == {"2022-05-15"} and set(obs["gebietsstand"]) == {"2022-05-15"}


# --- real files --------------------------------------------------------------------------------------

@real
def test_azr_real_spot_checks(real_settings):
    both, _, ctx = run_step(AZR, real_settings)
    assert sorted(both["reference_date"].unique()) == ["2023-12-31", "2024-12-31"]  # two vintages, one dataset
    obs = both[both["reference_date"].eq("2024-12-31")]
    checks = {"14713": (29055, 10145), "05913": (32360, 9430), "13003": (7235, 3155), "08111": (22900, 7210),
              "06632": (4520, 2115)}
    for ags, (total, ukr) in checks.items():
        assert value(obs, ags, "protection_seekers")["value"] == total
        assert value(obs, ags, "ukrainian_protection_seekers")["value"] == ukr
    kreise = obs[obs["level"] == "kreis"]
    assert kreise.groupby("indicator_id")["value"].sum().to_dict() == {
        "protection_seekers": 3278005, "ukrainian_protection_seekers": 1098540}
    assert value(obs, "DG", "protection_seekers")["value"] == 3278005
    assert (kreise["indicator_id"] == "protection_seekers").sum() == 400  # 393 with rows + 7 booked elsewhere
    assert value(obs, "10044", "protection_seekers")["value"] == 54160
    assert value(obs, "06611", "protection_seekers")["value"] == 23975
    assert value(obs, "12052", "protection_seekers")["flag"] == "includes_other_kreise"
    assert (kreise["flag"] == "booked_elsewhere").sum() == 14 and ctx.warnings == []
    # 31.12.2023 (SOURCE.md of destatis_12531_schutzsuchende_2023): 3,146,095 in all, 976,645 from Ukraine
    y23 = both[both["reference_date"].eq("2023-12-31")]
    k23 = y23[y23["level"] == "kreis"]
    assert k23.groupby("indicator_id")["value"].sum().to_dict() == {
        "protection_seekers": 3146095, "ukrainian_protection_seekers": 976645}
    assert k23[k23["ags"].eq("02000") | k23["ags"].str.startswith("02")]["value"].iloc[0] == 94800  # Hamburg
    assert set(y23["gebietsstand"]) == {"2023-12-31"} and set(y23["source_file"]) == {"12531-0043_673843136.zip"}


@real
def test_zensus_real_spot_checks(real_settings):
    obs, tables, ctx = run_step(ZENSUS, real_settings)
    gem = obs[(obs["level"] == "gemeinde")]
    assert len(gem) == 10786 and gem["value"].sum() == 82711282
    for ags, pop in {"14713000": 598899, "05913000": 598246, "13003000": 203470, "08111000": 610458}.items():
        assert value(obs, ags, "population_census2022")["value"] == pop
    hr = gem[gem["ags"].str.startswith("06632")]
    assert len(hr) == 20 and hr["value"].sum() == 118253
    assert value(obs, "DG", "population_census2022")["value"] == 82719540
    assert value(obs, "DG", "immigration_history_share")["value"] == pytest.approx(18142064 / 82719540 * 100)
    shares = obs[(obs["indicator_id"] == "immigration_history_share")]
    assert sorted(shares["ags"]) == sorted(["DG"] + [f"{i:02d}" for i in range(1, 17)])
    land_pop = obs[(obs["indicator_id"] == "population_census2022") & (obs["level"] == "land")]["value"].sum()
    # the Länder add up to the Gemeinden (82,711,282), not to DG: 8,258 persons are only in the national total
    assert land_pop == 82711282 and ctx.warnings == []
    ewg = tables["zensus2022_einwanderungsgeschichte"].query("ags == 'DG'").set_index(["breakdown", "category"])
    # Eingewanderte + Nachkommen = 18,142,062: 2 less than "mit Einwanderungsgeschichte" (census confidentiality)
    parts = ewg.loc[("WDGAT1", "EINGEWANDERTE"), "num"] + ewg.loc[("WDGAT1", "NACHKOMMEN"), "num"]
    assert abs(parts - ewg.loc[("WDGAT2", "WANDERUNG-BEID"), "num"]) <= 5
