"""A vintage is data: a new file of an existing official table plus one catalogue line reaches the warehouse
with no code change, the newer publication wins where two vintages overlap, and the older value stays visible
as provenance (core.observation_superseded)."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from etl import catalogue, runner
from etl.catalogue import load_catalogue
from tests.test_runner import _mirror, _settings

pytestmark = pytest.mark.slow
DATASET = "regionalstatistik_13211-02-05-4"
SYNTHETIC = "regio_13211-02-05-4_2026_synthetic.csv"
REAL_2025 = ("regionalstatistik_13211_arbeitslose_2023_2025", "13211-02-05-4_2025.csv")
FLENSBURG_2025 = "2025;01001;      Flensburg, kreisfreie Stadt;4650;1410;239;81;492;877;1409;9,3;8,7;9,4;7,7;15,5;6,7"
FLENSBURG_2026 = "2026;01001;      Flensburg, kreisfreie Stadt;4700;1450;240;82;495;880;1410;9,4;8,8;9,5;7,8;15,9;6,8"


def synthetic_vintage(real_mirror) -> bytes:
    """A complete made-up retrieval in the 2026 export layout, built from the real 2025 file: every 2025 row
    again (Flensburg revised 8.6 → 8.7) and a 2026 year (copies of 2025, Flensburg 8.8). Complete, because the
    coverage guard rejects a file that lists only a few Kreise (etl/validate.py check_coverage)."""
    lines = (real_mirror / REAL_2025[0] / REAL_2025[1]).read_bytes().decode("latin-1").split("\n")
    data = [ln for ln in lines if ln.startswith("2025;")]
    rest = [ln for ln in lines if not ln.startswith("2025;")]
    head, foot = rest[:9], rest[9:]
    y25 = [FLENSBURG_2025 if ln.startswith("2025;01001;") else ln for ln in data]
    y26 = [FLENSBURG_2026 if ln.startswith("2025;01001;") else "2026;" + ln[5:] for ln in data]
    foot = [("Stand: 30.11.2026 / 12:00:00 (SYNTHETIC TEST VINTAGE, not an official publication)"
             if ln.startswith("Stand:") else ln) for ln in foot]
    return "\n".join(head + y25 + y26 + foot).encode("latin-1")


@pytest.fixture()
def with_third_vintage(tmp_path, monkeypatch, built):
    """Private mirror + copy of the built warehouse + a catalogue copy with ONE added file line."""
    monkeypatch.setattr(runner, "_post_build_hooks", lambda con, settings: None)
    mirror = _mirror(tmp_path)
    (mirror / "synthetic_13211").mkdir()
    (mirror / "synthetic_13211" / SYNTHETIC).write_bytes(synthetic_vintage(mirror))
    cat_dir = tmp_path / "catalogue"
    shutil.copytree(catalogue.HERE / "catalogue", cat_dir)
    text = (cat_dir / f"{DATASET}.yml").read_text(encoding="utf-8")
    line = f"  - {{name: {SYNTHETIC}, folder: synthetic_13211, published: 2026-11-30}}\n"
    marker = "notes: >-"
    (cat_dir / f"{DATASET}.yml").write_text(text.replace(marker, line + marker, 1), encoding="utf-8")
    monkeypatch.setenv("IA_CATALOGUE_DIR", str(cat_dir))
    load_catalogue.cache_clear()
    settings = _settings(tmp_path, mirror)
    settings.warehouse.parent.mkdir(parents=True)
    shutil.copy2(built, settings.warehouse)
    yield settings
    load_catalogue.cache_clear()


def test_catalogue_line_is_the_only_change(with_third_vintage):
    files = [f["name"] for f in load_catalogue()[DATASET]["files"]]
    assert files[-1] == SYNTHETIC and len(files) == 5


def test_third_vintage_reaches_the_warehouse(with_third_vintage):
    settings = with_third_vintage
    res = runner.run(settings=settings)
    assert res.outcome == "success" and DATASET in res.changed
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        rate = dict(con.execute("""
            SELECT year, value FROM core.fact_observation
            WHERE indicator_id = 'unemployment_rate' AND ags = '01001' AND year IN (2023, 2025, 2026)""").fetchall())
        assert rate == {2023: 7.9, 2025: 8.7, 2026: 8.8}  # 2026 new; 2025 revised by the newer vintage
        snap = con.execute("""SELECT snapshot_id FROM core.fact_observation
                              WHERE indicator_id = 'unemployed' AND ags = '01001' AND year = 2025""").fetchone()[0]
        assert snap == f"mirror:synthetic_13211/{SYNTHETIC}"  # provenance names the file the value came from
        old = con.execute("""
            SELECT value, source_file, published, winning_value, winning_source_file, differs
            FROM core.observation_superseded
            WHERE dataset = ? AND indicator_id = 'unemployment_rate' AND ags = '01001'
              AND reference_date = DATE '2025-12-31'""", [DATASET]).fetchall()
        assert old == [(8.6, "13211-02-05-4_2025.csv", "2026-02-26", 8.7, SYNTHETIC, True)]
        # 2015–2017 are in two real vintages and agree: superseded rows exist but are no revisions
        n_same, n_diff = con.execute("""
            SELECT count(*) FILTER (WHERE NOT differs), count(*) FILTER (WHERE differs)
            FROM core.observation_superseded WHERE dataset = ? AND year(reference_date) BETWEEN 2015 AND 2017
        """, [DATASET]).fetchone()
        assert n_same > 1000 and n_diff == 0
    finally:
        con.close()
