"""geodata.api: immutable cached assets (gzip), asset URLs, compact values per selection, zoom targets."""
from __future__ import annotations

import gzip
import json

import brotli
import pandas as pd
import pytest
from flask import Flask

from geodata.api import geo_blueprint, values_payload
from geodata.build import post_build
from tests.test_geodata_build import _stub_db


@pytest.fixture()
def client(tmp_settings):
    con = _stub_db(tmp_settings.warehouse)
    post_build(con, tmp_settings)
    con.execute("DROP TABLE core.dim_region")
    con.execute("""CREATE TABLE core.dim_region AS SELECT * FROM (VALUES
        ('16063001', 'gemeinde', 'A', '16', 'kreisangehoerige_gemeinde', 'kleinstadt', 'east'),
        ('16063105', 'gemeinde', 'Eisenach', '16', 'kreisangehoerige_gemeinde', 'mittelstadt', 'east'),
        ('16063003', 'gemeinde', 'E', '16', 'kreisangehoerige_gemeinde', 'landgemeinde', 'east'),
        ('16063006', 'gemeinde', 'G', '16', 'kreisangehoerige_gemeinde', 'landgemeinde', 'east'),
        ('16063999', 'gemeinde', 'H', '16', 'gemeindefreies_gebiet', NULL, 'east'),
        ('16063', 'kreis', 'Wartburgkreis', '16', 'landkreis', NULL, 'east'),
        ('16', 'land', 'Thüringen', '16', 'land', NULL, 'east'))
        t(ags, level, name, land_ags, kommunaltyp, size_class, east_west)""")
    for col in ("size_class_fine", "bbsr_kreistyp", "sonderstatus"):
        con.execute(f"ALTER TABLE core.dim_region ADD COLUMN {col} VARCHAR")
    con.execute("CREATE TABLE core.dim_indicator AS SELECT 'foreigners_share' AS indicator_id")
    vals = pd.DataFrame({"indicator_id": "foreigners_share", "level": "gemeinde", "year": 2024,
                         "ags": ["16063001", "16063105", "16063003"], "value": [12.34567891, 0.0, None],
                         "flag": [None, "-", "."], "reference_date": pd.Timestamp("2024-12-31"), "harmonised": False})
    con.register("_v", vals)
    con.execute("CREATE TABLE marts.map_values AS SELECT * FROM _v")
    con.execute("CHECKPOINT")
    con.close()
    app = Flask(__name__)
    app.register_blueprint(geo_blueprint(tmp_settings))
    return app.test_client()


def test_asset_urls_and_immutable_gzip_asset(client):
    urls = client.get("/api/geo/assets").get_json()
    assert set(urls) == {"land", "kreis", "gemeinde"} and urls["gemeinde"].startswith("/geo/gemeinde.")
    br = client.get(urls["gemeinde"], headers={"Accept-Encoding": "gzip, deflate, br"})   # what browsers send
    assert br.status_code == 200 and br.headers["Content-Encoding"] == "br"
    assert br.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    r = client.get(urls["gemeinde"], headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert r.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in r.headers["Vary"]
    fc = json.loads(gzip.decompress(r.data))
    assert json.loads(brotli.decompress(br.data)) == fc and len(br.data) < len(r.data)
    assert fc["type"] == "FeatureCollection" and {f["id"] for f in fc["features"]} >= {"16063001", "16063105"}
    plain = client.get(urls["gemeinde"])                  # client without gzip gets the plain file
    assert "Content-Encoding" not in plain.headers and json.loads(plain.data) == fc
    again = client.get(urls["gemeinde"], headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("name", ["gemeinde.json", "gemeinde.0123456789ab.json.gz", "..%2Fwh.duckdb",
                                  "gemeinde.0123456789ab.json"])
def test_unknown_or_unsafe_asset_names_404(client, name):
    assert client.get(f"/geo/{name}").status_code == 404


def test_values_compact_with_symbols(client):
    r = client.get("/api/values?indicator=foreigners_share&year=2024&level=gemeinde")
    d = r.get_json()
    assert d["ags"] == ["16063001", "16063003", "16063006", "16063105", "16063999"]
    assert d["v"] == [12.3457, None, None, 0, None]        # "." stays null, "-" is a true zero
    assert d["f"] == [None, ".", None, "-", None]


def test_values_filters_and_errors(client):
    d = client.get("/api/values?indicator=foreigners_share&year=2024&level=gemeinde"
                   "&size_class=kleinstadt,mittelstadt").get_json()
    assert d["ags"] == ["16063001", "16063105"]
    for q in ("indicator=nope&year=2024&level=gemeinde", "indicator=foreigners_share&year=2024&level=bund",
              "indicator=foreigners_share&year=2024&level=gemeinde&name=x"):
        r = client.get("/api/values?" + q)
        assert r.status_code == 400 and "error" in r.get_json()


def test_values_gzip_on_request(tmp_settings, client):
    big = values_payload("foreigners_share", 2024, "gemeinde", settings=tmp_settings)
    assert len(json.dumps(big)) < 1024      # tiny: sent as is
    r = client.get("/api/values?indicator=foreigners_share&year=2024&level=gemeinde",
                   headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-cache" and r.headers["ETag"]


def test_unit_zoom_target_and_unavailable(client):
    u = client.get("/api/geo/unit/gemeinde/16063001").get_json()
    minx, miny, maxx, maxy = u["bbox"]
    assert u["status"] == "dissolved" and minx < u["centroid"][0] < maxx and miny < u["centroid"][1] < maxy
    assert client.get("/api/geo/unit/gemeinde/99999999").status_code == 400
    na = client.get("/api/geo/unavailable?level=gemeinde").get_json()
    assert na["ags"] == ["16063006", "16063999"] and all(na["reason"])
    labels = client.get("/api/geo/labels?level=gemeinde").get_json()
    assert labels["ags"] == ["16063001", "16063003", "16063105"]
