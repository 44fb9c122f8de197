"""VG5000 reader and step: string keys with leading zeros, EPSG:4326, valid geometries, Länder GF filter."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon, box

from etl.catalogue import load_catalogue
from etl.settings import Settings, get_settings
from etl.snapshots import SnapshotStore
from etl.step import StepContext
from geodata.vg5000 import Vg5000Error, read_layer

MIRROR = get_settings().mirror / "bkg_vg5000_2021"
# Gauss-Krüger zone 3 coordinates around Kiel/Flensburg
X0, Y0 = 3550000, 6050000


def _write(tmp_path, name, rows, geoms):
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:31467")
    for col in ("ARS", "GEN", "BEZ", "NUTS"):
        gdf[col] = gdf.get(col, "x")
    path = tmp_path / f"{name}.shp"
    gdf.to_file(path, engine="pyogrio")
    return path


@pytest.fixture()
def gem_shp(tmp_path):
    bowtie = Polygon([(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0 + 1000)])  # self-intersecting
    rows = [{"AGS": "01001000", "ARS": "010010000000", "GEN": "Flensburg", "BEZ": "Stadt", "GF": 9, "BSG": 1,
             "NUTS": "DEF01"},
            {"AGS": "01002000", "ARS": "010020000000", "GEN": "Kiel", "BEZ": "Stadt", "GF": 9, "BSG": 1,
             "NUTS": "DEF02"}]
    return _write(tmp_path, "VG5000_GEM", rows, [bowtie, box(X0 + 1000, Y0, X0 + 3000, Y0 + 2000)])


def test_fixture_keys_are_strings_with_leading_zeros(gem_shp):
    df = read_layer(gem_shp, "gemeinde")
    assert df["ags"].tolist() == ["01001000", "01002000"]
    assert all(isinstance(a, str) for a in df["ars"])
    assert df["ars"].iloc[0] == "010010000000"


def test_fixture_invalid_geometry_is_made_valid_and_reprojected(gem_shp):
    df = read_layer(gem_shp, "gemeinde")
    g = shapely.from_wkb(df["wkb"].tolist())
    assert df["n_invalid_source"].iloc[0] == 1
    assert shapely.is_valid(g).all()
    assert set(shapely.get_type_id(g)) <= {3, 6}  # polygons only, no stray lines
    minx, miny, maxx, maxy = shapely.total_bounds(g)
    assert 5.5 < minx < maxx < 15.5 and 47 < miny < maxy < 55.5   # lon/lat, not Gauss-Krüger metres


def test_fixture_land_keeps_only_gf9(tmp_path):
    rows = [{"AGS": "01", "GEN": "Schleswig-Holstein", "GF": 9, "BSG": 1},
            {"AGS": "01", "GEN": "Schleswig-Holstein", "GF": 8, "BSG": 1}]
    path = _write(tmp_path, "VG5000_LAN", rows, [box(X0, Y0, X0 + 10, Y0 + 10), box(X0 + 20, Y0, X0 + 30, Y0 + 10)])
    df = read_layer(path, "land")
    assert df["ags"].tolist() == ["01"]


def test_fixture_bad_key_fails(tmp_path):
    rows = [{"AGS": "1001000", "GEN": "int-key", "GF": 9, "BSG": 1}]  # leading zero lost upstream
    path = _write(tmp_path, "VG5000_GEM", rows, [box(X0, Y0, X0 + 10, Y0 + 10)])
    with pytest.raises(Vg5000Error, match="not 8 digits"):
        read_layer(path, "gemeinde")


@pytest.fixture(scope="module")
def real_vg5000():
    import etl.steps.bkg_vg5000_2021 as step
    s = Settings(snapshot_dir="/nonexistent-snapshots", online="0")
    ctx = StepContext(dataset=step.DATASET, settings=s, store=SnapshotStore(s), entry=load_catalogue()[step.DATASET])
    out = step.run(ctx)
    assert out.observations is None and not ctx.warnings
    return out.tables["vg5000_geom"]


@pytest.mark.skipif(not MIRROR.is_dir(), reason="store not present")
def test_real_counts_and_validity(real_vg5000):
    df = real_vg5000
    assert df.groupby("level").size().to_dict() == {"gemeinde": 10997, "kreis": 401, "land": 16}
    assert df.groupby("level")["n_invalid_source"].first()["gemeinde"] == 3   # SOURCE.md: 3 invalid GEM
    assert shapely.is_valid(shapely.from_wkb(df["wkb"].tolist())).all()
    for level, n in {"gemeinde": 8, "kreis": 5, "land": 2}.items():
        keys = df.loc[df["level"] == level, "ags"]
        assert keys.str.fullmatch(rf"\d{{{n}}}").all() and keys.is_unique


@pytest.mark.skipif(not MIRROR.is_dir(), reason="store not present")
def test_real_spot_checks(real_vg5000):
    df = real_vg5000.set_index(["level", "ags"])
    assert df.loc[("gemeinde", "14713000"), "ars"] == "147130000000"        # Leipzig
    assert df.loc[("gemeinde", "03459008"), "ars"] == "034590008008"        # Belm
    assert ("gemeinde", "05913000") in df.index                             # Dortmund
    assert ("kreis", "06632") in df.index and ("kreis", "16056") in df.index  # Hersfeld-Rotenburg; Eisenach (2020)
    leipzig = shapely.from_wkb(df.loc[("gemeinde", "14713000"), "wkb"])
    assert leipzig.contains(shapely.Point(12.37, 51.34))                   # Leipzig city centre (lon, lat)
