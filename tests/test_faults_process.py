"""Process faults (issue 11): a failing or killed run never damages the live warehouse, never leaves a half-built
copy behind, always gets a run-history entry; two runs at once cannot lose an update (the build lock of
etl/lock.py); a full disk gives one line. Runner-level, on a copy of a built warehouse (IA_FAULTS_WAREHOUSE or
the session's `built` copy); every run here fails in its first step, so no test rebuilds the models.
The kill -9 tests are `slow` + `kill`: `make test-kill`."""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl import recovery, refresh as refresh_mod, runner
from etl.lock import BuildLocked, build_lock
from tests.faults_support import REAL, mirror, real_bytes, reference_warehouse, settings_for

if not REAL.is_dir():
    pytest.skip(f"snapshot mirror {REAL} not present", allow_module_level=True)

AZR, AZR_ZIP = "destatis_12531-0043", "12531-0043_2024-12-31_resultfile_ffcsv.zip"


@pytest.fixture()
def source_warehouse(request) -> Path:
    p = Path(os.environ["IA_FAULTS_WAREHOUSE"]) if os.environ.get("IA_FAULTS_WAREHOUSE") else None
    return p if p and p.exists() else request.getfixturevalue("built")


def _live(tmp_path: Path, source: Path, changed: dict) -> "Settings":  # noqa: F821
    settings = settings_for(tmp_path, mirror(tmp_path, AZR, changed))
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, settings.warehouse)  # a copy, never a hard link: `source` is the session's shared build
    return settings


def _fingerprint(p: Path) -> tuple:
    st = p.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def _leftovers(settings) -> list[str]:
    return sorted(p.name for p in settings.warehouse.parent.glob("*.building-*"))


def _runs(settings) -> list[dict]:
    p = runner.runs_log_path(settings)
    return [json.loads(x) for x in p.read_text().splitlines()] if p.exists() else []


@pytest.fixture()
def truncated(tmp_path, source_warehouse):
    raw = real_bytes(AZR, AZR_ZIP)
    return _live(tmp_path, source_warehouse, {AZR_ZIP: raw[: len(raw) // 2]})


def test_corrupt_input_keeps_the_live_warehouse_and_is_recorded(truncated):
    settings = truncated
    before = _fingerprint(settings.warehouse)
    with pytest.raises(Exception) as info:
        refresh_mod.refresh(only=[AZR], settings=settings)
    rep = info.value.report
    assert rep["outcome"] == "failed"
    assert rep["error"].startswith(f"dataset {AZR}: {AZR_ZIP}: corrupt or truncated zip (BadZipFile")
    assert "\n" not in rep["error"]
    assert _fingerprint(settings.warehouse) == before          # the live file was never opened for writing
    assert _leftovers(settings) == []
    saved = json.loads((settings.warehouse.parent / "runs" / f"{rep['run_id']}.json").read_text())
    assert saved["outcome"] == "failed" and saved["datasets"][AZR]["outcome"] == "failed"
    assert _runs(settings)[-1]["outcome"] == "failed"


def test_cli_prints_one_line_without_traceback(truncated):
    settings = truncated
    env = {**os.environ, "IA_WAREHOUSE": str(settings.warehouse), "IA_MIRROR": str(settings.mirror_dir),
           "IA_SNAPSHOT_DIR": str(settings.snapshot_dir), "IA_ONLINE": "0", "COLUMNS": "200"}
    env.pop("IA_FAULTS_WAREHOUSE", None)
    p = subprocess.run([sys.executable, "-m", "etl.cli", "etl", "run", "--only", AZR], env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 1, p.stderr
    err = [ln for ln in p.stderr.splitlines() if ln.startswith("error:")]
    assert err == [f"error: dataset {AZR}: {AZR_ZIP}: corrupt or truncated zip (BadZipFile: File is not a zip "
                   "file)"], p.stderr
    assert "Traceback" not in p.stderr + p.stdout and "The last good warehouse was left untouched." in p.stderr


def test_full_disk_while_copying_the_build(tmp_path, source_warehouse, monkeypatch):
    """No tmpfs here: the copy of the live warehouse (the build's first write) is monkeypatched to write a few
    bytes and raise OSError(ENOSPC), as a full disk does."""
    settings = _live(tmp_path, source_warehouse, {})
    before = _fingerprint(settings.warehouse)
    real_copy = shutil.copy2

    def full(src, dst, *a, **kw):
        if ".building-" in str(dst):
            Path(dst).write_bytes(b"DUCK" * 1000)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real_copy(src, dst, *a, **kw)
    monkeypatch.setattr(shutil, "copy2", full)
    with pytest.raises(OSError) as info:
        refresh_mod.refresh(only=[AZR], force=True, settings=settings)
    assert "No space left on device" in info.value.report["error"] and "\n" not in info.value.report["error"]
    assert _fingerprint(settings.warehouse) == before and _leftovers(settings) == []
    assert _runs(settings)[-1]["outcome"] == "failed"


def test_full_disk_while_writing_a_step_gives_one_line(tmp_path, source_warehouse, monkeypatch):
    settings = _live(tmp_path, source_warehouse, {})
    before = _fingerprint(settings.warehouse)

    def full(con, dataset, out, ctx):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(runner, "_write_step_output", full)
    with pytest.raises(Exception) as info:
        refresh_mod.refresh(only=[AZR], force=True, settings=settings)
    assert info.value.report["error"] == (f"dataset {AZR}: {AZR_ZIP}: disk full (OSError: [Errno 28] No space "
                                          "left on device)")
    assert _fingerprint(settings.warehouse) == before and _leftovers(settings) == []


def test_two_runs_at_once_the_second_is_refused_naming_the_first(tmp_path, source_warehouse):
    settings = _live(tmp_path, source_warehouse, {})
    before = _fingerprint(settings.warehouse)
    with build_lock(settings, "schedule", [AZR]):
        with pytest.raises(BuildLocked, match=rf"another build is running: schedule build \(pid {os.getpid()}, "
                                              rf".*datasets \['{AZR}'\]\); waited 0 s"):
            refresh_mod.refresh(only=[AZR], settings=settings)
    assert _fingerprint(settings.warehouse) == before


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_next_run_removes_a_killed_runs_leftovers_and_records_it(truncated):
    settings = truncated
    pid = _dead_pid()
    stale = settings.warehouse.with_name(f"{settings.warehouse.stem}.building-{pid}-abc123.duckdb")
    stale.write_bytes(b"\0" * 2_000_000)
    part = Path(settings.snapshot_dir) / AZR / "2026-12-01" / "x.zip.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"PK")
    (settings.warehouse.parent / "runs").mkdir(exist_ok=True)
    (settings.warehouse.parent / "runs" / "active.json").write_text(json.dumps(
        {"trigger": "schedule", "started_at": "2026-12-01T03:00:00", "pid": pid, "datasets": [AZR],
         "message": "[1/1] destatis_12531-0043"}))
    with pytest.raises(Exception):
        refresh_mod.refresh(only=[AZR], settings=settings)  # this run fails too (truncated input), after cleaning
    assert not stale.exists() and not part.exists()
    killed = json.loads((settings.warehouse.parent / "runs" / "20261201T030000-killed.json").read_text())
    assert killed["outcome"] == "killed" and killed["trigger"] == "schedule"
    assert f"pid {pid}" in killed["error"] and "during '[1/1] destatis_12531-0043'" in killed["error"]
    assert any(r.startswith(stale.name) for r in killed["removed"])
    assert [r["outcome"] for r in _runs(settings)[-2:]] == ["killed", "failed"]


def test_a_live_builds_file_is_never_removed(tmp_path):
    settings = settings_for(tmp_path, tmp_path)
    settings.warehouse.parent.mkdir(parents=True)
    mine = settings.warehouse.with_name(f"{settings.warehouse.stem}.building-{os.getpid()}-abc123.duckdb")
    mine.write_bytes(b"x")
    assert recovery.recover(settings) is None and mine.exists()


# -- kill -9 (slow: real processes, a real warehouse copy) --------------------------------------------------------
def _spawn(settings, *args, extra_env=None):
    env = {**os.environ, "IA_WAREHOUSE": str(settings.warehouse), "IA_MIRROR": str(settings.mirror_dir),
           "IA_SNAPSHOT_DIR": str(settings.snapshot_dir), "IA_ONLINE": "0", **(extra_env or {})}
    env.pop("IA_FAULTS_WAREHOUSE", None)
    return subprocess.Popen([sys.executable, "-m", "etl.cli", "etl", "run", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _wait_for(pred, timeout=600.0, every=0.05):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return True
        time.sleep(every)
    return False


def _active_message(settings) -> str:
    try:
        return json.loads((settings.warehouse.parent / "runs" / "active.json").read_text()).get("message", "")
    except (OSError, ValueError):
        return ""


@pytest.mark.slow
@pytest.mark.kill
@pytest.mark.parametrize("stage", ["[1/", "models"])
def test_kill_9_during_parse_load_or_models(tmp_path, source_warehouse, stage):
    """kill -9 while a step parses/loads ('[1/1] <dataset>') or while the SQL models run ('models: …'): the
    live warehouse is untouched; the next run removes the half-built copy and records the killed run."""
    settings = _live(tmp_path, source_warehouse, {})
    before = _fingerprint(settings.warehouse)
    proc = _spawn(settings, "--only", AZR, "--force")
    try:
        assert _wait_for(lambda: stage in _active_message(settings) and _leftovers(settings)), "stage not reached"
        if stage == "models":
            time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert _leftovers(settings), "a killed build leaves its copy behind (until the next run)"
    assert _fingerprint(settings.warehouse) == before
    with build_lock(settings, "manual"):   # the OS released the dead process's lock
        rep = recovery.recover(settings)
    assert rep["outcome"] == "killed" and stage in rep["error"] and _leftovers(settings) == []
    assert (settings.warehouse.parent / "runs" / f"{rep['run_id']}.json").exists()
    assert _runs(settings)[-1]["outcome"] == "killed"


@pytest.mark.slow
@pytest.mark.kill
def test_kill_9_during_swap_leaves_old_or_new_never_half(tmp_path, source_warehouse):
    """The swap is one os.replace (a single rename(2) on one filesystem): a process killed before it leaves the
    old warehouse live (the kill tests above), one killed right after it (here: a child that swaps and dies
    with os._exit, running no cleanup) leaves the new, complete one — never a half-written file."""
    settings = _live(tmp_path, source_warehouse, {})
    import duckdb
    tmp = settings.warehouse.with_name(f"{settings.warehouse.stem}.building-{_dead_pid()}-0000aa.duckdb")
    shutil.copy2(settings.warehouse, tmp)
    inode_new = tmp.stat().st_ino
    pid = os.fork()
    if pid == 0:  # child: the swap, then die hard before anything else (no finally, no history)
        os.replace(tmp, settings.warehouse)
        os._exit(0)
    os.waitpid(pid, 0)
    assert settings.warehouse.stat().st_ino == inode_new and not tmp.exists()
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM core.dim_region WHERE level='kreis'").fetchone()[0] == 400
    con.close()
