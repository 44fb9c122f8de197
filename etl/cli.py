"""`integrationsatlas` command line: build and check the warehouse, list and export numbers, serve the app."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from .errors import EtlError, UnknownSelection
from .settings import get_settings

app = typer.Typer(help="Integrationsatlas: migration and integration capacity of German municipalities.",
                  no_args_is_help=True, add_completion=False)
etl_app = typer.Typer(help="Build and check the warehouse.", no_args_is_help=True)
geo_app = typer.Typer(help="Boundaries and map assets.", no_args_is_help=True)
app.add_typer(etl_app, name="etl")
app.add_typer(geo_app, name="geodata")
console = Console(stderr=True)
out = Console()


def _setup_logging() -> None:
    level = getattr(logging, get_settings().log_level.upper(), logging.INFO)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _fail(msg: str, code: int = 2) -> None:
    from rich.markup import escape
    # soft_wrap: the cause stays one line however narrow the terminal (stewards grep and paste it)
    console.print(f"[red]error:[/red] {escape(msg)}", soft_wrap=True)
    raise typer.Exit(code)


def _cell(v) -> str:
    if isinstance(v, (list, tuple)) or hasattr(v, "__array__") and not isinstance(v, str) and getattr(v, "ndim", 0):
        return ", ".join(map(str, v))
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA else str(v)


def _emit(df: pd.DataFrame, fmt: str, title: str | None = None) -> None:
    if fmt == "csv":
        sys.stdout.write(df.to_csv(index=False))
        return
    table = Table(title=title)
    for col in df.columns:
        table.add_column(str(col))
    for row in df.itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    out.print(table)


def _warehouse():
    from warehouse.queries import get_warehouse
    s = get_settings()
    if not s.warehouse.exists():
        _fail(f"warehouse not found at {s.warehouse}; run `integrationsatlas etl run` first")
    return get_warehouse(s)


# -- etl ---------------------------------------------------------------------------------------

@etl_app.command("run")
def etl_run(only: list[str] = typer.Option(None, "--only", help="Run only these datasets (catalogue ids)."),
            force: bool = typer.Option(False, "--force", help="Re-run steps even if inputs are unchanged."),
            trigger: str = typer.Option("manual", "--trigger", help="manual, schedule or console (run history)"),
            lock_wait: float = typer.Option(0, "--lock-wait", help="seconds to wait while another build runs")) -> None:
    """Build the warehouse from the official sources (or the snapshot mirror); atomic, skips unchanged inputs."""
    _setup_logging()
    from .lock import BuildLocked
    from .refresh import refresh
    with console.status("building warehouse …") as status:
        try:
            report = refresh(only=only or None, force=force, trigger=trigger, lock_wait=lock_wait,
                             progress=lambda m: status.update(m) or console.print(m))
        except BuildLocked as exc:
            _fail(str(exc), 3)
        except Exception as exc:  # noqa: BLE001 - one line naming dataset, file and field; exit 1
            cause = getattr(exc, "report", {}).get("error") or f"{type(exc).__name__}: {exc}"
            _fail(f"{cause}\nThe last good warehouse was left untouched.", 1)
    ds = report["datasets"]
    n = {o: sum(1 for d in ds.values() if d["outcome"] == o) for o in ("updated", "unchanged", "skipped")}
    console.print(f"[green]{report['outcome']}[/green] in {report['seconds']:.1f}s (run {report['run_id']}); "
                  f"updated: {n['updated']}, unchanged: {n['unchanged']}, skipped: {n['skipped']}, "
                  f"warnings: {len(report['warnings'])}")
    for w in report["warnings"]:
        console.print(f"  [yellow]warning[/yellow] {w}")
    if report.get("diff"):
        from .diff import summary_lines
        for line in summary_lines(report["diff"]):
            console.print(line, markup=False, highlight=False)


@etl_app.command("history")
def etl_history(last: int = typer.Option(10, "--last", help="how many runs, newest first"),
                format: str = typer.Option("text", "--format", help="text or json")) -> None:
    """Recorded runs (manual, scheduled, console): outcome, datasets updated/unchanged/skipped/failed, cause."""
    import json as _json
    from .history import history_lines, recent
    reports = recent(get_settings(), last)
    if format == "json":
        sys.stdout.write(_json.dumps(reports, indent=1, ensure_ascii=False, default=str) + "\n")
        return
    for line in history_lines(reports):
        out.print(line, markup=False, highlight=False, soft_wrap=True)


@etl_app.command("report")
def etl_report(run_id: str = typer.Argument(..., help="a run id from `etl history`"),
               format: str = typer.Option("text", "--format", help="text or json")) -> None:
    """One run in full: datasets with rows before/after, change checks, validation, warnings, diff."""
    import json as _json
    from .history import load, report_lines
    try:
        rep = load(get_settings(), run_id)
    except EtlError as exc:
        _fail(str(exc))
    if format == "json":
        sys.stdout.write(_json.dumps(rep, indent=1, ensure_ascii=False, default=str) + "\n")
        return
    for line in report_lines(rep):
        out.print(line, markup=False, highlight=False, soft_wrap=True)


@etl_app.command("rollback")
def etl_rollback(run_id: str = typer.Argument(None, help="build (run id) to restore; default: the one before the live build"),
                 trigger: str = typer.Option("manual", "--trigger", hidden=True)) -> None:
    """Put a previous build back live (atomic swap); the last IA_KEEP_BUILDS builds are kept in var/builds/."""
    from .refresh import rollback
    try:
        rep = rollback(run_id, trigger=trigger)
    except EtlError as exc:
        _fail(str(exc), 1)
    from .diff import summary_lines
    console.print(f"rolled back: build {rep['restored_build']} is live again (was {rep['replaced_build']}); "
                  f"recorded as {rep['run_id']}")
    for line in summary_lines(rep["diff"]):
        console.print(line, markup=False, highlight=False)


@etl_app.command("status")
def etl_status(format: str = typer.Option("table", "--format", help="table or csv")) -> None:
    """Last runs and per-dataset freshness."""
    from .runner import read_runs
    s = get_settings()
    runs = read_runs(s)
    _emit(runs.reindex(columns=[c for c in ["run_id", "started_at", "outcome", "seconds", "changed", "error"]
                                if c in runs.columns]), format, "ETL runs (newest first)")
    if s.warehouse.exists():
        wh = _warehouse()
        df = wh.sql("""SELECT d.dataset, d.built_at, d.rows, s.origin, s.files, s.fetched_at,
                              f.latest_reference_date, c.priority
                       FROM meta.dataset_state d
                       LEFT JOIN (SELECT dataset, string_agg(DISTINCT origin, ',') AS origin, count(*) AS files,
                                         max(fetched_at) AS fetched_at FROM meta.snapshot GROUP BY 1) s USING (dataset)
                       LEFT JOIN (SELECT dataset, max(reference_date) AS latest_reference_date
                                  FROM staging.observations_all GROUP BY 1) f USING (dataset)
                       LEFT JOIN staging.datasets c USING (dataset) ORDER BY d.dataset""")
        _emit(df, format, f"Datasets in {s.warehouse}")
    else:
        console.print(f"no warehouse at {s.warehouse}")


@etl_app.command("schedule")
def etl_schedule(file: Path = typer.Option(None, "--file", help="schedule file (default IA_SCHEDULE_FILE, etl/schedule.toml)"),
                 print_crontab: bool = typer.Option(False, "--print-crontab", help="print one crontab line per entry and exit"),
                 systemd: bool = typer.Option(False, "--systemd", help="print a systemd .service + .timer per entry and exit"),
                 once: bool = typer.Option(False, "--print", help="print entries with their next run and exit"),
                 cron: str = typer.Option(None, "--cron", help="ignore the file: one entry refreshing every dataset")) -> None:
    """Refresh on the schedule file (APScheduler, blocking): one build at a time (the build lock is shared
    with `etl run`), each with a timeout; paused entries (console) are not run."""
    _setup_logging()
    from . import schedule as sch
    s = get_settings()
    try:
        if cron:
            from .catalogue import load_catalogue
            e = sch.Entry(name="all", cron=cron, datasets=sorted(load_catalogue()), patterns=["*"],
                          timeout=int(float(s.run_timeout)))
            sch.trigger(e, "Europe/Berlin")
            schedule = sch.Schedule(path=Path("--cron"), timezone="Europe/Berlin", entries=[e])
        else:
            schedule = sch.load_schedule(file)
    except (EtlError, ValueError) as exc:
        _fail(str(exc))
    if print_crontab:
        console.print(f"# times are {schedule.timezone}: put CRON_TZ={schedule.timezone} above these lines "
                      "(cronie) or run cron in that zone", markup=False, highlight=False)
        for line in sch.crontab_lines(schedule):
            sys.stdout.write(line + "\n")
        return
    if systemd:
        try:
            units = sch.systemd_units(schedule)
        except EtlError as exc:
            _fail(str(exc))
        for name, text in units:
            sys.stdout.write(f"# ---- /etc/systemd/system/{name}\n{text}\n")
        return
    off = sch.paused(s)
    for e in schedule.entries:
        nxt = sch.next_fire(e, schedule.timezone)
        state = "paused" if e.name in off else f"next {nxt.isoformat(timespec='minutes')}"
        sys.stdout.write(f"{e.name}: {e.cron} ({state})\n  {len(e.datasets)} dataset(s), timeout {e.timeout} s: "
                         f"{', '.join(e.datasets)}\n")
        if e.unmatched:
            sys.stdout.write(f"  patterns without a dataset: {', '.join(e.unmatched)}\n")
    if once:
        return
    console.print(f"scheduler running ({len(schedule.entries)} entries, {schedule.path}); Ctrl-C stops it")
    try:
        sch.make_scheduler(schedule, s, blocking=True).start()
    except (KeyboardInterrupt, SystemExit):
        pass


# -- catalogue and regions -----------------------------------------------------------------------

@app.command()
def indicators(format: str = typer.Option("table", "--format", help="table or csv")) -> None:
    """The indicator catalogue: role and polarity, the latest reference date per level and how old it is."""
    from warehouse.queries import indicators as q_ind
    from .staleness import latest_per_level
    df = q_ind(_warehouse())
    df["levels"] = df["levels"].map(lambda v: ",".join(v) if v is not None else "")
    df["years"] = df["years"].map(lambda v: ",".join(map(str, v)) if v is not None else "")
    df["latest"] = df["latest_by_level"].map(latest_per_level)
    for col in ("role", "polarity"):
        if col not in df:
            df[col] = None
    sign = {"higher_is_better": "+", "higher_is_worse": "−", "neutral": "0"}
    df["pol"] = df["polarity"].map(lambda v: sign.get(v, ""))
    cols = ["indicator_id", "role", "pol", "latest"]  # fits 80 columns; --format csv has everything
    if format == "csv":
        cols = ["indicator_id", "label_de", "label_en", "role", "polarity", "unit", "kind", "levels", "years",
                "latest", "table_codes", "sources", "licence", "definition_de", "definition_en", "gaps_de"]
    _emit(df[cols], format, f"Indikatoren ({len(df)})")


@app.command()
def regions(level: str = typer.Option(..., "--level", help="land, kreis or gemeinde"),
            format: str = typer.Option("table", "--format", help="table or csv")) -> None:
    """Regions of one level with Kommunaltyp, size class, East/West, BBSR Kreistyp and population."""
    from warehouse.queries import regions as q_reg
    try:
        df = q_reg(level, _warehouse())
    except UnknownSelection as exc:
        _fail(str(exc))
    df = df.rename(columns={"land_ags": "land"})
    _emit(df[["ags", "name", "level", "land", "kommunaltyp", "size_class", "east_west", "bbsr_kreistyp",
              "population", "population_date"]], format, f"Regionen: {level}")


@app.command()
def export(indicator: str = typer.Option(..., "--indicator"), level: str = typer.Option(..., "--level"),
           year: int = typer.Option(..., "--year"),
           format: str = typer.Option("csv", "--format", help="csv or xlsx"),
           output: Path = typer.Option(None, "--output", help="file to write (default: stdout for csv)")) -> None:
    """Values of one indicator, level and year with source, flag and licence."""
    from warehouse.queries import values
    from .export import EXPORT_COLUMNS, tidy_export, to_xlsx_bytes
    if format not in ("csv", "xlsx"):
        _fail("--format must be csv or xlsx")
    try:
        df = values(indicator, level, year, _warehouse())
    except UnknownSelection as exc:
        _fail(str(exc))
    title = f"{indicator} {level} {year}"
    if format == "xlsx":
        if output is None:
            _fail("--output is required for xlsx")
        output.write_bytes(to_xlsx_bytes(df, title))
        console.print(f"wrote {output}")
        return
    text = tidy_export(df)[EXPORT_COLUMNS].to_csv(index=False)
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output} ({len(df)} rows)")
    else:
        sys.stdout.write(text)


@app.command()
def groups(indicator: str = typer.Option(..., "--indicator"), level: str = typer.Option(..., "--level"),
           year: int = typer.Option(None, "--year", help="required unless --series"),
           by: str = typer.Option("", "--by", help="comma-separated facets: kommunaltyp, size_class, "
                                  "size_class_fine, land, east_west, bbsr_kreistyp, sonderstatus"),
           berlin: str = typer.Option("own", "--berlin", help="Berlin rule for east_west: own, west, east"),
           format: str = typer.Option("table", "--format", help="table or csv"),
           series: bool = typer.Option(False, "--series", help="every year with values (group time series); "
                                       "--year is then ignored")) -> None:
    """Group figures: counts summed, derived rates as ratio of sums, published rates weighted with their own
    denominator (labour force, children of the age group, population); booking clusters counted in full or
    excluded; with n, population at the figure's year and the method line."""
    from warehouse.queries import group_aggregate, group_series
    facets = [f.strip() for f in by.split(",") if f.strip()]
    if year is None and not series:
        _fail("--year is required (or --series for every year)")
    try:
        df = (group_series(indicator, level, facets, None, berlin, _warehouse()) if series
              else group_aggregate(indicator, level, year, facets, None, berlin, _warehouse()))
    except UnknownSelection as exc:
        _fail(str(exc))
    title = f"{indicator} {level} {'alle Jahre' if series else year} nach {', '.join(facets) or 'gesamt'}"
    if format == "csv":
        _emit(df, format, title)
        return
    cols = [*facets, "year", "n", "population", "population_date", "value", "n_excluded", "approximate"]
    _emit(df[[c for c in cols if c in df.columns]], format, title)
    for m in dict.fromkeys(df["method_de"]):
        out.print(f"Methode: {m}")


# -- settings, serve, geodata -----------------------------------------------------------------------

@app.command("settings")
def show_settings() -> None:
    """Every setting with its environment variable, current value and help."""
    _emit(pd.DataFrame(get_settings().as_rows(), columns=["setting", "env", "value", "help"]), "table", "Settings")


def gunicorn_command(host: str, port: int, workers: int | None = None, threads: int | None = None) -> list[str]:
    """The gunicorn command `serve` runs (bench/bench_load.py measures exactly this). Worker model from
    IA_WORKERS / IA_THREADS (etl/settings.py; chosen by the load test, bench/results/load.md): threads > 1 means
    gthread workers, each thread with its own DuckDB cursor (warehouse.queries.Warehouse.sql)."""
    s = get_settings()
    workers = int(workers or s.workers)
    threads = int(threads or s.threads)
    cmd = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}", "--timeout", "60"]
    if threads > 1:
        # keep-alive above a user's pause between clicks (gunicorn's default 2 s closed idle connections just as the
        # next click reused them: "connection reset" in the load test); sync workers do not keep connections alive
        cmd += ["--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "5"]
    return cmd + ["dashboard.app:server"]


@app.command()
def serve(dev: bool = typer.Option(False, "--dev", help="Dash development server instead of gunicorn"),
          host: str = typer.Option(None, "--host"), port: int = typer.Option(None, "--port"),
          workers: int = typer.Option(None, "--workers", help="gunicorn worker processes (default IA_WORKERS)"),
          threads: int = typer.Option(None, "--threads",
                                      help="threads per worker, > 1 = gthread workers (default IA_THREADS)")) -> None:
    """Serve the dashboard (builds the warehouse first if it is missing)."""
    _setup_logging()
    s = get_settings()
    host = host or s.host
    port = port or int(s.port)
    if not s.warehouse.exists():
        console.print("no warehouse yet: building it first")
        from .runner import run
        run(progress=console.print)
    if dev:
        from dashboard.app import run as run_dash
        run_dash(host=host, port=port, debug=False)
        return
    import subprocess
    cmd = gunicorn_command(host, port, workers, threads)
    console.print("serving: " + " ".join(cmd))
    raise typer.Exit(subprocess.call(cmd))


@geo_app.command("check")
def geodata_check() -> None:
    """Which units of the region dimension have a boundary; lists every missing one with the reason."""
    from geodata.cli import check
    report, ok = check(get_settings())
    out.print(report)
    raise typer.Exit(0 if ok else 1)


@geo_app.command("build")
def geodata_build() -> None:
    """Rebuild geometry tables and client assets (runs as part of `etl run` too)."""
    from geodata.cli import build
    out.print(build(get_settings()))


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
