"""One recorded refresh or rollback — what `etl run`, the scheduler and the console all call.

    build lock → archive the live build → change detection (online) → runner.run (offline, fingerprints
    decide) → diff against the previous build → archive the new build, prune → run report (etl/history.py)

etl/runner.py stays the build engine (atomic copy-then-swap, fingerprints, model tests); this module
adds the steward's view around it without changing how a build works.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from pathlib import Path
from typing import Callable

import duckdb

from . import builds, history
from .errors import EtlError, MissingInputError, ParseError
from .lock import build_lock
from .settings import SETTINGS, Settings, get_settings

MODELS = Path(__file__).resolve().parents[1] / "warehouse" / "models"


def offline_copy(settings: Settings) -> Settings:
    """The same settings with IA_ONLINE=0: after change detection fetched what changed, the runner
    resolves every input from the store and its fingerprints decide what to rebuild."""
    return Settings(**{**{s.name: getattr(settings, s.name) for s in SETTINGS}, "online": "0"})


def rows_by_dataset(path: Path | str | None) -> dict[str, int]:
    if path is None or not Path(path).exists():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.execute("SELECT dataset, count(*) FROM core.fact_observation GROUP BY 1").fetchall())
    except duckdb.Error:
        return {}
    finally:
        con.close()


def _dataset_warnings(path: Path) -> dict[str, list[str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {d: json.loads(w or "[]") for d, w in
                con.execute("SELECT dataset, warnings FROM meta.dataset_state").fetchall()}
    except duckdb.Error:
        return {}
    finally:
        con.close()


def one_line_cause(exc: BaseException) -> str:
    """'dataset X, file Y: <message>' in one line; the message of ParseError/ValidationError names the field."""
    msg = " ".join(str(exc).split()) or type(exc).__name__
    if len(msg) > 400:
        msg = msg[:399] + "…"
    ds = getattr(exc, "ia_dataset", None)
    file = getattr(exc, "file", None) if isinstance(exc, ParseError) else \
        getattr(exc, "filename", None) if isinstance(exc, MissingInputError) else None
    files = getattr(exc, "ia_files", None) or []
    parts = []
    if ds:
        parts.append(f"dataset {ds}")
    if file:
        if Path(str(file)).name not in msg:
            parts.append(f"file {Path(str(file)).name}")
    elif files:
        parts.append("file " + (files[-1] if len(files) == 1 else f"{files[-1]} (last of {len(files)} read)"))
    if not ds and msg.startswith("model "):
        parts.append("models")
    prefix = ", ".join(parts)
    body = f"{type(exc).__name__}: {msg}" if not isinstance(exc, EtlError) else msg
    return f"{prefix}: {body}" if prefix else body


def _model_test_count() -> int:
    return len(list(MODELS.rglob("*.test.sql")))


def _failed_run_id(settings: Settings, started: dt.datetime) -> str | None:
    from .runner import runs_log_path
    p = runs_log_path(settings)
    if not p.exists():
        return None
    for line in reversed(p.read_text(encoding="utf-8").splitlines()[-20:]):
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if str(rec.get("started_at", "")) >= started.isoformat(sep=" "):
            return rec.get("run_id")
    return None


def refresh(only: list[str] | None = None, force: bool = False, trigger: str = "manual",
            settings: Settings | None = None, progress: Callable[[str], None] | None = None,
            lock_wait: float = 0) -> dict:
    """Run one recorded build; returns its report (also in var/runs/<run_id>.json). On failure the report
    is saved and the exception re-raised with `.report` attached; the live warehouse is untouched."""
    from . import changes, runner
    from .catalogue import load_catalogue
    from .diff import diff_builds
    from .snapshots import SnapshotStore

    settings = settings or get_settings()
    say = progress or (lambda m: None)
    started = dt.datetime.now()
    catalogue = load_catalogue()
    if only:
        unknown = [d for d in only if d not in catalogue]
        if unknown:
            raise EtlError(f"unknown dataset(s) {unknown}; known: {', '.join(sorted(catalogue))}")
    selected = list(only) if only else sorted(catalogue)
    report: dict = {"run_id": None, "kind": "build", "trigger": trigger, "requested_at": started.isoformat(
        timespec="seconds"), "started_at": None, "only": list(only or []), "force": force, "outcome": None, "datasets": {},
        "validation": {}, "warnings": [], "error": None, "diff": None}

    with build_lock(settings, trigger, list(only or []), timeout=lock_wait):
        started = dt.datetime.now()   # a run starts when it holds the lock (it may have waited for it)
        report["started_at"] = started.isoformat(timespec="seconds")

        def step(msg: str) -> None:
            history.set_active(settings, message=msg)
            say(msg)

        from .recovery import recover  # a killed earlier run: remove its half-built files, record it
        recovered = recover(settings)
        if recovered:
            say(f"warning: {recovered['error']}")
        history.set_active(settings, trigger=trigger, started_at=report["started_at"], datasets=selected,
                           pid=os.getpid(), message="starting")
        try:
            prev = builds.archive_live(settings)
            report["previous_build"] = prev.build_id if prev else None
            before = rows_by_dataset(prev.path if prev else None)
            checks: dict = {}
            run_settings = settings
            if settings.is_online:
                checks = changes.check_all(catalogue, selected, SnapshotStore(settings), settings, say=step)
                run_settings = offline_copy(settings)
            try:
                result = runner.run(only=only, force=force, settings=run_settings, progress=step)
            except BaseException as exc:
                failed_ds = getattr(exc, "ia_dataset", None)
                report.update(run_id=_failed_run_id(settings, started) or
                              f"{started:%Y%m%dT%H%M%S}-failed", outcome="failed", error=one_line_cause(exc))
                for d in selected:
                    report["datasets"][d] = {"outcome": "failed" if d == failed_ds else "skipped",
                                             "rows_before": before.get(d), "rows_after": before.get(d),
                                             "checks": [c.as_dict() for c in checks.get(d, [])]}
                report["validation"] = {"result": report["error"] if type(exc).__name__ == "ValidationError"
                                        else "not reached" if failed_ds else report["error"]}
                exc.report = report
                raise
            report["run_id"] = result.run_id
            report["outcome"] = result.outcome
            report["warnings"] = list(result.warnings)
            after = rows_by_dataset(settings.warehouse)
            warn = _dataset_warnings(settings.warehouse) if result.outcome == "success" else {}
            for d in sorted(catalogue):
                outcome = "updated" if d in result.changed else "unchanged" if d in selected else "skipped"
                report["datasets"][d] = {"outcome": outcome, "rows_before": before.get(d), "rows_after": after.get(d),
                                         "warnings": warn.get(d, []) if outcome == "updated" else [],
                                         "checks": [c.as_dict() for c in checks.get(d, [])]}
            if result.outcome == "success":
                report["validation"] = {
                    "observation schema (pandera)": f"passed for {len(result.changed)} rebuilt dataset(s)",
                    "model tests (*.test.sql)": f"{_model_test_count()} passed"}
                step("diff against the previous build")
                report["diff"] = diff_builds(prev.path if prev else None, settings.warehouse,
                                             float(settings.diff_threshold))
                new = builds.archive_live(settings, result.run_id)
                report["build"] = new.build_id if new else None
                report["pruned_builds"] = builds.prune(settings)
            else:
                report["validation"] = {"result": "nothing rebuilt: inputs, step code and models unchanged"}
                report["build"] = report["previous_build"]
            return report
        finally:
            report["ended_at"] = dt.datetime.now().isoformat(timespec="seconds")
            report["seconds"] = round((dt.datetime.now() - started).total_seconds(), 2)
            if report["run_id"]:
                history.save(settings, report)
            history.clear_active(settings)


def rollback(build_id: str | None = None, trigger: str = "manual", settings: Settings | None = None,
             lock_wait: float = 0) -> dict:
    """Put an archived build back live (default: the one before the live build); recorded as a run."""
    from .diff import diff_builds
    settings = settings or get_settings()
    started = dt.datetime.now()
    with build_lock(settings, trigger, ["rollback"], timeout=lock_wait):
        cur = builds.archive_live(settings)
        target = builds.find(settings, build_id) if build_id else builds.previous(settings)
        if target is None:
            raise EtlError(f"no earlier build in {builds.builds_dir(settings)} to roll back to "
                           f"(IA_KEEP_BUILDS={settings.keep_builds})")
        if target.live:
            raise EtlError(f"build {target.build_id} is already the live warehouse")
        builds.restore(settings, target)
        report = {"run_id": f"{started:%Y%m%dT%H%M%S}-rb{uuid.uuid4().hex[:4]}", "kind": "rollback", "trigger": trigger,
                  "started_at": started.isoformat(timespec="seconds"), "outcome": "success",
                  "restored_build": target.build_id, "replaced_build": cur.build_id if cur else None,
                  "previous_build": cur.build_id if cur else None, "datasets": {}, "error": None,
                  "diff": diff_builds(cur.path if cur else None, settings.warehouse, float(settings.diff_threshold))}
        report["ended_at"] = dt.datetime.now().isoformat(timespec="seconds")
        report["seconds"] = round((dt.datetime.now() - started).total_seconds(), 2)
        history.save(settings, report)
        return report


_RUN_ID = re.compile(r"^[0-9A-Za-z_.-]{1,80}$")


def valid_id(value: str) -> bool:
    return bool(_RUN_ID.match(value or ""))
