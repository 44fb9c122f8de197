"""Schedule file, crontab/systemd output, the build lock, and the real scheduler running a real build."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from etl import history, lock, schedule as sch
from etl.catalogue import load_catalogue
from etl.errors import EtlError
from etl.settings import ROOT, Settings, get_settings

SCHEDULE = ROOT / "etl" / "schedule.toml"


def _cli(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "etl.cli", *args], capture_output=True, text=True, cwd=str(ROOT),
                          env={**os.environ, **(env or {})}, timeout=timeout)


def test_print_crontab_prints_one_line_per_entry():
    plan = sch.load_schedule(SCHEDULE)
    res = _cli("etl", "schedule", "--print-crontab")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert len(lines) == len(plan.entries) >= 5
    for line, e in zip(lines, plan.entries):
        assert line.startswith(e.cron + " ") and line.endswith(f"# {e.name}")
        for d in e.datasets:
            assert f"--only {d}" in line
        assert "--trigger schedule" in line and f"timeout {e.timeout}s" in line
    assert "CRON_TZ=Europe/Berlin" in res.stderr   # how to set the zone, on stderr (stdout = crontab lines only)


def test_systemd_prints_service_and_timer_per_entry():
    plan = sch.load_schedule(SCHEDULE)
    res = _cli("etl", "schedule", "--systemd")
    assert res.returncode == 0, res.stderr
    services = [ln for ln in res.stdout.splitlines() if ln.startswith("# ----") and ln.endswith(".service")]
    timers = [ln for ln in res.stdout.splitlines() if ln.startswith("# ----") and ln.endswith(".timer")]
    assert len(services) == len(timers) == len([e for e in plan.entries if e.datasets])
    assert "OnCalendar=Mon *-04..06-* 04:30:00 Europe/Berlin" in res.stdout   # the AZR entry, 30 4 * 4-6 1


def test_on_calendar_conversion_and_refusal():
    assert sch.on_calendar("0 6 5 * *") == "*-*-05 06:00:00"
    assert sch.on_calendar("0 5 15 1,7 *") == "*-01,07-15 05:00:00"
    assert sch.on_calendar("*/15 2 * * 1-5") == "Mon..Fri *-*-* 02:00/15:00"
    with pytest.raises(EtlError, match="day-of-month and day-of-week"):
        sch.on_calendar("0 5 1 * 1")


def test_schedule_entries_resolve_patterns_and_next_run():
    plan = sch.load_schedule(SCHEDULE)
    azr = plan.entry("schutzsuchende-azr")
    assert azr.datasets and all(d.startswith("destatis_12531") for d in azr.datasets)
    nxt = sch.next_fire(azr, plan.timezone, dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))
    assert (nxt.month, nxt.weekday(), nxt.hour, nxt.minute) == (4, 0, 4, 30)   # first Monday of April 2027
    assert nxt.date() == dt.date(2027, 4, 5)


def test_bad_schedule_names_file_entry_and_field(tmp_path):
    bad = tmp_path / "s.toml"
    bad.write_text('[[entry]]\nname = "x"\ncron = "61 * * * *"\ndatasets = ["bbsr_*"]\n')
    with pytest.raises(EtlError, match=r"s.toml, entry 1: field 'cron' value '61 \* \* \* \*'"):
        sch.load_schedule(bad)
    bad.write_text('[[entry]]\nname = "x"\ndatasets = ["bbsr_*"]\n')
    with pytest.raises(EtlError, match="entry 1: field 'cron' is missing"):
        sch.load_schedule(bad)


def test_lock_refuses_a_manual_run_while_a_build_runs(tmp_path):
    """A scheduled build holds the lock; `etl run` in another process exits 3 naming it, without touching anything."""
    settings = Settings(warehouse_path=str(tmp_path / "wh.duckdb"))
    with lock.build_lock(settings, trigger="schedule", datasets=["bbsr_raumtypen"]):
        assert lock.is_locked(settings)
        assert lock.current_holder(settings)["trigger"] == "schedule"
        res = _cli("etl", "run", env={"IA_WAREHOUSE": str(settings.warehouse)})
        assert res.returncode == 3, res.stdout + res.stderr
        assert "another build is running: schedule build" in res.stderr
        assert "bbsr_raumtypen" in res.stderr
    assert not lock.is_locked(settings)
    assert not settings.warehouse.exists() and not history.recent(settings)


def test_lock_waits_when_asked(tmp_path):
    settings = Settings(warehouse_path=str(tmp_path / "wh.duckdb"))
    got = []

    def second():
        with lock.build_lock(settings, trigger="manual", timeout=10):
            got.append(time.monotonic())
    with lock.build_lock(settings, trigger="schedule"):
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.5)
        released = time.monotonic()
        assert not got
    t.join(10)
    assert got and got[0] >= released
    with lock.build_lock(settings):
        with pytest.raises(lock.BuildLocked):
            with lock.build_lock(settings, timeout=0):
                pass


def test_pause_and_resume_state(tmp_path):
    settings = Settings(warehouse_path=str(tmp_path / "wh.duckdb"))
    assert sch.set_paused(settings, "arbeitsmarkt-ba", True) == {"arbeitsmarkt-ba"}
    plan = sch.load_schedule(SCHEDULE)
    by_ds = sch.dataset_next_runs(plan, settings)
    ba = [d for d, v in by_ds.items() if v["entry"] == "arbeitsmarkt-ba"]
    assert ba and all(by_ds[d]["paused"] and by_ds[d]["next"] is None for d in ba)
    assert sch.job(plan.entry("arbeitsmarkt-ba"), settings) is None   # paused: not run
    assert sch.set_paused(settings, "arbeitsmarkt-ba", False) == set()


# -- the real scheduler, a real build -----------------------------------------------------------

DS = "bbsr_raumtypen"


@pytest.fixture()
def warehouse_copy(tmp_path):
    live = get_settings().warehouse
    if not live.exists():
        pytest.skip(f"warehouse {live} missing: build it first with `integrationsatlas etl run`")
    wh = tmp_path / "var" / "warehouse.duckdb"
    wh.parent.mkdir()
    shutil.copy2(live, wh)
    con = duckdb.connect(str(wh))
    try:   # forget one dataset's build state: the next run must rebuild exactly that dataset (+ models)
        con.execute("DELETE FROM meta.dataset_state WHERE dataset = ?", [DS])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return Settings(warehouse_path=str(wh), snapshot_dir=str(tmp_path / "snap"), online="0",
                    asset_dir=str(tmp_path / "assets"), mirror_dir=str(get_settings().mirror),
                    reference_dir=str(get_settings().reference), schedule_file=str(tmp_path / "schedule.toml"))


@pytest.mark.slow
def test_scheduler_runs_a_build_on_a_short_cron_and_waits_for_the_lock(warehouse_copy, tmp_path):
    """APScheduler fires a 6-field cron (every 2 s) while a 'manual' build holds the lock; the job waits for
    the lock, then builds the temporary warehouse in a child process and records the run (trigger schedule)."""
    settings = warehouse_copy
    Path(settings.schedule_file).write_text(
        'timezone = "Europe/Berlin"\ntimeout_minutes = 25\n[[entry]]\nname = "test"\ncron = "*/2 * * * * *"\n'
        f'datasets = ["{DS}"]\n', encoding="utf-8")
    plan = sch.load_schedule(settings.schedule_file, load_catalogue())
    sched = sch.make_scheduler(plan, settings, blocking=False)
    before = settings.warehouse.stat().st_ino
    release_at = None
    with lock.build_lock(settings, trigger="manual"):
        sched.start()
        try:
            time.sleep(4)   # the job has fired (every 2 s) and is waiting for the lock
            assert not history.recent(settings)
            release_at = dt.datetime.now()
        except BaseException:
            sched.shutdown(wait=False)
            raise
    try:
        deadline = time.time() + 1500   # ~20 s on an idle machine; CI machines are shared
        reports = []
        while time.time() < deadline:
            reports = [r for r in history.recent(settings, 5) if r.get("trigger") == "schedule"]
            if reports and not lock.is_locked(settings):
                break
            time.sleep(0.5)
    finally:
        sched.pause()
        sched.shutdown(wait=True)
    assert reports, "the scheduled job did not record a run"
    rep = reports[-1]   # the first scheduled run
    assert rep["outcome"] == "success", rep.get("error")
    assert dt.datetime.fromisoformat(rep["started_at"]) >= release_at.replace(microsecond=0)
    assert rep["datasets"][DS]["outcome"] == "updated"
    others = [d for d in rep["datasets"] if d != DS and rep["datasets"][d]["rows_before"] is not None]
    assert others and all(rep["datasets"][d]["outcome"] == "skipped" for d in others)
    assert settings.warehouse.stat().st_ino != before          # a new file was swapped in
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM meta.dataset_state WHERE dataset = ?", [DS]).fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM core.dim_region WHERE level = 'kreis'").fetchone()[0] == 400
    finally:
        con.close()
    # no two builds at once: the run windows of recorded runs never overlap
    runs = sorted(history.recent(settings, 10), key=lambda r: r["started_at"])
    for a, b in zip(runs, runs[1:]):
        assert a["ended_at"] <= b["started_at"]
    json.dumps(rep)  # a report is plain JSON
