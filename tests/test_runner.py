"""Runner: atomic build, no rework on unchanged inputs, bad input never replaces the last good warehouse."""
import hashlib
import json
import shutil

import duckdb
import pytest

from etl import runner
from etl.catalogue import load_catalogue, store_folders
from etl.errors import ParseError
from etl.settings import Settings, get_settings

GV = "destatis_gv100ad"
GV_FOLDER = "destatis_gemeindeverzeichnis_2025"


def _mirror(base):
    """Symlinks to the real dataset folders, except a private copy of GV100AD that a test may corrupt."""
    real = get_settings().mirror
    mirror = base / "mirror"
    mirror.mkdir()
    for folder in store_folders():
        src = real / folder
        if folder == GV_FOLDER:
            shutil.copytree(src, mirror / folder)
        elif src.exists():
            (mirror / folder).symlink_to(src)
    return mirror


def _settings(base, mirror):
    return Settings(warehouse_path=str(base / "var" / "wh.duckdb"), snapshot_dir=str(base / "snap"),
                    mirror_dir=str(mirror), reference_dir=str(get_settings().reference), online="0")


@pytest.fixture()
def env(tmp_path, monkeypatch, built):
    """A private mirror and a copy of the built warehouse; geometry hooks off (tested in test_geodata_*)."""
    monkeypatch.setattr(runner, "_post_build_hooks", lambda con, settings: None)
    mirror = _mirror(tmp_path)
    settings = _settings(tmp_path, mirror)
    settings.warehouse.parent.mkdir(parents=True)
    shutil.copy2(built, settings.warehouse)
    return settings, mirror


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_then_no_rework(env):
    settings, _ = env
    before = sha(settings.warehouse)
    second = runner.run(settings=settings)
    assert second.outcome == "skipped" and second.changed == []
    assert sha(settings.warehouse) == before
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM core.dim_region WHERE level='kreis'").fetchone()[0] == 400
    assert con.execute("SELECT outcome FROM meta.etl_run ORDER BY ended_at DESC LIMIT 1").fetchall() == [("success",)]
    assert con.execute("SELECT count(DISTINCT dataset) FROM meta.dataset_state").fetchone()[0] == len(load_catalogue())
    con.close()


def test_only_reruns_the_named_dataset(env):
    settings, _ = env
    res = runner.run(settings=settings, only=["bbsr_raumtypen"], force=True)
    assert res.changed == ["bbsr_raumtypen"]


def test_bad_input_keeps_last_good_warehouse(env):
    settings, mirror = env
    good = sha(settings.warehouse)
    gv = mirror / GV_FOLDER / "GV100AD_30112025.txt"
    lines = gv.read_bytes().split(b"\r\n")
    lines[5] = lines[5][:100]
    gv.write_bytes(b"\r\n".join(lines))
    with pytest.raises(ParseError, match=r"GV100AD_30112025.txt, line 6: record has"):
        runner.run(settings=settings)
    assert sha(settings.warehouse) == good
    assert not list(settings.warehouse.parent.glob("*.building-*"))
    log = [json.loads(x) for x in runner.runs_log_path(settings).read_text().splitlines()]
    assert log[-1]["outcome"] == "failed" and "line 6" in log[-1]["error"]


def test_failing_model_test_keeps_last_good_warehouse(env, monkeypatch):
    settings, _ = env
    good = sha(settings.warehouse)

    def broken(con, settings=None):
        con.execute("DROP TABLE core.dim_region")
        raise runner.ValidationError("model tests failed: simulated")
    monkeypatch.setattr(runner, "run_models", broken)
    with pytest.raises(runner.ValidationError):
        runner.run(settings=settings, force=True)
    assert sha(settings.warehouse) == good
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM core.dim_region").fetchone()[0] > 11000
    con.close()


def test_unknown_dataset_lists_known(env):
    settings, _ = env
    with pytest.raises(runner.EtlError, match="unknown dataset.*bbsr_raumtypen"):
        runner.run(settings=settings, only=["nope"])
