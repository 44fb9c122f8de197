"""BKG VG250 Kreise as a check of the map's Kreis geometry: reader (brotli GeoJSON, GF 4 only, string keys),
the per-Kreis comparison in geodata.build.kreis_check, its lines in `geodata check`, and real-file facts."""
from __future__ import annotations

import json

import brotli
import pandas as pd
import pytest
import shapely
from shapely.geometry import box, mapping

import etl.steps.bkg_vg250_kreise as step
from etl.catalogue import load_catalogue
from etl.settings import Settings, get_settings
from etl.snapshots import SnapshotStore
from etl.step import StepContext
from geodata.build import kreis_check
from geodata.vg5000 import Vg5000Error

MIRROR = get_settings().mirror / "bkg_vg250_kreise_2023-2025"


def _br(features: list[tuple[dict, object]]) -> bytes:
    fc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
          "features": [{"type": "Feature", "properties": p, "geometry": mapping(g)} for p, g in features]}
    return brotli.compress(json.dumps(fc).encode())


def test_fixture_reads_gf4_only_with_string_keys():
    land, water = box(9.40, 54.75, 9.50, 54.82), box(9.50, 54.75, 9.60, 54.82)
    raw = _br([({"ARS": "01001", "GEN": "Flensburg", "BEZ": "Kreisfreie Stadt", "GF": 4}, land),
               ({"ARS": "01001", "GEN": "Flensburg", "BEZ": "Kreisfreie Stadt", "GF": 2}, water)])
    df = step.read_kreise(raw, "t")
    assert df["ars"].tolist() == ["01001"] and isinstance(df["ars"].iloc[0], str)
    assert df["area_km2"].iloc[0] == pytest.approx(6.4 * 7.8, rel=0.05)   # ~6.4 km × 7.8 km at 54.8° N


def test_fixture_bad_key_and_bad_stream_fail():
    with pytest.raises(Vg5000Error, match="ARS not 5 digits, e.g. '1001'"):
        step.read_kreise(_br([({"ARS": "1001", "GEN": "x", "BEZ": "x", "GF": 4}, box(9, 54, 9.1, 54.1))]), "t")
    with pytest.raises(Vg5000Error, match="t: not a brotli stream"):
        step.read_kreise(b'{"type": "FeatureCollection"}', "t")


def _geo(kreise: dict) -> pd.DataFrame:
    return pd.DataFrame([{"ags": k, "level": "kreis", "name": f"K{k}", "wkb": shapely.to_wkb(g) if g else None}
                         for k, g in kreise.items()])


def _vg250(kreise: dict, edition="2025-01-01") -> pd.DataFrame:
    from geodata.assets import to_laea
    return pd.DataFrame([{"ars": k, "name": f"K{k}", "edition": edition, "wkb": shapely.to_wkb(g),
                          "area_km2": shapely.area(to_laea([g]))[0] / 1e6} for k, g in kreise.items()])


def test_kreis_check_measures_area_and_outline():
    a, b = box(10.0, 51.0, 10.1, 51.1), box(10.1, 51.0, 10.2, 51.1)
    half = box(10.1, 51.0, 10.15, 51.1)                      # the map lost half of 16002
    out = kreis_check(_geo({"16001": a, "16002": half, "16003": None}), _vg250({"16001": a, "16002": b, "16004": a}))
    r = out.set_index("ags")
    assert r.at["16001", "area_diff_pct"] == pytest.approx(0, abs=1e-9) and r.at["16001", "status"] == "ok"
    assert r.at["16002", "area_diff_pct"] == pytest.approx(-50, rel=1e-3)
    assert r.at["16002", "outline_mismatch_pct"] == pytest.approx(50, rel=1e-3)
    assert r.at["16003", "status"] == "not in VG250" and r.at["16004", "status"] == "not in core.dim_region"
    assert str(r.at["16001", "vg250_edition"]) == "2025-01-01"


def test_check_prints_vg250_comparison_and_fails_on_a_bad_kreis(tmp_settings):
    from geodata.build import post_build
    from geodata.cli import check
    from tests.test_geodata_build import OLD, _stub_db
    con = _stub_db(tmp_settings.warehouse)
    wartburg = shapely.union_all(list(OLD.values()))
    vg = _vg250({"16063": wartburg})
    con.register("_d", vg)
    con.execute("CREATE TABLE staging.vg250_kreis AS SELECT * FROM _d")
    con.unregister("_d")
    post_build(con, tmp_settings)
    con.execute("CHECKPOINT")
    con.close()
    text, _ = check(tmp_settings)
    assert "Kreis geometry vs. BKG VG250 Kreise 01.01.2025 (GF 4 land areas, 1:250 000): 1/1 Kreise compared" in text
    assert "largest 0.00 % (16063 Wartburgkreis" in text and "! kreis 16063" not in text
    # now the reference is twice as large: the map's Kreis is off by -50 %
    import duckdb
    con = duckdb.connect(str(tmp_settings.warehouse))
    big = shapely.union_all([wartburg, shapely.affinity.translate(wartburg, xoff=0.3)])
    con.register("_d", _vg250({"16063": big}))
    con.execute("CREATE OR REPLACE TABLE staging.vg250_kreis AS SELECT * FROM _d")
    con.unregister("_d")
    post_build(con, tmp_settings)
    con.execute("CHECKPOINT")
    con.close()
    text, ok = check(tmp_settings)
    assert "! kreis 16063 Wartburgkreis: area" in text and "(-50.00 %)" in text and not ok


@pytest.fixture(scope="module")
def real_vg250():
    s = Settings(snapshot_dir="/nonexistent-snapshots", online="0")
    ctx = StepContext(dataset=step.DATASET, settings=s, store=SnapshotStore(s), entry=load_catalogue()[step.DATASET])
    out = step.run(ctx)
    assert out.observations is None and not ctx.warnings
    return out.tables["vg250_kreis"]


@pytest.mark.skipif(not MIRROR.is_dir(), reason="store not present")
def test_real_vg250_facts(real_vg250):
    """Pinned from ../shared/opendata/bkg_vg250_kreise_2023-2025/SOURCE.md."""
    df = real_vg250
    assert df.groupby("edition").size().to_dict() == {"2023-12-31": 400, "2024-12-31": 400, "2025-01-01": 400}
    for ed, d in df.groupby("edition"):
        assert d["ars"].is_unique and d["ars"].str.fullmatch(r"\d{5}").all()
        assert d["area_km2"].sum() == pytest.approx(357_185, abs=1), ed
    new = df[df["edition"] == "2025-01-01"].set_index("ars")
    assert new["wkb"].notna().all() and df.loc[df["edition"] != "2025-01-01", "wkb"].isna().all()
    assert new.at["01001", "name"] == "Flensburg" and new.at["01001", "bez"] == "Kreisfreie Stadt"
    assert "16056" not in new.index and "16063" in new.index and "03152" not in new.index and "03159" in new.index
    assert new.index.str[:2].value_counts().to_dict() == {
        "09": 96, "05": 53, "03": 45, "08": 44, "07": 36, "06": 26, "16": 22, "12": 18, "01": 15, "15": 14,
        "14": 13, "13": 8, "10": 6, "04": 2, "02": 1, "11": 1}
    names = df.pivot(index="ars", columns="edition", values="name")
    assert (names.nunique(axis=1) == 1).all()               # no Kreis changed 2023-12-31 … 2025-01-01
