"""A changed vintage → a recorded run whose diff names the changed value; history/report at 80 columns;
a failed run with a one-line cause; rollback restores the previous build's numbers.

One real incremental build (the 12411 dataset + models) into a copy of the warehouse, from a private
mirror in which Halle (Saale)'s 2024 population is changed from 226767 to 236767.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import duckdb
import pytest

from etl import builds, history
from etl.refresh import refresh
from etl.settings import ROOT, Settings, get_settings

pytestmark = pytest.mark.slow
DS = "regionalstatistik_12411_bevoelkerung"
FILE = "12411-01-01-4_2024-12-31_de_flat.csv"
OLD_ROW = "15002;Halle (Saale), kreisfreie Stadt;GES;Geschlecht;;Insgesamt;226767;"
NEW_ROW = "15002;Halle (Saale), kreisfreie Stadt;GES;Geschlecht;;Insgesamt;236767;"


def _halle(path) -> float:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT value FROM core.fact_observation WHERE ags = '15002' AND level = 'kreis' "
                           "AND indicator_id = 'population' AND reference_date = DATE '2024-12-31'").fetchone()[0]
    finally:
        con.close()


def _env(settings: Settings) -> dict:
    from etl.schedule import settings_env
    return {**os.environ, **settings_env(settings), "COLUMNS": "80"}


def _cli(settings, *args):
    return subprocess.run([sys.executable, "-m", "etl.cli", *args], capture_output=True, text=True, cwd=str(ROOT),
                          env=_env(settings), timeout=300)


@pytest.fixture(scope="module")
def changed_run(tmp_path_factory):
    live = get_settings().warehouse
    if not live.exists():
        pytest.skip(f"warehouse {live} missing: build it first with `integrationsatlas etl run`")
    base = tmp_path_factory.mktemp("history")
    real = get_settings().mirror
    mirror = base / "mirror"
    mirror.mkdir()
    for folder in real.iterdir():
        if folder.is_dir() and folder.name != DS:
            (mirror / folder.name).symlink_to(folder)
    shutil.copytree(real / DS, mirror / DS)
    f = mirror / DS / FILE
    text = f.read_text(encoding="utf-8")
    assert text.count(OLD_ROW) == 1
    f.write_text(text.replace(OLD_ROW, NEW_ROW), encoding="utf-8")
    wh = base / "var" / "warehouse.duckdb"
    wh.parent.mkdir()
    shutil.copy2(live, wh)
    settings = Settings(warehouse_path=str(wh), snapshot_dir=str(base / "snap"), mirror_dir=str(mirror),
                        reference_dir=str(get_settings().reference), asset_dir=str(base / "assets"), online="0",
                        keep_builds="3")
    old = _halle(wh)
    report = refresh(only=[DS], trigger="manual", settings=settings)
    return settings, report, old


def test_run_report_records_outcomes_rows_and_validation(changed_run):
    settings, rep, old = changed_run
    assert old == 226767
    assert rep["outcome"] == "success" and rep["trigger"] == "manual"
    d = rep["datasets"][DS]
    assert d["outcome"] == "updated" and d["rows_before"] == d["rows_after"] > 1000
    con = duckdb.connect(str(builds.find(settings, rep["previous_build"]).path), read_only=True)
    built_before = {r[0] for r in con.execute("SELECT dataset FROM meta.dataset_state").fetchall()}
    con.close()
    others = {k: v["outcome"] for k, v in rep["datasets"].items() if k != DS and k in built_before}
    assert others and set(others.values()) == {"skipped"}   # (a dataset new to the catalogue is built once)
    assert "passed" in rep["validation"]["model tests (*.test.sql)"]
    assert any("back-calculated" in w for w in d["warnings"])      # the step's own warnings, per dataset
    assert history.load(settings, rep["run_id"])["run_id"] == rep["run_id"]
    assert [b.build_id for b in builds.list_builds(settings)][:2] == [rep["build"], rep["previous_build"]]


def test_diff_names_the_changed_value(changed_run):
    settings, rep, _ = changed_run
    diff = rep["diff"]
    assert not diff["first_build"] and not diff["units_removed"]
    assert "population" not in diff["indicators_added"] + diff["indicators_removed"]
    pop = next(e for e in diff["changed_values"] if e["indicator_id"] == "population")
    top = pop["largest"][0]
    assert (top["ags"], top["level"], top["reference_date"], top["old"], top["new"]) == \
        ("15002", "kreis", "2024-12-31", 226767.0, 236767.0)
    assert top["name"].startswith("Halle (Saale)")
    assert pop["units"] >= 1
    # derived rates with population in the denominator changed with it (Halle's protection-seeker rate)
    rate = next(e for e in diff["changed_values"] if e["indicator_id"] == "protection_seekers_per_1000")
    assert any(c["ags"] == "15002" for c in rate["largest"])


def test_history_and_report_fit_80_columns(changed_run):
    settings, rep, _ = changed_run
    res = _cli(settings, "etl", "history", "--last", "5")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    row = next(ln for ln in lines if ln.startswith(rep["run_id"]))
    assert "manual" in row and "success" in row and re.search(r" [1-9]\d*u \d+n \d+s 0f$", row)

    res = _cli(settings, "etl", "report", rep["run_id"])
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert max(map(len, lines)) <= 80, [ln for ln in lines if len(ln) > 80]
    text = res.stdout
    assert "Halle (Saale)" in text and "226,767 -> 236,767 (+4.4 %)" in text
    assert DS in text and "updated" in text

    js = json.loads(_cli(settings, "etl", "report", rep["run_id"], "--format", "json").stdout)
    assert js["diff"]["changed_values"][0]["largest"]
    assert json.loads(_cli(settings, "etl", "history", "--format", "json").stdout)[0]["run_id"] == rep["run_id"]
    bad = _cli(settings, "etl", "report", "nope")
    assert bad.returncode == 2 and "no run report 'nope'" in bad.stderr


def test_failed_run_exits_nonzero_with_one_line_cause_and_keeps_the_warehouse(changed_run):
    settings, rep, _ = changed_run
    f = settings.mirror / DS / FILE
    good = f.read_text(encoding="utf-8")
    f.write_text(good.replace(NEW_ROW, NEW_ROW.replace("236767", "zwölf")), encoding="utf-8")
    ino = settings.warehouse.stat().st_ino
    try:
        res = _cli(settings, "etl", "run", "--only", DS)
    finally:
        f.write_text(good, encoding="utf-8")
    assert res.returncode == 1
    err = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1
    assert f"dataset {DS}" in err[0] and FILE in err[0], err[0]
    assert settings.warehouse.stat().st_ino == ino and _halle(settings.warehouse) == 236767
    failed = history.recent(settings, 1)[0]
    assert failed["outcome"] == "failed" and failed["datasets"][DS]["outcome"] == "failed"
    assert failed["error"] == err[0].removeprefix("error: ")


def test_rollback_restores_the_previous_builds_numbers(changed_run):
    settings, rep, old = changed_run
    assert _halle(settings.warehouse) == 236767
    res = _cli(settings, "etl", "rollback")
    assert res.returncode == 0, res.stderr
    assert f"build {rep['previous_build']} is live again" in res.stderr
    assert _halle(settings.warehouse) == old == 226767
    rb = history.recent(settings, 1)[0]
    assert rb["kind"] == "rollback" and rb["restored_build"] == rep["previous_build"]
    back = next(e for e in rb["diff"]["changed_values"] if e["indicator_id"] == "population")
    assert back["largest"][0]["new"] == 226767.0
    # and forward again, by id
    res = _cli(settings, "etl", "rollback", rep["build"])
    assert res.returncode == 0, res.stderr
    assert _halle(settings.warehouse) == 236767
    assert _cli(settings, "etl", "rollback", "no-such-build").returncode == 1
