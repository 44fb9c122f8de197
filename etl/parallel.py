"""Dataset steps in worker processes: two cores parse two tables at once while the runner writes finished ones.

Why this is safe: a step only reads its input files and returns DataFrames (the contract in etl/step.py); it never
touches the warehouse. So the runner's process keeps the one DuckDB writer and the workers only compute. Workers are
*spawned* (not forked) because the runner already holds a DuckDB connection and its threads.

Why failures re-run in the runner: a worker's exception crosses a process boundary as a pickled copy (some carry
state that does not pickle). The runner therefore gets only "this step failed" back and runs that step once more
itself, so the error the steward sees is the same one-line error (dataset, file, line, value) as in a serial run.

Online runs stay serial: the HTTP layer keeps one request per host per process (etl/http.py); two workers would
ask GENESIS twice at once.
"""
from __future__ import annotations

import importlib
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Iterator

from .settings import Settings
from .snapshots import Snapshot, SnapshotStore
from .step import StepContext, StepOutput

log = logging.getLogger(__name__)


@dataclass
class Computed:
    """One step's result from a worker; `output` None = the step failed there (run it again in the runner)."""
    entry: dict
    output: StepOutput | None
    snapshots: list[Snapshot]
    warnings: list[str]
    failure: str | None = None


def _init_worker(level: int) -> None:
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _compute(job: tuple[dict, Settings]) -> Computed:
    entry, settings = job
    ctx = StepContext(dataset=entry["id"], settings=settings, store=SnapshotStore(settings), entry=entry)
    try:
        out = importlib.import_module(entry["step"]).run(ctx)
    except Exception as exc:  # noqa: BLE001 - reported back by name only; the runner re-runs the step itself
        return Computed(entry, None, [], [], f"{type(exc).__name__}: {exc}")
    return Computed(entry, out, ctx.snapshots, ctx.warnings)


def input_size(entry: dict, store: SnapshotStore) -> int:
    """Bytes a step reads (largest first balances the workers: the Deutschlandatlas and the shapefiles dominate)."""
    total = 0
    for item in entry.get("files", []):
        path = store.mirror_root(entry["id"], item.get("folder") or entry.get("mirror")) / (item.get("path") or item["name"])
        total += path.stat().st_size if path.is_file() else 0
    return total


def use_pool(settings: Settings, n_steps: int) -> int:
    """Worker count for this run: 0 = serial (one worker configured, online, or too few steps to pay the start-up)."""
    workers = max(1, int(settings.etl_workers or 1))
    if workers < 2 or settings.is_online or n_steps < 3:
        return 0
    return min(workers, n_steps)


def computed_steps(entries: list[dict], settings: Settings, store: SnapshotStore, workers: int) -> Iterator[Computed]:
    """Results in completion order. If the workers break (killed, out of memory, or started from a script without
    an `if __name__ == "__main__"` guard, which spawn re-imports), the steps not yet done come back as failures and
    run in the runner, one after another: slower, never stuck."""
    order = sorted(entries, key=lambda e: -input_size(e, store))
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
                               initargs=(logging.getLogger().getEffectiveLevel(),))
    futures = {pool.submit(_compute, (e, settings)): e for e in order}
    pending = dict(futures)
    try:
        for fut in as_completed(futures):
            try:
                result = fut.result()
            except BrokenProcessPool as exc:
                log.warning("step workers failed (%s): the remaining steps run in the runner", exc)
                break
            del pending[fut]
            yield result
        for entry in pending.values():
            yield Computed(entry, None, [], [], "worker processes unavailable")
    finally:  # leaving early (an error in the runner): queued steps are dropped, running ones end on their own
        pool.shutdown(wait=False, cancel_futures=True)
