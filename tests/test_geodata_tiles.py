"""Vector tiles cut from a geometry asset (geodata/tiles.py) and their route (geodata/api.py).

Tiles are decoded with GDAL's MVT driver (through DuckDB spatial's ST_Read): an independent reader, so a
tile that MapLibre could not read fails here too."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from geodata import tiles as T
from warehouse.connection import spatial_extension_path

pytestmark = pytest.mark.skipif(spatial_extension_path() is None, reason="DuckDB spatial extension not installed")


def square(lon: float, lat: float, d: float = 0.2) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d],
                                                [lon, lat]]]}


FEATURES = [("01001000", square(9.4, 54.7)),        # Flensburg-ish
            ("09162000", square(11.5, 48.1)),       # München-ish
            ("12052000", square(14.3, 51.7))]       # Cottbus-ish


@pytest.fixture()
def asset(tmp_path: Path) -> Path:
    fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "id": a, "properties": {}, "geometry": g}
                                                    for a, g in FEATURES]}
    path = tmp_path / "assets" / "gemeinde.0123456789ab.json"
    path.parent.mkdir()
    path.write_text(json.dumps(fc))
    return path


def decode(body: bytes, tmp_path: Path, name: str = "t.pbf") -> list[str]:
    """AGS of the features in an MVT tile, read by GDAL (ST_Read)."""
    f = tmp_path / name
    f.write_bytes(body)
    con = duckdb.connect()
    con.execute(f"LOAD '{spatial_extension_path()}'")
    return sorted(r[0] for r in con.execute(f"SELECT ags FROM ST_Read('{f}')").fetchall())


def test_the_z4_tile_holds_every_unit_with_its_ags(asset, tmp_path):
    ts = T.TileSet(asset)
    assert ts.covering(4) == [(8, 5)]                      # Germany is one z4 tile
    assert decode(ts.tile(4, 8, 5), tmp_path) == ["01001000", "09162000", "12052000"]
    # at z7 each square lies in its own tile
    x, y = T.lonlat_to_tile(11.6, 48.2, 7)
    assert decode(ts.tile(7, x, y), tmp_path, "m.pbf") == ["09162000"]


def test_tiles_outside_the_geometry_are_empty_and_bad_addresses_raise(asset):
    ts = T.TileSet(asset)
    assert ts.tile(4, 0, 0) == b""                          # the Pacific
    with pytest.raises(T.TileError, match="zoom 0–7"):
        ts.tile(T.MAX_ZOOM + 1, 0, 0)
    with pytest.raises(T.TileError):
        ts.tile(2, 4, 0)                                    # x outside 0..3


def test_same_asset_same_bytes_and_the_cache_is_reused_without_cutting(asset, tmp_path):
    cache = tmp_path / "cache"
    first = T.TileSet(asset, cache)
    n = first.warm()
    assert n == sum(len(first.covering(z)) for z in range(T.MAX_ZOOM + 1)) and (cache / T.tileset_name(asset.name) / ".complete").exists()
    second = T.TileSet(asset, cache)
    assert second.warm() == n and second._con is None      # read from the files: no DuckDB, nothing cut
    assert second.tile_gzip(4, 8, 5) == first.tile_gzip(4, 8, 5)
    assert T.TileSet(asset).tile(4, 8, 5) == first.tile(4, 8, 5)   # deterministic without a cache too


def test_tiles_url_follows_the_asset_url():
    v = T.TILES_VERSION
    assert T.tiles_url("/geo/gemeinde.0123456789ab.json") == f"/tiles/gemeinde.0123456789ab.v{v}/{{z}}/{{x}}/{{y}}.pbf"
    assert T.tiles_url("/prefix/geo/kreis.0123456789ab.json") == f"/prefix/tiles/kreis.0123456789ab.v{v}/{{z}}/{{x}}/{{y}}.pbf"
    assert T.asset_name(f"kreis.0123456789ab.v{v}") == "kreis.0123456789ab.json"
    assert T.asset_name("kreis.0123456789ab.v0") is None                 # tiles of an older cutting: gone
    assert T.tiles_url("/geo/../etc.json") is None and T.tiles_url(None) is None


def test_route_serves_gzip_immutable_tiles_204_outside_and_refuses_other_names(asset, tmp_path, monkeypatch):
    from flask import Flask

    from etl.settings import Settings
    from geodata.api import geo_blueprint
    app = Flask(__name__)
    app.register_blueprint(geo_blueprint(Settings(asset_dir=str(asset.parent))))
    c = app.test_client()
    base = "/tiles/" + T.tileset_name(asset.name)
    r = c.get(base + "/4/8/5.pbf", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    assert r.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert "immutable" in r.headers["Cache-Control"]
    assert decode(gzip.decompress(r.data), tmp_path) == ["01001000", "09162000", "12052000"]
    plain = c.get(base + "/4/8/5.pbf")
    assert "Content-Encoding" not in plain.headers and plain.data == gzip.decompress(r.data)
    assert c.get(base + "/4/0/0.pbf").status_code == 204
    assert c.get(base + "/9/0/0.pbf").status_code == 400
    assert c.get("/tiles/gemeinde.ffffffffffff.v" + T.TILES_VERSION + "/4/8/5.pbf").status_code == 404   # no asset
    assert c.get("/tiles/gemeinde.0123456789ab/4/8/5.pbf").status_code == 404          # no version
    assert c.get("/tiles/..%2F" + T.tileset_name(asset.name) + "/4/8/5.pbf").status_code == 404
    assert (asset.parent / "tiles" / T.tileset_name(asset.name) / "4-8-5.mvt.gz").is_file()   # for the other worker


def test_real_gemeinde_asset_every_gemeinde_from_z5_and_a_lighter_z4_tile(tmp_path):
    from etl.settings import get_settings
    assets = sorted(Path(get_settings().assets).glob("gemeinde.*.json"))
    if not assets:
        pytest.skip("no built geometry assets (integrationsatlas etl run)")
    fc = json.loads(assets[-1].read_text(encoding="utf-8"))
    ids = sorted(str(f["id"]) for f in fc["features"])
    ts = T.TileSet(assets[-1])
    assert ts.covering(4) == [(8, 5)] and len(ids) > 10000
    z5 = set()
    for i, (x, y) in enumerate(ts.covering(5)):
        z5 |= set(decode(ts.tile(5, x, y), tmp_path, f"z5-{i}.pbf"))
    assert sorted(z5) == ids                                 # from z5 on, every Gemeinde has its polygon
    z4 = decode(ts.tile(4, 8, 5), tmp_path)
    # z4 is cut from the coverage simplified to one pixel: units smaller than a pixel there may merge into
    # their neighbours (2 of 10,949: 16061062, 16074061, 1.5-4.5 km²), never more than 0.1 %
    assert set(z4) <= set(ids) and len(z4) >= 0.999 * len(ids)
    con = duckdb.connect()
    con.execute(f"LOAD '{spatial_extension_path()}'")
    (tmp_path / "z4.pbf").write_bytes(ts.tile(4, 8, 5))
    vertices = con.execute(f"SELECT sum(ST_NPoints(geom)) FROM ST_Read('{tmp_path / 'z4.pbf'}')").fetchone()[0]
    import shapely
    full = int(shapely.get_num_coordinates(shapely.from_geojson([json.dumps(f["geometry"]) for f in fc["features"]])).sum())
    assert vertices < 0.7 * full                             # ~95,000 of ~172,000 vertices


def test_the_map_layer_asks_for_the_zooms_the_tiles_have():
    js = (Path(__file__).resolve().parents[1] / "dashboard" / "assets" / "ia_map.js").read_text(encoding="utf-8")
    assert f"maxzoom: {T.MAX_ZOOM}, promoteId: \"ags\"" in js and f'"source-layer": geo.layer' in js
    assert T.LAYER == "units" and 'layer: "units"' in js
