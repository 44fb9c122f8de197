"""The refresh schedule (etl/schedule.toml): load it, run it (APScheduler), or print it for cron / systemd.

Why one job per entry that starts a build in a child process: the per-run timeout must be able to stop
a hung build (a publisher that never answers, a step that loops) without taking the scheduler down; a
killed child releases the build lock (the OS drops it) and never touched the live warehouse
(copy-then-swap). Jobs never overlap: `max_instances=1` per job, and the build lock across jobs and
with manual `etl run` — a job that finds the lock taken waits for it (up to its timeout).

Pausing is a flag file (var/schedule_state.json), read when a job fires, so the console can pause and
resume entries of a running scheduler without restarting it.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
import json
import logging
import os
import shlex
import signal
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import EtlError
from .settings import ROOT, SETTINGS, Settings, get_settings

log = logging.getLogger(__name__)

_DOW = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_DOW_APS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@dataclass
class Entry:
    name: str
    cron: str
    datasets: list[str]
    patterns: list[str]
    timeout: int                 # seconds
    description: str = ""
    unmatched: list[str] = field(default_factory=list)

    @property
    def fields(self) -> list[str]:
        return self.cron.split()


@dataclass
class Schedule:
    path: Path
    timezone: str
    entries: list[Entry]

    def entry(self, name: str) -> Entry:
        for e in self.entries:
            if e.name == name:
                return e
        raise EtlError(f"schedule {self.path}: no entry {name!r}; entries: {', '.join(e.name for e in self.entries)}")


def load_schedule(path: Path | str | None = None, catalogue: dict | None = None) -> Schedule:
    from apscheduler.triggers.cron import CronTrigger  # noqa: F401 - fail early if missing
    path = Path(path or get_settings().schedule_file)
    if catalogue is None:
        from .catalogue import load_catalogue
        catalogue = load_catalogue()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EtlError(f"schedule file {path} not found (IA_SCHEDULE_FILE)") from None
    except tomllib.TOMLDecodeError as exc:
        raise EtlError(f"schedule file {path}: not valid TOML: {exc}") from None
    tz = raw.get("timezone", "Europe/Berlin")
    default_timeout = int(float(raw.get("timeout_minutes", 60)) * 60)
    entries, seen = [], set()
    for i, e in enumerate(raw.get("entry") or [], 1):
        where = f"schedule file {path}, entry {i}"
        for key in ("name", "cron", "datasets"):
            if key not in e:
                raise EtlError(f"{where}: field '{key}' is missing")
        if e["name"] in seen:
            raise EtlError(f"{where}: field 'name' value {e['name']!r} is used twice")
        seen.add(e["name"])
        pats = [e["datasets"]] if isinstance(e["datasets"], str) else list(e["datasets"])
        matched, unmatched = [], []
        for p in pats:
            hits = sorted(d for d in catalogue if fnmatch.fnmatchcase(d, p))
            (matched.extend(h for h in hits if h not in matched) if hits else unmatched.append(p))
        entry = Entry(name=e["name"], cron=str(e["cron"]).strip(), datasets=matched, patterns=pats,
                      timeout=int(float(e.get("timeout_minutes", default_timeout / 60)) * 60),
                      description=e.get("description", ""), unmatched=unmatched)
        try:
            trigger(entry, tz)
        except ValueError as exc:
            raise EtlError(f"{where}: field 'cron' value {entry.cron!r} is not a cron expression: {exc}") from None
        entries.append(entry)
    if not entries:
        raise EtlError(f"schedule file {path}: no [[entry]] tables")
    return Schedule(path=path, timezone=tz, entries=entries)


def trigger(entry: Entry, tz: str):
    from apscheduler.triggers.cron import CronTrigger
    f = entry.fields
    if len(f) == 5:   # not CronTrigger.from_crontab: APScheduler 3 reads day-of-week 0 as Monday, cron as Sunday
        f = ["0", *f]
    if len(f) == 6:  # seconds first
        s, mi, h, dom, mon, dow = f
        return CronTrigger(second=s, minute=mi, hour=h, day=dom, month=mon, day_of_week=_aps_dow(dow),
                           timezone=tz)
    raise ValueError(f"expected 5 fields (or 6 with seconds first), got {len(f)}")


def _aps_dow(dow: str) -> str:
    """Crontab day-of-week numbers (0/7 = Sunday) → APScheduler names (APScheduler's 0 is Monday)."""
    if dow == "*":
        return dow
    out = []
    for part in dow.split(","):
        step = ""
        if "/" in part:
            part, step = part.split("/", 1)
            step = "/" + step
        conv = "-".join(_DOW_APS[int(x)] if x.isdigit() else x for x in part.split("-"))
        out.append(conv + step)
    return ",".join(out)


def next_fire(entry: Entry, tz: str, now: dt.datetime | None = None) -> dt.datetime | None:
    from zoneinfo import ZoneInfo
    now = now or dt.datetime.now(ZoneInfo(tz))
    return trigger(entry, tz).get_next_fire_time(None, now)


# -- pause / resume --------------------------------------------------------------------------------

def state_path(settings: Settings) -> Path:
    return settings.warehouse.parent / "schedule_state.json"


def paused(settings: Settings) -> set[str]:
    try:
        return set(json.loads(state_path(settings).read_text(encoding="utf-8")).get("paused", []))
    except (OSError, ValueError):
        return set()


def set_paused(settings: Settings, name: str, pause: bool) -> set[str]:
    cur = paused(settings)
    (cur.add if pause else cur.discard)(name)
    p = state_path(settings)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"paused": sorted(cur)}, indent=1), encoding="utf-8")
    os.replace(tmp, p)
    return cur


def dataset_next_runs(schedule: Schedule, settings: Settings) -> dict[str, dict]:
    """dataset → {entry, next (ISO) or None, paused}: the earliest next run over the entries naming it."""
    off = paused(settings)
    out: dict[str, dict] = {}
    for e in schedule.entries:
        nxt = None if e.name in off else next_fire(e, schedule.timezone)
        for d in e.datasets:
            cur = out.get(d)
            if cur is None or (nxt is not None and (cur["next"] is None or nxt.isoformat() < cur["next"])):
                out[d] = {"entry": e.name, "next": nxt.isoformat(timespec="minutes") if nxt else None,
                          "paused": e.name in off}
    return out


# -- builds in a child process (timeout) -----------------------------------------------------------

def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as environment variables, so a child process builds exactly what the parent would."""
    return {s.env: str(getattr(settings, s.name)) for s in SETTINGS}


def run_build_process(only: list[str] | None, trigger_name: str, settings: Settings, timeout: float,
                      lock_wait: float = 0, force: bool = False, log_path: Path | None = None) -> dict:
    """`integrationsatlas etl run` in a child process with a timeout; returns the child's run report
    (or a failure report written here when the child was stopped or died without one)."""
    from . import history
    cmd = [sys.executable, "-m", "etl.cli", "etl", "run", "--trigger", trigger_name, "--lock-wait", str(lock_wait)]
    for d in only or []:
        cmd += ["--only", d]
    if force:
        cmd.append("--force")
    env = {**os.environ, **settings_env(settings), "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    started = dt.datetime.now()
    log_path = log_path or history.runs_dir(settings) / "logs" / f"{started:%Y%m%dT%H%M%S}-{trigger_name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    before = {r["run_id"] for r in history.recent(settings, 50)}
    with open(log_path, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout)
            cause = None
        except subprocess.TimeoutExpired:
            _stop(proc)
            rc, cause = None, f"timeout: the build ran longer than {timeout:g} s (IA_RUN_TIMEOUT / timeout_minutes) " \
                              f"and was stopped; the previous warehouse stays live"
    new = [r for r in history.recent(settings, 50) if r["run_id"] not in before and r.get("trigger") == trigger_name]
    if new and cause is None:
        return new[0]
    for p in settings.warehouse.parent.glob(f"{settings.warehouse.stem}.building-{proc.pid}-*"):
        p.unlink(missing_ok=True)   # the stopped child's half-written build
    history.clear_active(settings)
    tail = ""
    if cause is None:
        text = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        tail = text[-1] if text else ""
        cause = f"the build process exited with code {rc} without a run report: {tail}"
    report = {"run_id": f"{started:%Y%m%dT%H%M%S}-to{proc.pid % 10000:04d}", "kind": "build",
              "trigger": trigger_name, "started_at": started.isoformat(timespec="seconds"),
              "ended_at": dt.datetime.now().isoformat(timespec="seconds"),
              "seconds": (dt.datetime.now() - started).total_seconds(), "outcome": "failed", "only": only or [],
              "error": cause, "datasets": {d: {"outcome": "failed"} for d in (only or [])}, "log": str(log_path)}
    history.save(settings, report)
    return report


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def job(entry: Entry, settings: Settings) -> dict | None:
    """What one scheduled firing does: nothing if paused, else one build of the entry's datasets."""
    if entry.name in paused(settings):
        log.info("schedule entry %s is paused; not run", entry.name)
        return None
    if not entry.datasets:
        log.warning("schedule entry %s matches no dataset (%s); not run", entry.name, ", ".join(entry.patterns))
        return None
    log.info("schedule entry %s: refreshing %s", entry.name, ", ".join(entry.datasets))
    report = run_build_process(entry.datasets, "schedule", settings, timeout=entry.timeout, lock_wait=entry.timeout)
    log.info("schedule entry %s: run %s %s%s", entry.name, report.get("run_id"), report.get("outcome"),
             f" ({report['error']})" if report.get("error") else "")
    return report


def make_scheduler(schedule: Schedule, settings: Settings, blocking: bool = True):
    """An APScheduler with one cron job per entry (max_instances=1, coalesce: a missed firing runs once)."""
    if blocking:
        from apscheduler.schedulers.blocking import BlockingScheduler as S
    else:
        from apscheduler.schedulers.background import BackgroundScheduler as S
    sched = S(timezone=schedule.timezone)
    for e in schedule.entries:
        sched.add_job(job, trigger(e, schedule.timezone), args=[e, settings], id=e.name, name=e.name,
                      max_instances=1, coalesce=True, misfire_grace_time=3600)
    return sched


# -- crontab / systemd ------------------------------------------------------------------------------

def command_line(entry: Entry, executable: str = "integrationsatlas") -> str:
    return " ".join([executable, "etl", "run", "--trigger", "schedule", "--lock-wait", str(entry.timeout),
                     *[f"--only {shlex.quote(d)}" for d in entry.datasets]])


def crontab_lines(schedule: Schedule, workdir: Path | str = ROOT, executable: str = "integrationsatlas") -> list[str]:
    """Exactly one crontab line per entry (`timeout` enforces the per-run timeout; the times are in the
    schedule's time zone: put CRON_TZ=<zone> above them, or run cron in that zone). Entries that cron
    cannot express are printed as a comment saying why."""
    lines = []
    for e in schedule.entries:
        if len(e.fields) != 5:
            lines.append(f"# {e.name}: cron {e.cron!r} has seconds; crontab cannot express it")
        elif not e.datasets:
            lines.append(f"# {e.name}: {', '.join(e.patterns)} match no dataset in the catalogue")
        else:
            lines.append(f"{e.cron} cd {shlex.quote(str(workdir))} && timeout {e.timeout}s "
                         f"{command_line(e, executable)}  # {e.name}")
    return lines


def on_calendar(cron: str) -> str:
    """A 5-field cron expression as a systemd OnCalendar= value (weekday, date, time)."""
    f = cron.split()
    if len(f) != 5:
        raise EtlError(f"cron {cron!r}: systemd conversion needs 5 fields")
    mi, h, dom, mon, dow = f
    if dom != "*" and dow != "*":
        raise EtlError(f"cron {cron!r}: day-of-month and day-of-week both set (cron ORs them, systemd ANDs "
                       "them); split it into two entries")

    def conv(v: str, width: int = 2) -> str:
        if v == "*":
            return "*"
        parts = []
        for p in v.split(","):
            step = ""
            if "/" in p:
                p, s = p.split("/", 1)
                step = "/" + s
                p = "0" if p == "*" else p
            if "-" in p:
                a, b = p.split("-")
                parts.append(f"{int(a):0{width}d}..{int(b):0{width}d}{step}")
            else:
                parts.append(f"{int(p):0{width}d}{step}")
        return ",".join(parts)

    def conv_dow(v: str) -> str:
        out = []
        for p in v.split(","):
            if "-" in p:
                a, b = p.split("-")
                out.append(f"{_DOW[int(a)]}..{_DOW[int(b)]}")
            else:
                out.append(_DOW[int(p)])
        return ",".join(out)

    prefix = "" if dow == "*" else conv_dow(dow) + " "
    return f"{prefix}*-{conv(mon)}-{conv(dom)} {conv(h)}:{conv(mi)}:00"


def systemd_units(schedule: Schedule, workdir: Path | str = ROOT, executable: str = "integrationsatlas",
                  user: str = "atlas") -> list[tuple[str, str]]:
    """(file name, content) of one .service + .timer pair per entry."""
    out = []
    for e in schedule.entries:
        if len(e.fields) != 5 or not e.datasets:
            continue
        unit = f"integrationsatlas-{e.name}"
        out.append((f"{unit}.service", "\n".join([
            "[Unit]", f"Description=Integrationsatlas refresh: {e.description or e.name}",
            "After=network-online.target", "Wants=network-online.target", "",
            "[Service]", "Type=oneshot", f"User={user}", f"WorkingDirectory={workdir}",
            f"ExecStart={command_line(e, executable)}", f"TimeoutStartSec={e.timeout}", ""])))
        out.append((f"{unit}.timer", "\n".join([
            "[Unit]", f"Description=Integrationsatlas refresh schedule: {e.name} ({e.cron})", "",
            "[Timer]", f"OnCalendar={on_calendar(e.cron)} {schedule.timezone}", "Persistent=true", "",
            "[Install]", "WantedBy=timers.target", ""])))
    return out
