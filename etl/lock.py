"""One build at a time: a file lock next to the warehouse, shared by `etl run`, the scheduler and the console.

Why a file lock (filelock, fcntl/msvcrt underneath) rather than a thread lock: builds are started by
different processes (a steward's terminal, the scheduler, a gunicorn worker handling a console action).
The operating system releases the lock when the holding process dies, so a killed build (per-run
timeout, OOM) never leaves a stale lock behind. Who holds it (trigger, pid, start time, datasets) is
written to a small JSON file beside it, so a refused caller can say which build is running.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from .errors import EtlError
from .settings import Settings


class BuildLocked(EtlError):
    """Another build holds the lock (message names it)."""

    def __init__(self, holder: dict | None, waited: float):
        self.holder = holder or {}
        who = (f"{self.holder.get('trigger', '?')} build (pid {self.holder.get('pid', '?')}, "
               f"since {self.holder.get('since', '?')}, datasets {self.holder.get('datasets') or 'all'})")
        super().__init__(f"another build is running: {who}; waited {waited:g} s")


def lock_path(settings: Settings) -> Path:
    return settings.warehouse.parent / "etl-build.lock"


def holder_path(settings: Settings) -> Path:
    return settings.warehouse.parent / "etl-build.holder.json"


def current_holder(settings: Settings) -> dict | None:
    """Who holds the lock now, or None when no build runs (the holder file alone is not proof: the lock is)."""
    if not is_locked(settings):
        return None
    try:
        return json.loads(holder_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_locked(settings: Settings) -> bool:
    p = lock_path(settings)
    if not p.exists():
        return False
    probe = FileLock(str(p), is_singleton=False)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    probe.release()
    return False


@contextlib.contextmanager
def build_lock(settings: Settings, trigger: str = "manual", datasets: list[str] | None = None,
               timeout: float = 0) -> Iterator[None]:
    """Hold the build lock; wait up to `timeout` seconds (0 = fail at once, -1 = forever), else BuildLocked."""
    p = lock_path(settings)
    p.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(p), is_singleton=False)
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        try:
            holder = json.loads(holder_path(settings).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            holder = None
        raise BuildLocked(holder, timeout) from None
    try:
        holder_path(settings).write_text(json.dumps({
            "trigger": trigger, "pid": os.getpid(), "datasets": datasets or [],
            "since": dt.datetime.now().isoformat(timespec="seconds")}), encoding="utf-8")
        yield
    finally:
        with contextlib.suppress(OSError):
            holder_path(settings).unlink()
        lock.release()
