"""Helpers for tests/test_faults_*.py: one real file of ../shared/opendata corrupted into tmp_path at a time.

`mirror(tmp_path, dataset, {file: bytes | None})` builds a private mirror whose folders hold symlinks to the real
files, except the named ones (new bytes, or removed with None). `run_dataset` runs the real step the way the
runner does (etl.runner.run_step) and validates its output at the staging boundary with the Gebietsstand unit
counts of a built warehouse — without a warehouse build.
"""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import duckdb
import pytest

from etl.catalogue import load_catalogue
from etl.runner import run_step
from etl.settings import Settings, get_settings
from etl.snapshots import SnapshotStore
from etl.step import StepContext, observations
from etl.validate import expected_units, previous_totals, validate_observations, validate_tables

REAL = get_settings().mirror


_COPY: dict[str, Path] = {}


def reference_warehouse() -> Path | None:
    """A built warehouse to read the Gebietsstand key lists from (read-only): IA_FAULTS_WAREHOUSE, else the
    configured warehouse — as a private copy, because the app's reader may hold the same file open in this
    process with another configuration (DuckDB refuses a second connection then)."""
    p = Path(os.environ.get("IA_FAULTS_WAREHOUSE") or get_settings().warehouse)
    if not p.exists():
        return None
    if str(p) not in _COPY:
        import shutil
        import tempfile
        dst = Path(tempfile.mkdtemp(prefix="ia-faults-")) / "reference.duckdb"
        shutil.copy2(p, dst)
        _COPY[str(p)] = dst
    return _COPY[str(p)]


_UNITS: dict = {}


def _ref_con():
    p = reference_warehouse()
    if p is None:
        pytest.skip("no built warehouse for the Gebietsstand unit counts (set IA_FAULTS_WAREHOUSE)")
    return duckdb.connect(str(p), read_only=True)


def units():
    if "u" not in _UNITS:
        con = _ref_con()
        try:
            _UNITS["u"] = expected_units(con)
        finally:
            con.close()
    return _UNITS["u"]


def previous(dataset: str):
    """Totals of the last good build (the reference warehouse) for `dataset`."""
    if dataset not in _UNITS:
        con = _ref_con()
        try:
            _UNITS[dataset] = previous_totals(con, dataset)
        finally:
            con.close()
    return _UNITS[dataset]


def item(dataset: str, name: str) -> dict:
    entry = load_catalogue()[dataset]
    return next(f for f in entry["files"] if f["name"] == name)


def real_path(dataset: str, name: str) -> Path:
    entry = load_catalogue()[dataset]
    f = item(dataset, name)
    return REAL / f.get("folder", entry.get("mirror", dataset)) / f.get("path", name)


def real_bytes(dataset: str, name: str) -> bytes:
    return real_path(dataset, name).read_bytes()


def mirror(tmp_path: Path, dataset: str, changed: dict[str, bytes | None]) -> Path:
    entry = load_catalogue()[dataset]
    root = tmp_path / "mirror"
    folders = {f.get("folder", entry.get("mirror", dataset)) for f in entry["files"]} | {entry.get("mirror", dataset)}
    for folder in folders:
        src = REAL / folder
        dst = root / folder
        dst.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            for p in src.iterdir():
                if not (dst / p.name).exists():
                    (dst / p.name).symlink_to(p)
    for name, body in changed.items():
        f = item(dataset, name)
        target = root / f.get("folder", entry.get("mirror", dataset)) / f.get("path", name)
        target.unlink()
        if body is not None:
            target.write_bytes(body)
    return root


def settings_for(tmp_path: Path, mirror_root: Path) -> Settings:
    return Settings(warehouse_path=str(tmp_path / "var" / "wh.duckdb"), snapshot_dir=str(tmp_path / "snap"),
                    mirror_dir=str(mirror_root), reference_dir=str(get_settings().reference), online="0")


def run_dataset(tmp_path: Path, dataset: str, changed: dict[str, bytes | None], coverage: bool = True):
    """Run the real step on the corrupted mirror and validate like the runner; returns the observations."""
    entry = load_catalogue()[dataset]
    settings = settings_for(tmp_path, mirror(tmp_path, dataset, changed))
    ctx = StepContext(dataset=dataset, settings=settings, store=SnapshotStore(settings), entry=entry)
    published = {f["name"]: (str(f["published"]) if f.get("published") else None) for f in entry["files"]}

    def write(out):
        validate_tables(dict(out.tables), dataset)
        obs = observations(out.observations) if out.observations is not None else None
        if obs is not None:
            validate_observations(obs, dataset, published, units() if coverage else None, entry,
                                  previous=previous(dataset) if coverage else None)
        return obs
    return run_step(entry, ctx, write)


def zip_with(raw_zip: bytes, transform) -> bytes:
    """The same zip with its single member's bytes passed through `transform` (a valid zip again)."""
    src = zipfile.ZipFile(io.BytesIO(raw_zip))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, transform(data) if info.filename.endswith(".csv") else data)
    return out.getvalue()


def lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\n")


def join(ls: list[bytes]) -> bytes:
    return b"\n".join(ls)
