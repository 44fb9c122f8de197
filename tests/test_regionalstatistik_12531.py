"""Protection seekers 31.12.2018 (Regionaldatenbank 12531, re-packaged without header): keys without leading
zeros, level from the indentation, "-" for Kreise that no longer existed, "." kept as a flag, bookings flagged."""
import importlib

import pandas as pd
import pytest

from etl.catalogue import load_catalogue
from etl.errors import ParseError
from etl.parsers.regio_rows import read_regio_rows
from etl.settings import Settings, get_settings
from etl.snapshots import SnapshotStore
from etl.step import StepContext, observations
from etl.validate import validate_observations

DATASET = "regionalstatistik_12531_kreise"
real = pytest.mark.skipif(not get_settings().mirror.is_dir(), reason="snapshot mirror not present")


def read_indented(path, name):
    t = read_regio_rows(path, name, table="12531", columns={"schutzsuchende": "Schutzsuchende"})
    return t.data.assign(raw_key=lambda d: d["key"].str.lstrip("0").where(d["key"].ne("DG"), "DG"))


def write(tmp_path, body: str):
    p = tmp_path / "s.csv"
    p.write_bytes((";Kreis;Stadt;schutzsuchende\n" + body).encode("latin-1"))
    return p


def test_levels_from_indentation_and_zero_fill(tmp_path):
    df = read_indented(write(tmp_path, "31.12.2018;DG;Deutschland;100\n31.12.2018;1;  Schleswig-Holstein;60\n"
                                       "31.12.2018;1001;      Flensburg, Kreisfreie Stadt;10\n"
                                       "31.12.2018;31;    Braunschweig, Stat. Region;5\n"
                                       "31.12.2018;3241001;      Hannover, Landeshauptstadt;.\n"
                                       "31.12.2018;3152;      Göttingen, Landkreis;-\n"), "s.csv")
    got = df.set_index("raw_key")[["key", "level"]].to_dict("index")
    assert got["1"] == {"key": "01", "level": "land"} and got["1001"] == {"key": "01001", "level": "kreis"}
    assert got["31"] == {"key": "031", "level": "regierungsbezirk"}  # 2 digits but indented as a region
    assert got["3241001"] == {"key": "03241001", "level": "gemeinde"}
    hann = df[df["raw_key"].eq("3241001")].iloc[0]
    assert pd.isna(hann["value"]) and hann["flag"] == "."
    assert df[df["raw_key"].eq("3152")].iloc[0][["value", "flag"]].tolist() == [0.0, "-"]
    assert df["date"].eq("2018-12-31").all()


def test_bad_lines_name_file_line_and_value(tmp_path):
    with pytest.raises(ParseError, match=r"s.csv, line 2.*12a"):
        read_indented(write(tmp_path, "31.12.2018;1;  Schleswig-Holstein;12a\n"), "s.csv")
    with pytest.raises(ParseError, match=r"schutzsuchende_2018.csv.*value column not described"):
        read_regio_rows(write(tmp_path, "31.12.2018;1;  Schleswig-Holstein;12\n"), "schutzsuchende_2018.csv",
                        table="12531", columns={"andere_spalte": "X"})


@real
def test_real_2018_file():
    s = Settings(online="0")
    entry = load_catalogue()[DATASET]
    ctx = StepContext(DATASET, s, SnapshotStore(s), entry)
    obs = observations(importlib.import_module(entry["step"]).run(ctx).observations)
    validate_observations(obs, DATASET)
    v = obs.set_index("ags")
    assert v.loc["DG", "value"] == 1_781_750 and obs[obs["level"].eq("land")]["value"].sum() == 1_781_745
    assert v.loc["01001", "value"] == 3170 and v.loc["14713", "value"] == 15475 and v.loc["02", "value"] == 52730
    kreise = obs[obs["level"].eq("kreis")]
    assert len(kreise) == 399 and kreise["value"].notna().sum() == 391  # + Hamburg, Berlin (Land rows) = 401
    assert v.loc["06633", "flag"] == "booked_elsewhere" and v.loc["06611", "flag"] == "includes_other_kreise"
    assert v.loc["12071", "flag"] == "booked_elsewhere" and v.loc["12052", "value"] == 4935
    assert kreise[kreise["ags"].str.startswith("10")]["flag"].eq(".").all()  # Saarland: only the Land total
    assert "03152" not in v.index and "05354" not in v.index  # "-": no longer existing Kreise, not zeros
