"""geodata.build: dissolve by crosswalk, statuses and reasons, tables, content-hashed assets, check report."""
from __future__ import annotations

import gzip
import json
import re

import duckdb
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from etl.settings import Settings, get_settings
from geodata.assets import to_laea
from geodata.build import post_build
from geodata.cli import check
from warehouse.connection import connect_writer

OLD = {  # Gebietsstand 31.12.2020 (lon/lat squares)
    "16063001": box(10.0, 51.0, 10.1, 51.1),
    "16063002": box(10.1, 51.0, 10.2, 51.1),   # merged into 16063001
    "16056000": box(10.2, 51.0, 10.3, 51.1),   # Eisenach: key change to 16063105, Kreis 16056 → 16063
    "16063003": box(10.0, 51.1, 10.1, 51.2),   # unchanged, receives most of 16063004
    "16063004": box(10.1, 51.1, 10.2, 51.2),   # split: 0.8 → 16063003, 0.2 → 16063006 (new)
}
CURRENT_GEM = ["16063001", "16063105", "16063003", "16063006", "16063999"]
CROSSWALK = [("16063001", "16063001", 1.0), ("16063002", "16063001", 1.0), ("16056000", "16063105", 1.0),
             ("16063003", "16063003", 1.0), ("16063004", "16063003", 0.8), ("16063004", "16063006", 0.2)]


def _stub_db(path, with_crosswalk=True):
    con = connect_writer(path)
    old = [("gemeinde", k, f"G{k}", g) for k, g in OLD.items()]
    old += [("kreis", "16056", "Eisenach", OLD["16056000"]),
            ("kreis", "16063", "Wartburgkreis", shapely.union_all([g for k, g in OLD.items() if k != "16056000"])),
            ("land", "16", "Thüringen", shapely.union_all(list(OLD.values())))]
    stg = pd.DataFrame([{"level": lv, "ags": a, "name": n, "wkb": shapely.to_wkb(g), "edition": "2021-01-01",
                         "gebietsstand": "2020-12-31"} for lv, a, n, g in old])
    reg = pd.DataFrame([("16", "land", "Thüringen"), ("16063", "kreis", "Wartburgkreis")]
                       + [(a, "gemeinde", f"N{a}") for a in CURRENT_GEM], columns=["ags", "level", "name"])
    for name, df in (("staging.vg5000_geom", stg), ("core.dim_region", reg)):
        con.register("_d", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _d")
        con.unregister("_d")
    if with_crosswalk:
        cw = pd.DataFrame(CROSSWALK, columns=["from_ags", "to_ags", "weight_pop"])
        cw["from_gebietsstand"] = pd.Timestamp("2020-12-31")
        cw["changed"] = cw["from_ags"] != cw["to_ags"]
        cw["source"] = "stub"
        con.register("_d", cw)
        con.execute("CREATE TABLE intermediate.crosswalk_gemeinde AS SELECT * FROM _d")
        con.unregister("_d")
    return con


@pytest.fixture()
def built(tmp_settings):
    con = _stub_db(tmp_settings.warehouse)
    post_build(con, tmp_settings)
    geo = con.execute("SELECT * FROM core.geo_region").df().set_index(["level", "ags"])
    yield con, geo
    con.close()


def _area(wkb) -> float:
    return float(shapely.area(to_laea(shapely.from_wkb([bytes(wkb)])))[0])


def _old_area(*keys) -> float:
    return float(sum(shapely.area(to_laea([OLD[k] for k in keys]))))


def test_merged_gemeinde_area_is_sum_of_predecessors(built):
    _, geo = built
    r = geo.loc[("gemeinde", "16063001")]
    assert r["boundary_status"] == "dissolved" and "16063002" in r["note"]
    assert _area(r["wkb"]) == pytest.approx(_old_area("16063001", "16063002"), rel=1e-9)
    assert shapely.from_wkb(bytes(r["wkb"])).geom_type == "Polygon"   # one polygon, no inner seam


def test_kreis_eisenach_dissolves_into_wartburgkreis(built):
    con, geo = built
    r = geo.loc[("kreis", "16063")]
    assert r["boundary_status"] == "dissolved" and "16056" in r["note"]
    assert _area(r["wkb"]) == pytest.approx(_old_area(*OLD), rel=1e-9)
    xw = con.execute("SELECT change_type FROM core.geo_crosswalk WHERE level='kreis' AND old_ags='16056'").fetchall()
    assert xw == [("merged",)]


def test_key_change_split_and_missing_have_status_and_reason(built):
    con, geo = built
    assert geo.loc[("gemeinde", "16063105"), "note"] == "key change from 16056000"
    split = geo.loc[("gemeinde", "16063003")]                      # largest share gets the polygon
    assert _area(split["wkb"]) == pytest.approx(_old_area("16063003", "16063004"), rel=1e-9)
    for ags, words in {"16063006": "part of 16063004", "16063999": "no predecessor"}.items():
        r = geo.loc[("gemeinde", ags)]
        assert r["boundary_status"] == "not_available" and pd.isna(r["wkb"]) and words in r["note"]
    types = dict(con.execute("SELECT old_ags || '>' || new_ags, change_type FROM core.geo_crosswalk "
                             "WHERE level='gemeinde'").fetchall())
    assert types["16063004>16063006"] == "split" and types["16056000>16063105"] == "key_change"
    assert types["16063002>16063001"] == "merged"


def test_no_invalid_geometry_and_label_inside(built):
    _, geo = built
    g = geo[geo["wkb"].notna()]
    shapes = shapely.from_wkb([bytes(b) for b in g["wkb"]])
    assert shapely.is_valid(shapes).all()
    pts = shapely.points(g["centroid_lon"], g["centroid_lat"])
    assert shapely.contains(shapes, pts).all()
    assert (g["bbox_minx"] < g["centroid_lon"]).all() and (g["centroid_lat"] < g["bbox_maxy"]).all()


def test_assets_hashed_gzip_and_listed(built, tmp_settings):
    con, _ = built
    rows = con.execute("SELECT level, filename, sha256, bytes, gzip_bytes, features FROM marts.geo_assets").fetchall()
    assert {r[0] for r in rows} == {"land", "kreis", "gemeinde"}
    for level, fn, sha, nbytes, gz, feats in rows:
        assert re.fullmatch(rf"{level}\.[0-9a-f]{{12}}\.json", fn) and fn.split(".")[1] == sha[:12]
        body = (tmp_settings.assets / fn).read_bytes()
        assert len(body) == nbytes and gzip.decompress((tmp_settings.assets / (fn + ".gz")).read_bytes()) == body
        fc = json.loads(body)
        assert len(fc["features"]) == feats and all(isinstance(f["id"], str) for f in fc["features"])
    gem = json.loads((tmp_settings.assets / [r[1] for r in rows if r[0] == "gemeinde"][0]).read_bytes())
    assert sorted(f["id"] for f in gem["features"]) == ["16063001", "16063003", "16063105"]


def test_check_lists_missing_units_with_reason(built, tmp_settings):
    con, _ = built
    con.execute("CHECKPOINT")
    con.close()
    text, ok = check(tmp_settings)
    assert "16063006" in text and "part of 16063004" in text and "16063999" in text
    assert not ok   # the stub has 1 Land and 1 Kreis, not 16 and 400


def test_without_crosswalk_says_so(tmp_settings):
    con = _stub_db(tmp_settings.warehouse, with_crosswalk=False)
    post_build(con, tmp_settings)
    con.execute("CHECKPOINT")
    con.close()
    text, ok = check(tmp_settings)
    assert "crosswalk_gemeinde is missing" in text and not ok


def test_check_prints_edition_coverage_and_units_without_polygon(built, tmp_settings):
    con, _ = built
    con.execute("CHECKPOINT")
    con.close()
    text, _ = check(tmp_settings)
    assert "Boundaries: BKG VG5000 01.01.2021 (Gebietsstand 31.12.2020)" in text
    assert "Polygons per edition: VG5000 01.01.2021 (Gebietsstand 31.12.2020): 5" in text   # 3 Gem + 1 Kreis + 1 Land
    assert "  Gemeinden: 3/5 (60.00 %)\n  Kreise: 1/1 (100.00 %)\n  Länder: 1/1 (100.00 %)" in text
    assert "Units without polygon: 2 (Gemeinden 2, Kreise 0, Länder 0); reasons:" in text


def test_coverage_share_is_rounded_down():
    from geodata.cli import _pct
    assert _pct(10952, 10953) == "99.99" and _pct(10949, 10953) == "99.96" and _pct(16, 16) == "100.00"
    assert _pct(0, 0) == "–"


def test_asset_names_its_edition(built, tmp_settings):
    con, geo = built
    assert set(geo.loc[geo["wkb"].notna(), "source_edition"]) == {"VG5000 01.01.2021"}
    assert pd.Timestamp(geo.loc[("gemeinde", "16063001"), "source_gebietsstand"]) == pd.Timestamp("2020-12-31")
    assert geo.loc[geo["wkb"].isna(), "source_edition"].isna().all()
    fn, eds, gs = con.execute("SELECT filename, editions, gebietsstand FROM marts.geo_assets "
                              "WHERE level = 'gemeinde'").fetchone()
    assert eds == "VG5000 01.01.2021: 3" and gs == "2020-12-31"
    fc = json.loads((tmp_settings.assets / fn).read_bytes())
    assert fc["edition"] == "VG5000 01.01.2021" and fc["gebietsstand"] == "2020-12-31"
    assert all(f["properties"] == {} for f in fc["features"])


# -- two editions: the newest is the map, an older one only fills a gap that does not overlap ---------------

NEW = {  # Gebietsstand 31.12.2023: 16063001 and 16063003 as before; 16063105 (Eisenach) missing in this edition
    "16063001": shapely.union_all([OLD["16063001"], OLD["16063002"]]),
    "16063003": shapely.union_all([OLD["16063003"], OLD["16063004"]]),
}


def _two_edition_db(path, new_extra=None):
    con = _stub_db(path)
    rows = [("gemeinde", k, f"G{k}", g) for k, g in {**NEW, **(new_extra or {})}.items()]
    rows += [("kreis", "16063", "Wartburgkreis", shapely.union_all(list(OLD.values()))),
             ("land", "16", "Thüringen", shapely.union_all(list(OLD.values())))]
    new = pd.DataFrame([{"level": lv, "ags": a, "name": n, "wkb": shapely.to_wkb(g), "edition": "2023-12-31",
                         "gebietsstand": "2023-12-31"} for lv, a, n, g in rows])
    con.register("_d", new)
    con.execute("INSERT INTO staging.vg5000_geom SELECT * FROM _d")
    con.unregister("_d")
    cw = pd.DataFrame([(a, a, 1.0) for a in CURRENT_GEM], columns=["from_ags", "to_ags", "weight_pop"])
    cw["from_gebietsstand"] = pd.Timestamp("2023-12-31")
    cw["changed"] = False
    cw["source"] = "stub 2023"
    con.register("_d", cw)
    con.execute("INSERT INTO intermediate.crosswalk_gemeinde SELECT * FROM _d")
    con.unregister("_d")
    return con


def test_newest_edition_wins_and_older_fills_a_gap(tmp_settings):
    con = _two_edition_db(tmp_settings.warehouse)
    post_build(con, tmp_settings)
    geo = con.execute("SELECT * FROM core.geo_region").df().set_index(["level", "ags"])
    r = geo.loc[("gemeinde", "16063001")]
    assert r["source_edition"] == "VG5000 31.12.2023" and r["boundary_status"] == "ok"   # no dissolve needed now
    assert geo.loc[("kreis", "16063"), "source_edition"] == "VG5000 31.12.2023"
    e = geo.loc[("gemeinde", "16063105")]                       # only the 2021 edition has it (as 16056000)
    assert e["source_edition"] == "VG5000 01.01.2021" and pd.Timestamp(e["source_gebietsstand"]) == pd.Timestamp("2020-12-31")
    assert "older edition VG5000 01.01.2021" in e["note"] and "key change from 16056000" in e["note"]
    assert _area(e["wkb"]) == pytest.approx(_old_area("16056000"), rel=1e-9)
    assert "none in the older edition(s) VG5000 01.01.2021" in geo.loc[("gemeinde", "16063999"), "note"]
    eds = con.execute("SELECT editions FROM marts.geo_assets WHERE level = 'gemeinde'").fetchone()[0]
    assert eds == "VG5000 31.12.2023: 2; VG5000 01.01.2021: 1"
    fn = con.execute("SELECT filename FROM marts.geo_assets WHERE level = 'gemeinde'").fetchone()[0]
    fc = json.loads((tmp_settings.assets / fn).read_bytes())
    props = {f["id"]: f["properties"] for f in fc["features"]}
    assert fc["edition"] == "VG5000 31.12.2023" and props["16063105"] == {"edition": "VG5000 01.01.2021"}
    assert props["16063001"] == {}
    con.execute("CHECKPOINT")
    con.close()
    text, _ = check(tmp_settings)
    assert "Boundaries: BKG VG5000 31.12.2023 (Gebietsstand 31.12.2023)" in text
    assert ("Polygons per edition: VG5000 31.12.2023 (Gebietsstand 31.12.2023): 4; "
            "VG5000 01.01.2021 (Gebietsstand 31.12.2020): 1") in text
    assert "  Gemeinden: 3/5 (60.00 %)" in text


def test_older_polygon_overlapping_the_newest_coverage_is_not_used(tmp_settings):
    # the 2023 edition gave Eisenach's old territory to 16063003: the 2021 polygon of 16063105 would overlap
    con = _two_edition_db(tmp_settings.warehouse, new_extra={})
    con.execute("DELETE FROM staging.vg5000_geom WHERE edition = '2023-12-31' AND ags = '16063003'")
    grown = shapely.union_all([OLD["16063003"], OLD["16063004"], OLD["16056000"]])
    con.execute("INSERT INTO staging.vg5000_geom VALUES ('gemeinde', '16063003', 'G', ?, '2023-12-31', '2023-12-31')",
                [shapely.to_wkb(grown)])
    post_build(con, tmp_settings)
    status, note, ed = con.execute("SELECT boundary_status, note, source_edition FROM core.geo_region "
                                   "WHERE ags = '16063105'").fetchone()
    assert status == "not_available" and ed is None
    assert "VG5000 01.01.2021 has a polygon for it, but 100% of it lies in other units" in note
    con.close()


# -- real data: VG5000 31.12.2023 + GV100AD 30.11.2025, Obergeckler (2024 merger) via a two-row crosswalk -----

MIRROR = get_settings().mirror


@pytest.mark.skipif(not (MIRROR / "bkg_vg5000_2023").is_dir(), reason="store not present")
def test_real_build_budget_and_shared_borders(tmp_path):
    import etl.steps.bkg_vg5000 as step
    from etl.catalogue import load_catalogue
    from etl.parsers.gv100ad import parse_gv100ad
    from etl.snapshots import SnapshotStore
    from etl.step import StepContext
    s = Settings(warehouse_path=str(tmp_path / "wh.duckdb"), snapshot_dir=str(tmp_path / "snap"),
                 asset_dir=str(tmp_path / "assets"), online="0")
    stg = step.run(StepContext(step.DATASET, s, SnapshotStore(s), load_catalogue()[step.DATASET])).tables["vg5000_geom"]
    stg = stg[stg["edition"] == "2023-12-31"]          # the map's edition; the fallback is tested on the stub
    gv = parse_gv100ad(MIRROR / "destatis_gemeindeverzeichnis_2025" / "GV100AD_30112025.txt")
    reg = pd.concat([gv[gv.satzart == "60"].assign(level="gemeinde")[["ags", "level", "name"]],
                     gv[gv.satzart == "40"].assign(level="kreis", ags=gv["kreis_ags"])[["ags", "level", "name"]],
                     gv[gv.satzart == "10"].assign(level="land", ags=gv["land"])[["ags", "level", "name"]]])
    # Obergeckler 07232503 = Gemeinden 07232089 + 07232096 of 31.12.2023 (the warehouse takes this from the
    # Destatis change lists; here two rows are enough)
    cw = pd.DataFrame({"from_gebietsstand": [pd.Timestamp("2023-12-31")] * 2, "from_ags": ["07232089", "07232096"],
                       "to_ags": ["07232503"] * 2, "weight_pop": [1.0, 1.0], "changed": [True, True],
                       "source": ["test"] * 2})
    con = duckdb.connect()
    for sch in ("staging", "core", "intermediate", "marts"):
        con.execute(f"CREATE SCHEMA {sch}")
    for name, df in (("staging.vg5000_geom", stg), ("core.dim_region", reg), ("intermediate.crosswalk_gemeinde", cw)):
        con.register("_d", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _d")
        con.unregister("_d")
    post_build(con, s)
    counts = dict(con.execute("SELECT level, count(wkb) FROM core.geo_region GROUP BY 1").fetchall())
    assert counts["land"] == 16 and counts["kreis"] == 400
    assert con.execute("SELECT count(*) FROM core.geo_region WHERE level IN ('land', 'kreis') AND "
                       "(boundary_status <> 'ok' OR source_edition <> 'VG5000 31.12.2023')").fetchone()[0] == 0
    status, note = con.execute("SELECT boundary_status, note FROM core.geo_region WHERE ags='07232503'").fetchone()
    assert status == "dissolved" and note == "dissolved from 07232089, 07232096"
    assert con.execute("SELECT boundary_status FROM core.geo_region WHERE ags='16063105'").fetchone()[0] == "ok"
    old = {a: _area(w) for a, w in con.execute(
        "SELECT ags, wkb FROM staging.vg5000_geom WHERE ags IN ('07232089','07232096')").fetchall()}
    new = _area(con.execute("SELECT wkb FROM core.geo_region WHERE ags='07232503'").fetchone()[0])
    assert new == pytest.approx(old["07232089"] + old["07232096"], rel=1e-6)
    wkbs = [bytes(w) for (w,) in con.execute("SELECT wkb FROM core.geo_region WHERE wkb IS NOT NULL").fetchall()]
    assert shapely.is_valid(shapely.from_wkb(wkbs)).all()
    # every unit without polygon has a reason
    assert con.execute("SELECT count(*) FROM core.geo_region WHERE boundary_status='not_available' "
                       "AND coalesce(note,'')=''").fetchone()[0] == 0
    assets = {r[0]: r for r in con.execute("SELECT level, filename, gzip_bytes FROM marts.geo_assets").fetchall()}
    assert assets["gemeinde"][2] <= 1_200_000          # budget: all Gemeinden ≤ 1.2 MB compressed
    assert assets["kreis"][2] + assets["land"][2] <= 400_000
    # shared borders stay shared: no overlaps, and no more narrow gaps (< ~200 m) than the source has
    fc = json.loads((s.assets / assets["gemeinde"][1]).read_bytes())
    simple = [shapely.geometry.shape(f["geometry"]) for f in fc["features"]]
    assert shapely.coverage_is_valid(simple, gap_width=0.0)
    src = shapely.from_wkb([bytes(w) for (w,) in con.execute(
        "SELECT wkb FROM staging.vg5000_geom WHERE level='gemeinde'").fetchall()])
    n_src = int((~shapely.is_empty(shapely.coverage_invalid_edges(src, gap_width=0.002))).sum())
    n_out = int((~shapely.is_empty(shapely.coverage_invalid_edges(simple, gap_width=0.002))).sum())
    assert n_out <= n_src


def test_real_warehouse_check_coverage(real_warehouse):
    """`geodata check` on the real build: VG5000 31.12.2023 on the GV100AD 30.11.2025 units."""
    text, ok = check(get_settings())
    assert ok, text
    assert text.startswith("Boundaries: BKG VG5000 31.12.2023 (Gebietsstand 31.12.2023), matched to the units "
                           "of core.dim_region (Gebietsstand 30.11.2025)")
    assert "Polygons per edition: VG5000 31.12.2023 (Gebietsstand 31.12.2023): 11,365" in text  # 10,949 + 400 + 16
    assert "  Gemeinden: 10,949/10,953 (99.96 %)\n  Kreise: 400/400 (100.00 %)\n  Länder: 16/16 (100.00 %)" in text
    assert "Units without polygon: 4 (Gemeinden 4, Kreise 0, Länder 0); reasons:" in text
    missing = re.findall(r"^  gemeinde (\d{8}) .*none in the older edition\(s\) VG5000 01.01.2021 either$", text, re.M)
    assert missing == ["07000999", "10042999", "13000998", "13000999"]
    assert "13000998  gemeindefreies Gebiet M-V" in text and "created after 28.02.2025" in text
    # VG250 Kreise as a check of the Kreis geometry (dataset bkg_vg250_kreise)
    assert "Kreis geometry vs. BKG VG250 Kreise 01.01.2025 (GF 4 land areas, 1:250 000): 400/400 Kreise compared" in text
    assert "largest 4.38 % (09461 Bamberg: 52.6 vs 55.0 km²)" in text and "! kreis" not in text
