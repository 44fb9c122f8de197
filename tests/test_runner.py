"""Runner: atomic build, no rework on unchanged inputs, bad input never replaces the last good warehouse."""
import hashlib
import json
import shutil

import duckdb
import pytest

from etl import runner
from etl.catalogue import load_catalogue
from etl.errors import ParseError
from etl.settings import Settings, get_settings

DATASETS = ("destatis_gemeindeverzeichnis_2025", "bbsr_raumtypen", "reference_case_studies")


@pytest.fixture()
def env(tmp_path, monkeypatch):
    """A private mirror with the two region datasets and a catalogue restricted to them."""
    real = get_settings().mirror
    mirror = tmp_path / "mirror"
    for ds in DATASETS[:2]:
        shutil.copytree(real / ds, mirror / ds)
    shutil.copytree(get_settings().reference, tmp_path / "reference")
    cat = {k: v for k, v in load_catalogue().items() if k in DATASETS}
    monkeypatch.setattr(runner, "load_catalogue", lambda: cat)
    monkeypatch.setattr(runner, "_post_build_hooks", lambda con, settings: None)
    settings = Settings(warehouse_path=str(tmp_path / "var" / "wh.duckdb"), snapshot_dir=str(tmp_path / "snap"),
                        mirror_dir=str(mirror), reference_dir=str(tmp_path / "reference"), online="0")
    return settings, mirror


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_then_no_rework(env):
    settings, _ = env
    first = runner.run(settings=settings)
    assert first.outcome == "success" and set(first.changed) == set(DATASETS)
    before = sha(settings.warehouse)
    second = runner.run(settings=settings)
    assert second.outcome == "skipped" and second.changed == []
    assert sha(settings.warehouse) == before
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM core.dim_region WHERE level='kreis'").fetchone()[0] == 400
    assert con.execute("SELECT outcome FROM meta.etl_run").fetchall() == [("success",)]
    con.close()


def test_only_reruns_the_named_dataset(env):
    settings, _ = env
    runner.run(settings=settings)
    res = runner.run(settings=settings, only=["bbsr_raumtypen"], force=True)
    assert res.changed == ["bbsr_raumtypen"]


def test_bad_input_keeps_last_good_warehouse(env):
    settings, mirror = env
    runner.run(settings=settings)
    good = sha(settings.warehouse)
    gv = mirror / "destatis_gemeindeverzeichnis_2025" / "GV100AD_30112025.txt"
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
    runner.run(settings=settings)
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
