"""Shared fixtures: the real warehouse (built once from ../shared/opendata) and isolated settings."""
from __future__ import annotations

from pathlib import Path

import pytest

from etl.settings import Settings, get_settings

MIRROR = get_settings().mirror


def pytest_collection_modifyitems(config, items):
    if not MIRROR.is_dir():
        skip = pytest.mark.skip(reason=f"snapshot mirror {MIRROR} not present")
        for item in items:
            if "real" in item.fixturenames or "slow" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def real_warehouse() -> Path:
    """The real warehouse at the default path; built (or confirmed unchanged) once per session."""
    from etl.runner import run
    settings = get_settings()
    run(settings=settings)
    return settings.warehouse


@pytest.fixture(scope="session")
def built(real_warehouse, tmp_path_factory) -> Path:
    """A private copy of the real warehouse for tests that run the ETL against it (never rebuilt from
    scratch per test module: inputs, code and models are those of the real build, so a run is incremental)."""
    import shutil
    dst = tmp_path_factory.mktemp("built") / "wh.duckdb"
    shutil.copy2(real_warehouse, dst)
    return dst


@pytest.fixture()
def tmp_settings(tmp_path) -> Settings:
    return Settings(warehouse_path=str(tmp_path / "wh.duckdb"), snapshot_dir=str(tmp_path / "snap"),
                    asset_dir=str(tmp_path / "assets"), online="0")
