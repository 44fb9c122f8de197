"""The last N warehouse builds, kept for diffs and rollback: var/builds/<run_id>.duckdb.

Why hard links: every build is a new file (copy-then-swap, nothing writes the live warehouse in
place), so the live warehouse and its archived twin can share one inode. Keeping N builds then costs
N files of disk only once each, and archiving or rolling back is instant and atomic. Where a hard
link is impossible (another file system) the file is copied. Never open an archived build or the
live warehouse for writing: that would change both (the ETL never does; use the runner).

A rollback links the chosen build to a temporary name next to the live warehouse and os.replace()s
it into place, so readers see either the old or the new file, never half of one.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .errors import EtlError
from .settings import Settings


@dataclass(frozen=True)
class Build:
    build_id: str          # the run id that produced it
    path: Path
    built_at: str | None
    observations: int | None
    live: bool


def builds_dir(settings: Settings) -> Path:
    return settings.warehouse.parent / "builds"


def keep_builds(settings: Settings) -> int:
    return max(1, int(settings.keep_builds or 3))


def build_id_of(path: Path) -> str | None:
    """The run id stamped into a build: the newest successful meta.etl_run row, or None (not readable)."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute("SELECT run_id FROM meta.etl_run WHERE outcome = 'success' "
                          "ORDER BY started_at DESC LIMIT 1").fetchone()
        return row[0] if row else None
    except duckdb.Error:
        return None
    finally:
        con.close()


def _link_or_copy(src: Path, dst: Path) -> None:
    tmp = dst.with_name(dst.name + f".part-{os.getpid()}")
    if tmp.exists():
        tmp.unlink()
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copy2(src, tmp)
    os.replace(tmp, dst)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def archive_live(settings: Settings, build_id: str | None = None) -> Build | None:
    """Put the live warehouse into the archive (if it is not there already); returns its entry."""
    live = settings.warehouse
    if not live.exists():
        return None
    d = builds_dir(settings)
    d.mkdir(parents=True, exist_ok=True)
    for p in d.glob("*.duckdb"):
        if _same_file(p, live):
            return _entry(p, live)
    # run ids start with their start time (YYYYMMDDTHHMMSS-…), so ids sort in build order
    bid = build_id or build_id_of(live) or \
        dt.datetime.fromtimestamp(live.stat().st_mtime).strftime("%Y%m%dT%H%M%S") + "-unrecorded"
    dst = d / f"{bid}.duckdb"
    _link_or_copy(live, dst)
    return _entry(dst, live)


def _entry(p: Path, live: Path) -> Build:
    return Build(build_id=p.stem, path=p, built_at=dt.datetime.fromtimestamp(p.stat().st_mtime).isoformat(
        timespec="seconds"), observations=None, live=_same_file(p, live))


def list_builds(settings: Settings) -> list[Build]:
    """Archived builds, newest first (build order = run id order: ids start with the run's start time)."""
    d = builds_dir(settings)
    if not d.is_dir():
        return []
    files = sorted(d.glob("*.duckdb"), key=lambda p: p.name, reverse=True)
    return [_entry(p, settings.warehouse) for p in files]


def prune(settings: Settings) -> list[str]:
    """Keep the newest `IA_KEEP_BUILDS` builds (and always the live one); returns the removed build ids."""
    n = keep_builds(settings)
    removed = []
    for i, b in enumerate(list_builds(settings)):
        if i >= n and not b.live:
            b.path.unlink()
            removed.append(b.build_id)
    return removed


def find(settings: Settings, build_id: str) -> Build:
    for b in list_builds(settings):
        if b.build_id == build_id:
            return b
    have = ", ".join(b.build_id for b in list_builds(settings)) or "none"
    raise EtlError(f"no archived build {build_id!r} in {builds_dir(settings)}; archived builds: {have}")


def previous(settings: Settings) -> Build | None:
    """The newest archived build older than the live one (the live one itself when nothing is older)."""
    all_ = list_builds(settings)
    live = next((i for i, b in enumerate(all_) if b.live), None)
    if live is None:
        return all_[0] if all_ else None
    return all_[live + 1] if live + 1 < len(all_) else None


def restore(settings: Settings, build: Build) -> Path:
    """Make `build` the live warehouse (atomic swap). The current live build is archived first."""
    archive_live(settings)
    live = settings.warehouse
    tmp = live.with_name(f"{live.stem}.rollback-{os.getpid()}.duckdb")
    _link_or_copy(build.path, tmp)
    os.replace(tmp, live)
    return live
