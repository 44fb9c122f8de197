"""Build the warehouse: run changed dataset steps, rebuild the SQL models, validate, swap atomically.

Why copy-then-swap: the last good warehouse is never opened for writing. A new file is
written next to it (a copy of the old one, so unchanged datasets keep their staging tables),
steps and models run there, the model tests run, and only then does os.replace() put it
in place. A crash or a failed test leaves the old file untouched; the failure is recorded
in var/etl_runs.jsonl (the old warehouse cannot be written to).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from warehouse.connection import connect_writer

from .catalogue import catalogue_dir, indicator_files, load_catalogue, load_indicators
from .errors import EtlError, InputError, ValidationError
from .settings import ROOT, Settings, get_settings
from .parallel import Computed, computed_steps, use_pool
from .snapshots import SnapshotStore
from .step import StepContext, StepOutput, observations
from .validate import expected_units, previous_totals, validate_observations, validate_tables

log = logging.getLogger(__name__)
MODELS = ROOT / "warehouse" / "models"
MODEL_LAYERS = ("intermediate", "core", "marts")


@dataclass
class RunResult:
    run_id: str
    outcome: str  # success | skipped | failed
    changed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None


def _hash_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def code_hash(entry: dict) -> str:
    mod = importlib.import_module(entry["step"])
    files = [Path(mod.__file__), ROOT / "etl" / "step.py", ROOT / "etl" / "quality.py",
             ROOT / "etl" / "validate.py", *indicator_files(),
             catalogue_dir() / f"{entry['id']}.yml"]
    files += list((ROOT / "etl" / "parsers").glob("*.py"))
    files += list((ROOT / "etl" / "corrections").glob("*.yml"))
    return _hash_files(files)


def models_hash() -> str:
    files = list(MODELS.rglob("*.sql")) + list((ROOT / "warehouse" / "seeds").glob("*.csv"))
    files += list((ROOT / "geodata").glob("*.py")) + [Path(__file__), *indicator_files()]
    return _hash_files(files)


def input_fingerprint(entry: dict, store: SnapshotStore) -> str:
    h = hashlib.sha256(code_hash(entry).encode())
    for f in entry["files"]:
        snap = store.peek(entry["id"], f["name"], f.get("folder"), f.get("path"))
        h.update(f"{f['name']}={snap.sha256 if snap else 'MISSING'}".encode())
    return h.hexdigest()


def _previous_state(path: Path) -> tuple[dict[str, str], str | None]:
    if not path.exists():
        return {}, None
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            state = dict(con.execute("SELECT dataset, fingerprint FROM meta.dataset_state").fetchall())
            mh = con.execute("SELECT value FROM meta.build_info WHERE key='models_hash'").fetchone()
        finally:
            con.close()
        return state, (mh[0] if mh else None)
    except duckdb.Error:
        return {}, None


def runs_log_path(settings: Settings) -> Path:
    return settings.warehouse.parent / "etl_runs.jsonl"


def _append_runs_log(settings: Settings, record: dict) -> None:
    p = runs_log_path(settings)
    p.parent.mkdir(parents=True, exist_ok=True)
    with open(p, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, default=str) + "\n")


def _as_arrow(df: pd.DataFrame):
    """An Arrow table DuckDB reads without copying (pandas' arrow-backed strings cost a numpy round trip per
    column when a DataFrame is registered: 5 s for the Deutschlandatlas' 570k rows); mixed object columns fall
    back to the DataFrame itself."""
    import pyarrow as pa
    try:
        return pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return df


def _write_step_output(con: duckdb.DuckDBPyConnection, dataset: str, out: StepOutput,
                       ctx: StepContext) -> dict[str, int]:
    counts: dict[str, int] = {}
    snap_by_file = {s.filename: s.snapshot_id for s in ctx.snapshots}
    previous = previous_totals(con, dataset)  # before the old staging tables go: totals of the last good build
    old = [r[0] for r in con.execute(
        "SELECT table_name FROM meta.staging_tables WHERE dataset = ?", [dataset]).fetchall()]
    for t in old:
        con.execute(f'DROP TABLE IF EXISTS staging."{t}"')
    con.execute("DELETE FROM meta.staging_tables WHERE dataset = ?", [dataset])
    tables = dict(out.tables)
    validate_tables(tables, dataset)
    if out.observations is not None:
        obs = observations(out.observations)
        published = {f["name"]: f.get("published") for f in ctx.entry.get("files", [])}
        validate_observations(obs, dataset, {k: (str(v) if v else None) for k, v in published.items()},
                              expected_units(con), ctx.entry, previous=previous)
        obs["dataset"] = dataset
        obs["snapshot_id"] = obs["source_file"].map(snap_by_file)
        obs["published"] = obs["source_file"].map(published).astype("string")
        unknown = obs.loc[obs["snapshot_id"].isna(), "source_file"].unique().tolist()
        if unknown:
            raise EtlError(f"{dataset}: observations name source files not read through ctx.input: {unknown}")
        tables[f"obs__{dataset}"] = obs
    for name, df in tables.items():
        con.register("_df", _as_arrow(df))
        con.execute(f'CREATE TABLE staging."{name}" AS SELECT * FROM _df')
        con.unregister("_df")
        con.execute("INSERT INTO meta.staging_tables VALUES (?, ?, ?)", [dataset, name, len(df)])
        counts[f"staging.{name}"] = len(df)
    con.execute("DELETE FROM meta.snapshot WHERE dataset = ?", [dataset])
    for s in ctx.snapshots:
        con.execute("INSERT INTO meta.snapshot VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [s.snapshot_id, s.dataset, s.filename, s.path, s.sha256, s.size, s.origin, s.url,
                     s.fetched_at])
    return counts


def run_step(entry: dict, ctx: StepContext, write: Callable[[StepOutput], dict[str, int]] | None = None,
             output: StepOutput | None = None):
    """Run one step (and `write` its output; `output` = already computed by a worker, etl/parallel.py); any failure
    leaves as an EtlError naming the dataset and files: a library's own exception (corrupt zip/xlsx/parquet/
    shapefile, empty CSV, full disk …) becomes an InputError of one line instead of a 70-line traceback."""
    dataset = entry["id"]
    try:
        out = output if output is not None else importlib.import_module(entry["step"]).run(ctx)
        return write(out) if write else out
    except Exception as exc:  # name the dataset and files for the run report (etl/refresh.py)
        files = [s.filename for s in ctx.snapshots]
        if not isinstance(exc, EtlError):
            exc = InputError.wrap(exc, dataset, files)
        exc.ia_dataset, exc.ia_files = dataset, files
        raise exc from exc.__cause__


META_DDL = """
CREATE TABLE IF NOT EXISTS meta.dataset_state (dataset VARCHAR PRIMARY KEY, fingerprint VARCHAR,
    built_at TIMESTAMP, rows BIGINT, warnings VARCHAR);
CREATE TABLE IF NOT EXISTS meta.staging_tables (dataset VARCHAR, table_name VARCHAR, rows BIGINT);
CREATE TABLE IF NOT EXISTS meta.snapshot (snapshot_id VARCHAR, dataset VARCHAR, filename VARCHAR, path VARCHAR,
    sha256 VARCHAR, size BIGINT, origin VARCHAR, url VARCHAR, fetched_at VARCHAR);
CREATE TABLE IF NOT EXISTS meta.etl_run (run_id VARCHAR, started_at TIMESTAMP, ended_at TIMESTAMP,
    outcome VARCHAR, datasets_run VARCHAR, datasets_skipped VARCHAR, sources VARCHAR, row_counts VARCHAR,
    warnings VARCHAR);
CREATE TABLE IF NOT EXISTS meta.build_info (key VARCHAR PRIMARY KEY, value VARCHAR);
"""


def _drop_removed_datasets(con: duckdb.DuckDBPyConnection, catalogue: dict) -> list[str]:
    """A dataset no longer in the catalogue (removed or renamed) loses its staging tables and meta rows, so a
    renamed dataset can write the same table names and stale obs__ tables never enter observations_all."""
    gone = sorted({r[0] for r in con.execute("SELECT dataset FROM meta.staging_tables").fetchall()} - set(catalogue))
    for dataset in gone:
        for (t,) in con.execute("SELECT table_name FROM meta.staging_tables WHERE dataset = ?", [dataset]).fetchall():
            con.execute(f'DROP TABLE IF EXISTS staging."{t}"')
        for meta in ("staging_tables", "dataset_state", "snapshot"):
            con.execute(f"DELETE FROM meta.{meta} WHERE dataset = ?", [dataset])
    return gone


def _observation_union(con: duckdb.DuckDBPyConnection) -> None:
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema='staging' "
        "AND starts_with(table_name, 'obs__') AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
    if not tables:
        raise EtlError("no observation tables were produced")
    union = " UNION ALL BY NAME ".join(f'SELECT * FROM staging."{t}"' for t in tables)
    con.execute(f"CREATE OR REPLACE VIEW staging.observations_all AS {union}")


def _load_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Seeds (warehouse/seeds/*.csv), the indicator catalogue and the dataset catalogue as staging tables,
    so SQL models can join them instead of hard-coding ids, kinds or priorities."""
    for seed in sorted((ROOT / "warehouse" / "seeds").glob("*.csv")):
        df = pd.read_csv(seed, dtype=str, keep_default_na=False)
        con.register("_seed", df)
        con.execute(f'CREATE OR REPLACE TABLE staging."seed_{seed.stem}" AS SELECT * FROM _seed')
        con.unregister("_seed")
    rows = []
    for iid, spec in load_indicators().items():
        rows.append({k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
                     for k, v in spec.items()})
    ind = pd.DataFrame(rows)
    for col in ("numerator", "denominator", "weight", "weight_note_de", "weight_note_en", "breaks"):
        if col not in ind:
            ind[col] = None
    ind["scale"] = pd.to_numeric(ind.get("scale"), errors="coerce")
    con.register("_ind", ind)
    con.execute("CREATE OR REPLACE TABLE staging.indicators AS SELECT * FROM _ind")
    con.execute("CREATE OR REPLACE TABLE staging.indicator_kind AS SELECT id AS indicator_id, kind FROM staging.indicators")
    con.unregister("_ind")
    cat = pd.DataFrame([{
        "dataset": e["id"], "title": e["title"], "publisher": e["publisher"], "url": e["url"],
        "table_codes": ", ".join(map(str, e["table_codes"])), "licence": e["licence"],
        "attribution": e["attribution"], "priority": int(e["priority"]),
        "reference_dates": "; ".join(map(str, e["reference_dates"])), "notes": e.get("notes"),
    } for e in load_catalogue().values()])
    con.register("_cat", cat)
    con.execute("CREATE OR REPLACE TABLE staging.datasets AS SELECT * FROM _cat")
    con.unregister("_cat")


def _post_build_hooks(con: duckdb.DuckDBPyConnection, settings: Settings | None) -> None:
    """Python builds that need the finished models (geometry dissolve + client assets)."""
    try:
        from geodata import build as geobuild  # noqa: WPS433 (optional until geodata lands)
    except ImportError:
        return
    if hasattr(geobuild, "post_build"):
        geobuild.post_build(con, settings or get_settings())


def run_models(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> list[str]:
    """Execute warehouse/models/<layer>/*.sql in order, the post-build hooks, then every *.test.sql
    (each returns violating rows and must return none)."""
    # intermediate is rebuilt whole every run: starting empty lets a model turn a table into a view (or drop one)
    con.execute("DROP SCHEMA IF EXISTS intermediate CASCADE")
    con.execute("CREATE SCHEMA intermediate")
    _load_reference_tables(con)
    _observation_union(con)
    failures: list[str] = []
    for layer in MODEL_LAYERS:
        for sql in sorted((MODELS / layer).glob("*.sql")):
            if sql.name.endswith(".test.sql"):
                continue
            try:
                con.execute(sql.read_text(encoding="utf-8"))
            except duckdb.Error as exc:
                raise EtlError(f"model {layer}/{sql.name} failed: {exc}") from exc
    _post_build_hooks(con, settings)
    for layer in MODEL_LAYERS:
        for test in sorted((MODELS / layer).glob("*.test.sql")):
            rows = con.execute(test.read_text(encoding="utf-8")).fetchall()
            if rows:
                failures.append(f"{layer}/{test.name}: {len(rows)} violating rows, e.g. {rows[:3]}")
    if failures:
        raise ValidationError("model tests failed:\n  " + "\n  ".join(failures))
    return []


def run(only: list[str] | None = None, force: bool = False, settings: Settings | None = None,
        progress: Callable[[str], None] | None = None) -> RunResult:
    settings = settings or get_settings()
    say = progress or (lambda msg: log.info(msg))
    started = dt.datetime.now()
    t0 = time.perf_counter()
    run_id = started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    catalogue = load_catalogue()
    if only:
        unknown = [d for d in only if d not in catalogue]
        if unknown:
            raise EtlError(f"unknown dataset(s) {unknown}; known: {', '.join(sorted(catalogue))}")
    selected = list(only) if only else sorted(catalogue, key=lambda d: (catalogue[d]["priority"], d))
    store = SnapshotStore(settings)
    target = settings.warehouse
    prev_state, prev_models = _previous_state(target)
    fingerprints = {d: input_fingerprint(catalogue[d], store) for d in selected}
    changed = [d for d in selected if force or settings.is_online or fingerprints[d] != prev_state.get(d)]
    # a dataset never built before must be built even with --only elsewhere
    missing_builds = [d for d in catalogue if d not in prev_state and d not in changed]
    changed += missing_builds
    result = RunResult(run_id=run_id, outcome="success", changed=changed,
                       skipped=[d for d in selected if d not in changed])
    mh = models_hash()
    if not changed and prev_models == mh and target.exists():
        result.outcome = "skipped"
        result.seconds = time.perf_counter() - t0
        say("nothing changed: inputs, step code and models are as in the last build")
        _append_runs_log(settings, {"run_id": run_id, "started_at": started, "outcome": "skipped",
                                    "seconds": result.seconds})
        return result

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.stem}.building-{os.getpid()}-{uuid.uuid4().hex[:6]}.duckdb")
    con = None
    try:
        if target.exists():
            import shutil
            shutil.copy2(target, tmp)
        con = connect_writer(tmp)
        con.execute(META_DDL)
        for gone in _drop_removed_datasets(con, catalogue):
            say(f"dataset {gone} is no longer in the catalogue: its staging tables were dropped")
        workers = use_pool(settings, len(changed))
        if workers:
            say(f"steps: {len(changed)} datasets in {workers} worker processes")
            done = computed_steps([catalogue[d] for d in changed], settings, store, workers)
        else:
            done = (Computed(catalogue[d], None, [], []) for d in changed)
        step_warnings: dict[str, list[str]] = {}
        try:
            for i, item in enumerate(done, 1):
                entry = item.entry
                dataset = entry["id"]
                say(f"[{i}/{len(changed)}] {dataset}")
                ctx = StepContext(dataset=dataset, settings=settings, store=store, entry=entry)
                if item.output is not None:
                    ctx.snapshots, ctx.warnings = item.snapshots, item.warnings
                elif item.failure:  # failed in a worker: run it here for the same error as a serial run
                    log.debug("%s failed in a worker (%s); re-running it in the runner", dataset, item.failure)
                counts = run_step(entry, ctx, lambda out: _write_step_output(con, dataset, out, ctx), output=item.output)
                result.row_counts.update(counts)
                step_warnings[dataset] = [f"{dataset}: {w}" for w in ctx.warnings]
                con.execute("INSERT OR REPLACE INTO meta.dataset_state VALUES (?, ?, now(), ?, ?)",
                            [dataset, input_fingerprint(entry, store), sum(counts.values()),
                             json.dumps(ctx.warnings, ensure_ascii=False)])
        finally:  # an error leaves the loop early: stop the workers now, not when the traceback is freed
            getattr(done, "close", lambda: None)()
        result.warnings += [w for d in changed for w in step_warnings.get(d, [])]  # catalogue order, not finish order
        say("models: intermediate → core → marts, then model tests")
        run_models(con, settings)
        for tbl in ("core.dim_region", "core.fact_observation", "core.dim_indicator"):
            try:
                result.row_counts[tbl] = con.execute(f"SELECT count(*) FROM {tbl}").fetchone()[0]
            except duckdb.Error:
                pass
        con.execute("INSERT OR REPLACE INTO meta.build_info VALUES ('models_hash', ?)", [mh])
        con.execute("INSERT OR REPLACE INTO meta.build_info VALUES ('built_at', ?)", [dt.datetime.now().isoformat()])
        sources = con.execute("SELECT dataset, list(filename || ' [' || origin || ' ' || left(sha256, 12) || ']') "
                              "FROM meta.snapshot GROUP BY dataset").fetchall()
        result.seconds = time.perf_counter() - t0
        con.execute("INSERT INTO meta.etl_run VALUES (?, ?, now(), 'success', ?, ?, ?, ?, ?)",
                    [run_id, started, json.dumps(changed), json.dumps(result.skipped),
                     json.dumps(dict(sources), ensure_ascii=False), json.dumps(result.row_counts),
                     json.dumps(result.warnings, ensure_ascii=False)])
        con.execute("CHECKPOINT")
        con.close()
        con = None
        os.replace(tmp, target)
        _append_runs_log(settings, {"run_id": run_id, "started_at": started, "outcome": "success",
                                    "changed": changed, "seconds": round(result.seconds, 2),
                                    "warnings": len(result.warnings)})
        say(f"warehouse written: {target} ({result.seconds:.1f}s)")
        return result
    except BaseException as exc:
        if con is not None:
            try:
                con.close()
            except Exception:
                pass
        for p in (tmp, Path(str(tmp) + ".wal")):
            if p.exists():
                p.unlink()
        result.outcome = "failed"
        result.error = f"{type(exc).__name__}: {exc}"
        result.seconds = time.perf_counter() - t0
        _append_runs_log(settings, {"run_id": run_id, "started_at": started, "outcome": "failed",
                                    "error": result.error, "seconds": round(result.seconds, 2)})
        raise


def read_runs(settings: Settings | None = None, limit: int = 10) -> pd.DataFrame:
    settings = settings or get_settings()
    p = runs_log_path(settings)
    if not p.exists():
        return pd.DataFrame(columns=["run_id", "started_at", "outcome", "seconds"])
    rows = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return pd.DataFrame(rows[-limit:][::-1])
