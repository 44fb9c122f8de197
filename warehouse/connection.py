"""The only two ways to open the warehouse: a writer for the ETL's new file, a reader for everyone else.

Reader safety is layered (as datasette does it): read_only=True, no external file or
network access, no extension auto-loading, a thread cap, and the caller-side row cap
and time limit in warehouse.queries.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

SPATIAL_EXT = None


def spatial_extension_path() -> str | None:
    """Path of the pip-installed DuckDB spatial extension (DuckDB cannot download extensions here)."""
    try:
        import duckdb_extension_spatial  # noqa: F401
    except ImportError:
        return None
    base = Path(duckdb_extension_spatial.__file__).parent
    hits = sorted(base.glob("extensions/*/spatial.duckdb_extension"))
    return str(hits[-1]) if hits else None


def connect_writer(path: Path | str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), config={"autoinstall_known_extensions": False,
                                            "autoload_known_extensions": False})
    for schema in ("staging", "intermediate", "core", "marts", "meta"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    return con


def connect_reader(path: Path | str, threads: int = 2) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"warehouse not found at {path}; build it with `integrationsatlas etl run`")
    con = duckdb.connect(str(path), read_only=True, config={
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "threads": threads,
    })
    try:
        con.execute("SET lock_configuration = true")
    except duckdb.InvalidInputException:
        pass  # a second connection to the same shared instance: already locked by the first
    return con
