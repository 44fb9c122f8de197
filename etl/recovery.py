"""Leftovers of a build that died (kill -9, OOM killer, power cut): removed and recorded by the next run.

A killed process runs no `finally`: its half-built copy (`<warehouse>.building-<pid>-<id>.duckdb`, 20–500 MB),
a half-written download (`*.part` in the snapshot store) and the progress file `var/runs/active.json` stay
behind, and the run history has no entry for it. The build lock (etl/lock.py) is released by the operating
system, so the next run that holds the lock knows no other build is running and cleans up here: the files go,
and the dead run gets its own report (outcome `killed`) in the run history and var/etl_runs.jsonl.
The live warehouse was never touched by the dead run (copy-then-swap; os.replace is atomic).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from pathlib import Path

from .settings import Settings

log = logging.getLogger(__name__)
_BUILDING = re.compile(r"\.building-(\d+)-[0-9a-f]+\.duckdb(\.wal)?$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_files(settings: Settings) -> list[Path]:
    """Half-built warehouse copies of dead processes and half-written downloads."""
    target = settings.warehouse
    out = []
    if target.parent.is_dir():
        for p in target.parent.glob(f"{target.stem}.building-*"):
            m = _BUILDING.search(p.name)
            if m and not _alive(int(m.group(1))):
                out.append(p)
    if settings.snapshots.is_dir():
        out += list(settings.snapshots.rglob("*.part"))
    return sorted(out)


def recover(settings: Settings) -> dict | None:
    """Call while holding the build lock. Removes stale files; returns the report recorded for the dead run
    (None when nothing was left behind)."""
    from . import history
    from .runner import _append_runs_log
    removed = []
    for p in stale_files(settings):
        try:
            size = p.stat().st_size
            p.unlink()
            removed.append(f"{p.name} ({size / 1e6:.1f} MB)")
        except OSError as exc:
            log.warning("could not remove %s: %s", p, exc)
    active_file = history.active_path(settings)
    dead = None
    if active_file.exists():
        try:
            dead = json.loads(active_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            dead = {}
        history.clear_active(settings)
    if dead is None and not removed:
        return None
    dead = dead or {}
    started = str(dead.get("started_at") or dt.datetime.now().isoformat(timespec="seconds"))
    try:
        stamp = dt.datetime.fromisoformat(started).strftime("%Y%m%dT%H%M%S")
    except ValueError:
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    error = (f"the run (pid {dead.get('pid', '?')}, trigger {dead.get('trigger', '?')}) died without finishing "
             f"(killed?) during '{dead.get('message', '?')}'; the live warehouse was not touched"
             + (f"; half-built files removed: {', '.join(removed)}" if removed else ""))
    report = {"run_id": f"{stamp}-killed", "kind": "build", "trigger": dead.get("trigger", "?"),
              "requested_at": started, "started_at": started, "ended_at": dead.get("updated_at"),
              "only": [], "force": None, "outcome": "killed", "datasets": {d: {"outcome": "not finished"}
                                                                           for d in dead.get("datasets") or []},
              "validation": {"result": "not reached"}, "warnings": [], "error": error, "diff": None,
              "seconds": None, "removed": removed}
    history.save(settings, report)
    _append_runs_log(settings, {"run_id": report["run_id"], "started_at": started, "outcome": "killed",
                                "error": error})
    log.warning("%s", error)
    return report
