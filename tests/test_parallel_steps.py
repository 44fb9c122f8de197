"""Steps in worker processes (etl/parallel.py): same warehouse, same one-line errors, same warnings as a serial run."""
import hashlib
import shutil

import duckdb
import pytest

from etl import runner
from etl.errors import ParseError
from etl.parallel import use_pool
from etl.settings import Settings, get_settings
from tests.test_runner import GV, GV_FOLDER, _mirror

pytestmark = pytest.mark.slow

# three small datasets (GV100AD, the Destatis change lists with their Kreis-border warning, BBSR Raumtypen)
SMALL = [GV, "destatis_gebietsaenderungen", "bbsr_raumtypen"]


def _settings(base, mirror, workers: str) -> Settings:
    return Settings(warehouse_path=str(base / "var" / "wh.duckdb"), snapshot_dir=str(base / "snap"),
                    mirror_dir=str(mirror), reference_dir=str(get_settings().reference), online="0",
                    etl_workers=workers)


@pytest.fixture()
def env(tmp_path, monkeypatch, built):
    monkeypatch.setattr(runner, "_post_build_hooks", lambda con, settings: None)
    mirror = _mirror(tmp_path)
    (tmp_path / "var").mkdir()
    shutil.copy2(built, tmp_path / "var" / "wh.duckdb")
    return tmp_path, mirror


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pool_only_offline_and_for_several_steps():
    assert use_pool(Settings(etl_workers="2", online="0"), 3) == 2
    assert use_pool(Settings(etl_workers="2", online="0"), 2) == 0   # too few to pay for two interpreters
    assert use_pool(Settings(etl_workers="1", online="0"), 20) == 0
    assert use_pool(Settings(etl_workers="4", online="1"), 20) == 0  # one request per host: online stays serial


def test_workers_build_what_a_serial_run_builds(env):
    base, mirror = env
    settings = _settings(base, mirror, "2")
    said = []
    res = runner.run(settings=settings, only=SMALL, force=True, progress=said.append)
    assert "steps: 3 datasets in 2 worker processes" in said
    assert res.outcome == "success" and sorted(res.changed) == sorted(SMALL)
    # a warning raised inside a worker reaches the run result (and so the run history)
    assert any(w.startswith("destatis_gebietsaenderungen: 9 Gemeinde records cross a Kreis border") for w in res.warnings)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM core.dim_region WHERE level = 'gemeinde'").fetchone()[0] == 10953
        files = {r[0] for r in con.execute("SELECT filename FROM meta.snapshot WHERE dataset = ?", [GV]).fetchall()}
        assert files == {"GV100AD_30112025.txt"}  # provenance recorded in the worker arrives in meta.snapshot
    finally:
        con.close()


def test_a_step_failing_in_a_worker_gives_the_serial_error_and_keeps_the_warehouse(env):
    base, mirror = env
    gv = mirror / GV_FOLDER / "GV100AD_30112025.txt"
    lines = gv.read_bytes().split(b"\r\n")
    lines[5] = lines[5][:100]
    gv.write_bytes(b"\r\n".join(lines))
    errors = {}
    for workers in ("1", "2"):
        settings = _settings(base, mirror, workers)
        good = _sha(settings.warehouse)
        with pytest.raises(ParseError, match=r"GV100AD_30112025.txt, line 6: record has") as exc:
            runner.run(settings=settings, only=SMALL, force=True)
        errors[workers] = str(exc.value)
        assert _sha(settings.warehouse) == good
        assert not list(settings.warehouse.parent.glob("*.building-*"))
    assert errors["1"] == errors["2"]


def test_broken_workers_hand_their_steps_back_to_the_runner():
    """A worker that dies (kill -9, out of memory, a script without a main guard) must not hang the build: the
    steps not done come back without output and the runner runs them itself."""
    from etl.parallel import computed_steps
    from etl.snapshots import SnapshotStore
    settings = Settings(online="0")
    entries = [{"id": f"dying_{i}", "step": "tests.fixtures.dying_step", "files": []} for i in range(3)]
    results = list(computed_steps(entries, settings, SnapshotStore(settings), 2))
    assert sorted(r.entry["id"] for r in results) == ["dying_0", "dying_1", "dying_2"]
    assert all(r.output is None and r.failure for r in results)
