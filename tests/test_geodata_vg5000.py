"""VG5000 reader and step: string keys with leading zeros, EPSG:4326, valid geometries, Länder GF filter,
editions (Stand → Gebietsstand) from the catalogue, and facts of the real editions 31.12.2023 and 01.01.2021."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon, box

import etl.steps.bkg_vg5000 as step
from etl.catalogue import load_catalogue
from etl.settings import Settings, get_settings
from etl.snapshots import SnapshotStore
from etl.step import StepContext
from geodata.assets import to_laea
from geodata.vg5000 import Vg5000Error, read_layer

MIRROR = get_settings().mirror
HAVE_STORE = (MIRROR / "bkg_vg5000_2023").is_dir() and (MIRROR / "bkg_vg5000_2021").is_dir()
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


# -- editions from the catalogue (hand-written store in tmp_path) -------------------------------------------

def _edition_store(tmp_path, folder: str, sub: str, stand_text: str):
    """A store folder with aktualitaet.txt and tiny GEM/KRS/LAN shapefiles (one square each)."""
    base = tmp_path / "mirror" / folder
    (base / sub).mkdir(parents=True)
    (base / "aktualitaet.txt").write_text(stand_text, encoding="utf-8")
    sq = box(X0, Y0, X0 + 1000, Y0 + 1000)
    for layer, ags in (("VG5000_GEM", "01001000"), ("VG5000_KRS", "01001"), ("VG5000_LAN", "01")):
        _write(base / sub, layer, [{"AGS": ags, "GEN": "Flensburg", "GF": 9, "BSG": 1}], [sq])
    return base


def _entry(editions: dict[str, tuple[str, str]], drop: str | None = None) -> dict:
    """Catalogue entry like etl/catalogue/bkg_vg5000.yml: {published: (folder, sub)}."""
    files = []
    for pub, (folder, sub) in editions.items():
        names = ["aktualitaet.txt"] + [f"{lay}{ext}" for lay in ("VG5000_GEM", "VG5000_KRS", "VG5000_LAN")
                                       for ext in step.PARTS]
        for n in names:
            if n == drop:
                continue
            path = n if n == "aktualitaet.txt" else f"{sub}/{n}"
            files.append({"name": f"vg5000_{pub}/{n}", "folder": folder, "path": path, "published": pub})
    return {"id": step.DATASET, "mirror": "unused", "files": files}


def _ctx(tmp_path, entry) -> StepContext:
    s = Settings(snapshot_dir=str(tmp_path / "snap"), mirror_dir=str(tmp_path / "mirror"), online="0")
    return StepContext(dataset=step.DATASET, settings=s, store=SnapshotStore(s), entry=entry)


def test_fixture_two_editions_each_with_its_gebietsstand(tmp_path):
    _edition_store(tmp_path, "vg_a", "vg5000_ebenen_0101", "01.01.2021\n\n")
    _edition_store(tmp_path, "vg_b", "vg5000_ebenen_1231", "31.12.2023\n")
    ctx = _ctx(tmp_path, _entry({"2021-01-01": ("vg_a", "vg5000_ebenen_0101"),
                                 "2023-12-31": ("vg_b", "vg5000_ebenen_1231")}))
    df = step.run(ctx).tables["vg5000_geom"]
    got = df.groupby(["edition", "gebietsstand", "stand"]).size().to_dict()
    assert got == {("2021-01-01", "2020-12-31", "01.01.2021"): 3, ("2023-12-31", "2023-12-31", "31.12.2023"): 3}
    assert set(df.loc[df["edition"] == "2023-12-31", "source_file"]) == {
        "vg5000_2023-12-31/VG5000_GEM.shp", "vg5000_2023-12-31/VG5000_KRS.shp", "vg5000_2023-12-31/VG5000_LAN.shp"}
    assert len(ctx.snapshots) == 32 and ctx.snapshots[0].path.endswith("vg_b/aktualitaet.txt")  # newest first


def test_fixture_stand_must_match_published(tmp_path):
    _edition_store(tmp_path, "vg_b", "vg5000_ebenen_1231", "31.12.2022\n")
    with pytest.raises(Vg5000Error, match=r"aktualitaet.txt says Stand 31.12.2022.*published: 2023-12-31"):
        step.run(_ctx(tmp_path, _entry({"2023-12-31": ("vg_b", "vg5000_ebenen_1231")})))


def test_fixture_incomplete_edition_names_the_missing_file(tmp_path):
    _edition_store(tmp_path, "vg_b", "vg5000_ebenen_1231", "31.12.2023\n")
    with pytest.raises(Vg5000Error, match=r"edition published 2023-12-31 lacks catalogue files \['VG5000_KRS.dbf'\]"):
        step.run(_ctx(tmp_path, _entry({"2023-12-31": ("vg_b", "vg5000_ebenen_1231")}, drop="VG5000_KRS.dbf")))


def test_stand_to_gebietsstand():
    import datetime as dt
    assert step.edition_gebietsstand(dt.date(2021, 1, 1)) == dt.date(2020, 12, 31)
    assert step.edition_gebietsstand(dt.date(2023, 12, 31)) == dt.date(2023, 12, 31)
    with pytest.raises(Vg5000Error, match="30.06.2023 is neither"):
        step.edition_gebietsstand(dt.date(2023, 6, 30))
    with pytest.raises(Vg5000Error, match="expected a date DD.MM.YYYY, got 'Stand 2023'"):
        step.parse_stand("Stand 2023", "x")


def test_catalogue_lists_both_editions_with_folder_and_published():
    files = load_catalogue()[step.DATASET]["files"]
    by_pub = {}
    for f in files:
        by_pub.setdefault(f["published"], set()).add(f["folder"])
    assert by_pub == {"2023-12-31": {"bkg_vg5000_2023"}, "2021-01-01": {"bkg_vg5000_2021"}}
    assert len(files) == 32


# -- real files ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_vg5000():
    s = Settings(snapshot_dir="/nonexistent-snapshots", online="0")
    ctx = StepContext(dataset=step.DATASET, settings=s, store=SnapshotStore(s), entry=load_catalogue()[step.DATASET])
    out = step.run(ctx)
    assert out.observations is None and not ctx.warnings
    return out.tables["vg5000_geom"]


@pytest.mark.skipif(not HAVE_STORE, reason="store not present")
def test_real_counts_and_validity(real_vg5000):
    df = real_vg5000
    assert df.groupby(["edition", "level"]).size().to_dict() == {
        ("2023-12-31", "gemeinde"): 10978, ("2023-12-31", "kreis"): 400, ("2023-12-31", "land"): 16,
        ("2021-01-01", "gemeinde"): 10997, ("2021-01-01", "kreis"): 401, ("2021-01-01", "land"): 16}
    inv = df.groupby(["edition", "level"])["n_invalid_source"].first()
    assert inv[("2021-01-01", "gemeinde")] == 3       # SOURCE.md 2021: 3 invalid GEM
    assert inv[("2023-12-31", "gemeinde")] == 0       # SOURCE.md 2023: all valid
    assert shapely.is_valid(shapely.from_wkb(df["wkb"].tolist())).all()
    for (edition, level), keys in df.groupby(["edition", "level"])["ags"]:
        n = {"gemeinde": 8, "kreis": 5, "land": 2}[level]
        assert keys.str.fullmatch(rf"\d{{{n}}}").all() and keys.is_unique, (edition, level)


@pytest.mark.skipif(not HAVE_STORE, reason="store not present")
def test_real_2023_edition_facts(real_vg5000):
    """Pinned from ../shared/opendata/bkg_vg5000_2023/SOURCE.md (cross-checked there with the GV 31.12.2023)."""
    d = real_vg5000[real_vg5000["edition"] == "2023-12-31"]
    assert set(d["stand"]) == {"31.12.2023"} and set(d["gebietsstand"]) == {"2023-12-31"}
    gem = d[d["level"] == "gemeinde"]
    assert gem["bez"].value_counts().to_dict()["Gemeindefreies Gebiet"] == 205
    assert int((gem["bez"] != "Gemeindefreies Gebiet").sum()) == 10773          # Gemeinden on 31.12.2023
    per_land = gem["ags"].str[:2].value_counts().to_dict()
    assert per_land == {"01": 1106, "02": 1, "03": 964, "04": 2, "05": 396, "06": 425, "07": 2301, "08": 1103,
                        "09": 2228, "10": 52, "11": 1, "12": 413, "13": 726, "14": 418, "15": 218, "16": 624}
    ix = d.set_index(["level", "ags"])
    assert ix.loc[("gemeinde", "01001000"), "ars"] == "010010000000"            # Flensburg
    assert ix.loc[("gemeinde", "01001000"), "name"] == "Flensburg"
    assert ix.loc[("kreis", "01001"), "bez"] == "Kreisfreie Stadt"
    assert ix.loc[("gemeinde", "16063105"), "name"] == "Eisenach"               # in Wartburgkreis since 2021
    assert ("kreis", "16056") not in ix.index and ("kreis", "16063") in ix.index
    assert ("kreis", "03159") in ix.index and ("kreis", "03152") not in ix.index  # Göttingen
    for ags in ("07000999", "10042999", "13000998", "13000999"):                # no polygon in this edition
        assert ("gemeinde", ags) not in ix.index
    leipzig = shapely.from_wkb(ix.loc[("gemeinde", "14713000"), "wkb"])
    assert leipzig.contains(shapely.Point(12.37, 51.34))                        # lon, lat after reprojection
    area = shapely.area(to_laea(shapely.from_wkb(gem["wkb"].tolist()))).sum() / 1e6
    assert area == pytest.approx(357_218, abs=1)                                # SOURCE.md: EPSG:3035 km²


@pytest.mark.skipif(not HAVE_STORE, reason="store not present")
def test_real_2021_edition_spot_checks(real_vg5000):
    d = real_vg5000[real_vg5000["edition"] == "2021-01-01"]
    assert set(d["gebietsstand"]) == {"2020-12-31"}
    ix = d.set_index(["level", "ags"])
    assert ix.loc[("gemeinde", "14713000"), "ars"] == "147130000000"        # Leipzig
    assert ix.loc[("gemeinde", "03459008"), "ars"] == "034590008008"        # Belm
    assert ("gemeinde", "05913000") in ix.index                             # Dortmund
    assert ("kreis", "06632") in ix.index and ("kreis", "16056") in ix.index  # Hersfeld-Rotenburg; Eisenach (2020)
