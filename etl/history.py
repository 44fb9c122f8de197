"""Run history: one JSON report per run in var/runs/<run_id>.json, and its 80-column text form.

Why files beside the warehouse instead of a table in it: a failed run must be recorded too, and a
failed run never opens the live warehouse for writing (copy-then-swap). var/etl_runs.jsonl (one line
per runner call, written by etl/runner.py) stays as it is; these reports add what a steward needs:
trigger (manual | schedule | console), per dataset `skipped | unchanged | updated | failed` with
observation rows before → after, change checks, validation results, warnings, the one-line cause of a
failure, and the diff against the previous build (etl/diff.py).

While a run is in progress, var/runs/active.json says what it is doing (the /status console polls it).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import textwrap
from pathlib import Path

from .settings import Settings

OUTCOMES = ("skipped", "unchanged", "updated", "failed")


def runs_dir(settings: Settings) -> Path:
    return settings.warehouse.parent / "runs"


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def save(settings: Settings, report: dict) -> Path:
    p = runs_dir(settings) / f"{report['run_id']}.json"
    _write_json(p, report)
    return p


def load(settings: Settings, run_id: str) -> dict:
    p = runs_dir(settings) / f"{run_id}.json"
    if not p.exists() or "/" in run_id:
        have = ", ".join(r["run_id"] for r in recent(settings, 5)) or "none"
        from .errors import EtlError
        raise EtlError(f"no run report {run_id!r} in {runs_dir(settings)}; recent runs: {have}")
    return json.loads(p.read_text(encoding="utf-8"))


def recent(settings: Settings, n: int = 10) -> list[dict]:
    """The newest n reports, newest first (run ids start with the start time)."""
    d = runs_dir(settings)
    if not d.is_dir():
        return []
    files = sorted((p for p in d.glob("*.json") if p.name != "active.json"), key=lambda p: p.name, reverse=True)
    out = []
    for p in files[:n]:
        try:
            out.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return out


# -- progress of the run in flight ------------------------------------------------------------------

def active_path(settings: Settings) -> Path:
    return runs_dir(settings) / "active.json"


def set_active(settings: Settings, **info) -> None:
    p = active_path(settings)
    cur = {}
    if p.exists():
        try:
            cur = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cur = {}
    cur.update(info, updated_at=dt.datetime.now().isoformat(timespec="seconds"))
    _write_json(p, cur)


def clear_active(settings: Settings) -> None:
    try:
        active_path(settings).unlink()
    except OSError:
        pass


def active(settings: Settings) -> dict | None:
    """The run in progress (only while the build lock is held: a killed run leaves no false 'running')."""
    from .lock import is_locked
    p = active_path(settings)
    if not p.exists() or not is_locked(settings):
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# -- text (80 columns) ------------------------------------------------------------------------------

def _short_time(v) -> str:
    return str(v or "")[:19].replace("T", " ")


def _counts(report: dict) -> str:
    ds = report.get("datasets") or {}
    n = {o: sum(1 for d in ds.values() if d.get("outcome") == o) for o in OUTCOMES}
    return f"{n['updated']}u {n['unchanged']}n {n['skipped']}s {n['failed']}f"


def history_lines(reports: list[dict], width: int = 80) -> list[str]:
    """One line per run: id, trigger, start, seconds, outcome, dataset counts (U/N/S/F), cause."""
    if not reports:
        return ["no runs recorded yet"]
    head = f"{'run id':<22} {'trigger':<8} {'started':<16} {'secs':>5} {'outcome':<8} datasets"
    lines = [head, "-" * min(width, 79)]
    for r in reports:
        secs = r.get("seconds")
        lines.append(f"{r['run_id']:<22} {r.get('trigger', ''):<8} {_short_time(r.get('started_at'))[:16]:<16} "
                     f"{'' if secs is None else f'{secs:.0f}':>5} {r.get('outcome', ''):<8} "
                     f"{'rollback' if r.get('kind') == 'rollback' else _counts(r)}")
        if r.get("error"):
            lines += textwrap.wrap("cause: " + r["error"], width=width, initial_indent="  ",
                                   subsequent_indent="    ")
        elif r.get("kind") == "rollback":
            lines.append(f"  rollback to build {r.get('restored_build')}")
    lines.append("datasets: u updated, n unchanged, s skipped, f failed")
    return lines


def report_lines(report: dict, width: int = 80) -> list[str]:
    """The full report of one run as plain text, no line wider than `width`."""
    from .diff import summary_lines

    def wrap(text: str, indent: str = "", sub: str = "  ") -> list[str]:
        return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent + sub) or [indent]

    r = report
    lines = [f"run {r['run_id']}  ({r.get('kind', 'build')}, trigger: {r.get('trigger')})"]
    lines += wrap(f"started {_short_time(r.get('started_at'))}, ended {_short_time(r.get('ended_at'))}, "
                  f"{r.get('seconds', 0):.1f} s, outcome: {r.get('outcome')}")
    if r.get("only"):
        lines += wrap("datasets asked for: " + ", ".join(r["only"]))
    if r.get("error"):
        lines += wrap("cause: " + r["error"])
    if r.get("kind") == "rollback":
        lines += wrap(f"restored build {r.get('restored_build')} (was {r.get('replaced_build')})")
    ds = r.get("datasets") or {}
    if ds:
        lines += ["", "datasets:", f"  {'dataset':<44} {'outcome':<9} {'rows before':>11} {'after':>9}"]
        for name in sorted(ds):
            d = ds[name]
            before = "" if d.get("rows_before") is None else f"{d['rows_before']:,}"
            after = "" if d.get("rows_after") is None else f"{d['rows_after']:,}"
            if len(name) > 44:   # long ids on their own line, never cut
                lines.append(f"  {name}")
                name = ""
            lines.append(f"  {name:<44} {d.get('outcome', ''):<9} {before:>11} {after:>9}")
            for c in d.get("checks") or []:
                if c.get("status") != "no_fetch":
                    lines += wrap(f"{c['file']}: {c['status']} ({c['how']}) {c.get('detail', '')}", indent="    ")
            for w in d.get("warnings") or []:
                lines += wrap("warning: " + w, indent="    ")
    val = r.get("validation") or {}
    if val:
        lines += ["", "validation:"]
        for k, v in val.items():
            lines += wrap(f"{k}: {v}", indent="  ")
    if r.get("kind", "build") == "build" and r.get("outcome") == "success":
        lines += ["", f"diff against the previous build ({r.get('previous_build') or 'none'}):"]
        lines += ["  " + ln for ln in summary_lines(r.get("diff") or {}, width=width - 2)]
    return lines
