"""Short load test (issue 11): 20 locust users replay the recorded click-through against a live gunicorn started
with `integrationsatlas serve`'s worker model; no request may fail, every step must have been requested and the
locust report must parse. The 3-minute run and the ramp to the saturation point: `make bench-load`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from etl.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import bench_load  # noqa: E402  (locust-free helpers; locust itself runs in a subprocess)
import replay_steps  # noqa: E402

pytestmark = pytest.mark.load
USERS, SECONDS = 20, 15


@pytest.fixture(scope="module")
def gunicorn_url():
    if not get_settings().warehouse.exists():
        pytest.skip("warehouse missing: build it first with `integrationsatlas etl run` (CI does)")
    from dashboard.testing import free_port
    port = int(os.environ.get("IA_LOAD_TEST_PORT") or free_port())
    log = ROOT / "var" / "test_load_gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    proc = bench_load.start_server(port, int(get_settings().workers), int(get_settings().threads), log)
    url = f"http://127.0.0.1:{port}"
    try:
        bench_load.wait_ready(url, proc, timeout=90)
        # the workers warm their caches in the background at start (dashboard.app._warm_up); a user arriving then
        # waits, which is not what this test is about (the bench measures it the same way)
        bench_load.wait_idle(proc, max_wait=30)   # at most 30 s: CI time
        bench_load.replay_once(url, replay_steps.load_steps())
        yield url
    finally:
        bench_load.stop_server(proc)


def test_replay_matches_the_app(gunicorn_url):
    """Every recorded callback still exists; else the replay is stale (re-record: python bench/record_replay.py)."""
    with urllib.request.urlopen(gunicorn_url + "/_dash-dependencies", timeout=60) as r:
        deps = {d["output"] for d in json.load(r)}
    recorded = replay_steps.callback_outputs(replay_steps.load_steps())
    assert len(recorded) >= 10
    missing = sorted(recorded - deps)
    assert not missing, f"replay is stale, re-record with `python bench/record_replay.py`: {missing}"


def test_twenty_users_click_through_without_errors(gunicorn_url, tmp_path):
    t0 = time.time()
    cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--host", gunicorn_url,
           "--headless", "-u", str(USERS), "-r", str(USERS), "-t", f"{SECONDS}s", "--csv", str(tmp_path / "t"),
           "--only-summary", "--stop-timeout", "15", "--loglevel", "WARNING"]
    res = subprocess.run(cmd, cwd=str(ROOT), capture_output=True, text=True, timeout=120)
    stats = bench_load.parse_stats(tmp_path / "t_stats.csv")
    assert stats["requests"] > 0, res.stderr[-2000:]
    failures = (tmp_path / "t_failures.csv").read_text()
    assert stats["failures"] == 0, failures
    assert res.returncode == 0, res.stderr[-2000:]
    # every request of every step of the click-through was sent at least once
    seen = {row["name"]: row["requests"] for row in stats["rows"]}
    steps = replay_steps.load_steps()
    missing = [n for n in replay_steps.request_names(steps) if seen.get(n, 0) < 1]
    assert not missing, f"not requested: {missing}"
    assert {s["name"] for s in steps} >= {"karte_kreis", "karte_gemeinde", "vergleich", "profil", "tabelle",
                                            "kapazitaet"}
    # the report parses into real numbers
    assert 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["p99_ms"] <= stats["max_ms"] * 1.1 + 1   # rounded buckets
    assert stats["rps"] > 0
    assert sum(r["requests"] for r in stats["rows"]) == stats["requests"]
    assert time.time() - t0 < 60
