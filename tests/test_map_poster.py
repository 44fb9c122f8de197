"""The map's still image (geodata/poster.py drawing, dashboard/poster.py state → colours, route and HTML tag)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from geodata import poster as P


def square(lon: float, lat: float, d: float, hole: float | None = None) -> dict:
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    rings = [ring]
    if hole:
        c, h = d / 2, hole / 2
        rings.append([[lon + c - h, lat + c - h], [lon + c - h, lat + c + h], [lon + c + h, lat + c + h],
                      [lon + c + h, lat + c - h], [lon + c - h, lat + c - h]])
    return {"type": "Polygon", "coordinates": rings}


# a big square with a hole, an enclave filling half of the hole, a unit far away
FEATURES = [("01001000", square(9.0, 50.0, 2.0, hole=1.0)),
            ("01002000", square(9.75, 50.75, 0.5)),
            ("09162000", square(12.0, 48.0, 1.0))]


@pytest.fixture()
def asset(tmp_path: Path) -> Path:
    fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "id": a, "properties": {}, "geometry": g}
                                                    for a, g in FEATURES]}
    path = tmp_path / "gemeinde.0123456789ab.json"
    path.write_text(json.dumps(fc))
    return path


def pixel_of(geom: P.PosterGeometry, lon: float, lat: float) -> tuple[int, int]:
    x, y = geom.anchor(lon, lat)
    return int(x), int(y)


def test_the_projection_is_maplibres_web_mercator_at_the_zoom():
    # 512-px world: the null meridian lies at half its width; zoom +1 doubles every position
    assert P.world_px(0) == 512
    assert P.project(0.0, 0.0, 0) == pytest.approx((256.0, 256.0))
    x1, y1 = P.project(10.45, 51.2, 4.0)
    x2, y2 = P.project(10.45, 51.2, 5.0)
    assert (x2, y2) == pytest.approx((2 * x1, 2 * y1))
    assert P.project(-180.0, 0.0, 3)[0] == pytest.approx(0.0)


def test_each_unit_gets_its_colour_a_hole_stays_transparent_and_an_enclave_lies_on_top(asset):
    geom = P.PosterGeometry(asset, zoom=7.0)
    assert [u.ags for u in geom.units] == ["01001000", "09162000", "01002000"]   # the largest first
    red, blue, green = (200, 30, 30), (30, 30, 200), (30, 160, 30)
    img = Image.open(io.BytesIO(geom.render({"01001000": red, "01002000": green, "09162000": blue}, set())))
    assert img.mode == "RGBA" and img.size == (geom.width, geom.height)
    assert img.getpixel(pixel_of(geom, 9.2, 50.2)) == red + (255,)           # the big square
    assert img.getpixel(pixel_of(geom, 9.9, 50.9)) == green + (255,)         # the enclave, inside the hole
    assert img.getpixel(pixel_of(geom, 10.4, 50.6))[3] == 0                  # the hole's free half
    assert img.getpixel(pixel_of(geom, 12.5, 48.5)) == blue + (255,)
    assert img.getpixel(pixel_of(geom, 11.5, 49.0))[3] == 0                  # between the units: nothing
    # a unit without a colour is left out, like the live map's units without state
    img2 = Image.open(io.BytesIO(geom.render({"01001000": red}, set())))
    assert img2.getpixel(pixel_of(geom, 12.5, 48.5))[3] == 0


def test_borders_are_lighter_than_the_fill_and_no_data_is_hatched(asset):
    geom = P.PosterGeometry(asset, zoom=7.0)
    dark = (40, 0, 80)
    img = Image.open(io.BytesIO(geom.render({"01001000": dark}, {"09162000"}))).convert("RGBA")
    x, y = pixel_of(geom, 9.0, 50.5)                # the big square's west border
    edge = [img.getpixel((x + dx, y)) for dx in (-1, 0, 1)]
    assert any(p[3] == 255 and p[0] > dark[0] + 50 for p in edge)    # white at 60 % over the fill
    hatch = {img.getpixel((x, y))[:3] for x, y in [pixel_of(geom, 12.1 + i * 0.02, 48.5) for i in range(40)]}
    assert hatch == {P.HATCH_ON, P.HATCH_OFF}


def test_the_anchor_is_where_the_live_maps_centre_falls(asset):
    geom = P.PosterGeometry(asset, zoom=4.95)
    cx, cy = geom.anchor(10.45, 51.2)
    wx, wy = P.project(10.45, 51.2, 4.95)
    assert (cx + geom.left, cy + geom.top) == pytest.approx((wx, wy))
    # the image spans the geometry's bounding box and two pixels more
    x0, _ = P.project(9.0, 51.0, 4.95)
    assert geom.left == int(x0) - P.PAD


def test_fills_follow_the_live_maps_paint_rules():
    from dashboard import poster as D
    p = {"ags": ["a", "b", "c"], "cls": [0, 1, -1], "colours": ["#440154", "#fde725"], "fade": [1],
         "opacity": [1.0, 0.22]}
    fills, hatched = D.fills(p)
    assert fills["a"] == (0x44, 0x01, 0x54)
    # faded: the class colour at 22 % over the white map
    assert fills["b"] == tuple(round(c * 0.22 + 255 * 0.78) for c in (0xfd, 0xe7, 0x25))
    assert hatched == {"c"} and "c" not in fills


def test_the_still_image_shows_only_the_default_map_view():
    from dashboard import poster as D
    from dashboard.state import AppState
    assert D.shows(AppState())
    assert not D.shows(AppState(tab="table"))
    assert not D.shows(AppState(sel=("09162000",)))       # the live map zooms to a selection


# -- against the real warehouse ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client():
    from etl.settings import get_settings
    if not get_settings().warehouse.exists():
        pytest.skip("warehouse missing: build it first with `integrationsatlas etl run`")
    from dashboard.app import server
    return server.test_client()


def test_the_real_poster_paints_each_gemeinde_in_its_class_colour(client):
    import shapely

    from dashboard import data
    from dashboard import poster as D
    from dashboard.pages import karte
    from geodata.api import asset_path
    query = "ind=population&level=gemeinde&year=2024"
    st = D.state_of("/", query)
    geom = D.geometry("gemeinde")
    r = client.get(D.URL + "?" + query + "&b=" + D.build_tag())
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert "immutable" in r.headers["Cache-Control"]
    img = Image.open(io.BytesIO(r.data)).convert("RGBA")
    assert img.size == (geom.width, geom.height)
    p, _ = karte.first_payload(st, data.geo_assets().get("gemeinde"))
    pos = {a: i for i, a in enumerate(p["ags"])}
    asset = asset_path(data.geo_assets()["gemeinde"].rsplit("/", 1)[-1], gzip_ok=False)[0]
    feats = {f["id"]: f for f in json.loads(asset.read_text())["features"]}
    checked = 0
    for ags in ("11000000", "02000000", "09162000", "05315000", "14713000", "08111000"):   # big cities
        pt = shapely.from_geojson(json.dumps(feats[ags]["geometry"])).point_on_surface()
        x, y = geom.anchor(pt.x, pt.y)
        want = tuple(int(p["colours"][p["cls"][pos[ags]]].lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
        around = [img.getpixel((int(x) + dx, int(y) + dy))[:3] for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        assert around.count(want) >= 5, (ags, want, around)
        checked += 1
    assert checked == 6
    # the same image under an old build's tag may change: not cached for good
    r2 = client.get(D.URL + "?" + query + "&b=0000000000")
    assert r2.status_code == 200 and r2.headers["Cache-Control"] == "no-cache"


def test_a_filter_fades_the_units_outside_it(client):
    from dashboard import data
    from dashboard import poster as D
    from dashboard.pages import karte
    query = "ind=population&level=kreis&year=2024&land=09"
    r = client.get(D.URL + "?" + query)
    assert r.status_code == 200
    st = D.state_of("/", query)
    p, _ = karte.first_payload(st, data.geo_assets().get("kreis"))
    fills, _ = D.fills(p)
    # Köln (05315) lies outside Bayern: faded towards white; München (09162) keeps its class colour
    koeln, muenchen = fills["05315"], fills["09162"]
    assert min(koeln) > 150
    assert muenchen == tuple(int(p["colours"][p["cls"][p["ags"].index("09162")]].lstrip("#")[i:i + 2], 16)
                             for i in (0, 2, 4))


def test_the_html_of_a_karte_url_names_its_still_image_and_other_pages_do_not(client):
    from dashboard import poster as D
    D.geometry("gemeinde")                                   # what the start-up warm-up does
    body = client.get("/?ind=population&level=gemeinde&year=2024").get_data(as_text=True)
    assert 'id="ia-poster"' in body and "/map-poster.png?ind=population&amp;level=gemeinde&amp;year=2024&amp;b=" in body
    assert body.index('id="ia-poster"') < body.index("<footer>")      # before the scripts: painted first
    # its caption names what update_map's title and footer will: the state's title, source, date and licence
    import html as H
    from dashboard import data
    from dashboard.pages import karte
    from dashboard.state import parse
    st, _ = parse("ind=population&level=gemeinde&year=2024", data.catalogue())
    out = karte.map_outputs(st, "de", None)
    title, source = out[8], out[3]
    assert "Stichtag" in title and "2024" in title and "dl-de/by-2-0" in source and "Tabelle" in source
    assert f'<p class="ia-poster-cap"><strong>{H.escape(title)}</strong><br>{H.escape(source)}</p>' in body
    en = client.get("/?ind=population&level=gemeinde&year=2024&lang=en").get_data(as_text=True)
    from dataclasses import replace
    en_title = karte.map_outputs(replace(st, lang="en"), "en", None)[8]
    assert "Population" in en_title or "population" in en_title.lower()
    assert f"<strong>{H.escape(en_title)}</strong>" in en
    for url in ("/vergleich", "/?tab=table", "/?sel=09162000", "/gemeinde/09162000", "/?embed=1"):
        assert 'id="ia-poster"' not in client.get(url).get_data(as_text=True), url
    assert client.get(D.URL + "?sel=09162000").status_code == 404


def test_crafted_poster_queries_get_the_default_map_or_a_404_never_a_trace(client):
    from dashboard import poster as D
    for q in ("ind=%27%3B%20DROP%20TABLE%20x%3B--", "level=../../etc", "year=99999999999999", "k=-5&cls=<script>"):
        r = client.get(D.URL + "?" + q)
        assert r.status_code in (200, 404), q
        assert b"Traceback" not in r.data
