"""Steward action endpoints and /healthz over real HTTP (the app in a subprocess, like `serve --dev`)."""
from __future__ import annotations

import json
import shutil

import pytest
import requests

from dashboard.testing import running_server
from etl.settings import get_settings

pytestmark = pytest.mark.http
TOKEN = "s3cret-steward-token-for-tests"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return tmp_path_factory.mktemp("console")


@pytest.fixture(scope="module")
def server_with_token(base):
    """The app with a steward token and a private var/ (schedule state, runs) — no warehouse needed for this."""
    wh = base / "tok" / "warehouse.duckdb"
    wh.parent.mkdir()
    with running_server(env={"IA_STEWARD_TOKEN": TOKEN, "IA_WAREHOUSE": str(wh)}) as url:
        yield url, wh.parent


@pytest.fixture(scope="module")
def server_read_only(base):
    wh = base / "ro" / "warehouse.duckdb"
    wh.parent.mkdir()
    wh.write_bytes(b"this is not a duckdb file")       # unreadable warehouse → /healthz 503
    with running_server(env={"IA_STEWARD_TOKEN": "", "IA_WAREHOUSE": str(wh)}) as url:
        yield url, wh.parent


def test_actions_without_token_are_refused_401(server_with_token):
    url, var = server_with_token
    for action, body in (("pause", {"entry": "arbeitsmarkt-ba"}), ("refresh", {"dataset": "bbsr_raumtypen"}),
                         ("rollback", {})):
        r = requests.post(f"{url}/api/steward/{action}", json=body, timeout=10)
        assert r.status_code == 401, (action, r.text)
        assert "token is required" in r.json()["message"]
    assert not (var / "schedule_state.json").exists()


def test_actions_with_a_wrong_token_are_refused_403(server_with_token):
    url, var = server_with_token
    for headers in ({"X-Steward-Token": "wrong"}, {"Authorization": "Bearer " + TOKEN[:-1]},
                    {"X-Steward-Token": TOKEN + "x"}):
        r = requests.post(f"{url}/api/steward/pause", json={"entry": "arbeitsmarkt-ba"}, headers=headers, timeout=10)
        assert r.status_code == 403, r.text
        assert r.json()["message"] == "the steward token is not valid"
    assert not (var / "schedule_state.json").exists()
    # a token in the query string is not a token
    r = requests.post(f"{url}/api/steward/pause?token={TOKEN}", json={"entry": "arbeitsmarkt-ba"}, timeout=10)
    assert r.status_code == 401


def test_right_token_pauses_and_resumes(server_with_token):
    url, var = server_with_token
    h = {"X-Steward-Token": TOKEN}
    r = requests.post(f"{url}/api/steward/pause", json={"entry": "arbeitsmarkt-ba"}, headers=h, timeout=10)
    assert r.status_code == 200 and r.json()["message"] == "arbeitsmarkt-ba: paused"
    assert json.loads((var / "schedule_state.json").read_text()) == {"paused": ["arbeitsmarkt-ba"]}
    r = requests.post(f"{url}/api/steward/resume", json={"entry": "arbeitsmarkt-ba"},
                      headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert r.status_code == 200 and json.loads((var / "schedule_state.json").read_text()) == {"paused": []}
    r = requests.post(f"{url}/api/steward/pause", json={"entry": "no-such-entry"}, headers=h, timeout=10)
    assert r.status_code == 400 and "no entry 'no-such-entry'" in r.json()["message"]
    r = requests.post(f"{url}/api/steward/refresh", json={"dataset": "nope"}, headers=h, timeout=10)
    assert r.status_code == 400
    r = requests.post(f"{url}/api/steward/rollback", json={}, headers=h, timeout=10)
    assert r.status_code == 409 and "no earlier build" in r.json()["message"]   # nothing archived here


def test_without_configured_token_every_action_is_403(server_read_only):
    url, var = server_read_only
    for headers in ({}, {"X-Steward-Token": TOKEN}):
        r = requests.post(f"{url}/api/steward/pause", json={"entry": "arbeitsmarkt-ba"}, headers=headers, timeout=10)
        assert r.status_code == 403 and "read-only" in r.json()["message"]
    assert not (var / "schedule_state.json").exists()
    assert requests.get(f"{url}/api/steward/status", timeout=10).json()["read_only"] is True


def test_healthz_503_when_the_warehouse_is_unreadable(server_read_only):
    url, _ = server_read_only
    r = requests.get(f"{url}/healthz", timeout=10)
    assert r.status_code == 503 and r.json()["status"] == "unavailable"


def test_healthz_answers_from_the_warehouse(tmp_path):
    live = get_settings().warehouse
    if not live.exists():
        pytest.skip(f"warehouse {live} missing: build it first")
    wh = tmp_path / "warehouse.duckdb"
    shutil.copy2(live, wh)
    import duckdb
    con = duckdb.connect(str(wh), read_only=True)  # the copy: the app reader in this process may hold `live` open
    n = con.execute("SELECT count(*) FROM core.fact_observation").fetchone()[0]
    con.close()
    with running_server(env={"IA_WAREHOUSE": str(wh)}) as url:
        body = requests.get(f"{url}/healthz", timeout=20).json()
        assert body["status"] == "ok" and body["observations"] == n and body["regions"] > 11000
        # the answering worker's start-up warm-up (bench/bench_first_paint.py waits for "done" in every worker)
        assert isinstance(body["worker"], int) and body["warm_up"]["state"] in ("running", "done")
        wh.unlink()                                        # the warehouse disappears → unhealthy
        assert requests.get(f"{url}/healthz", timeout=20).status_code == 503


def test_refresh_while_a_build_runs_is_refused_409(server_with_token):
    """One build at a time: with the build lock held (a scheduled build), the console refuses to start another."""
    from etl import lock
    from etl.settings import Settings
    url, var = server_with_token
    settings = Settings(warehouse_path=str(var / "warehouse.duckdb"))
    with lock.build_lock(settings, trigger="schedule", datasets=["bbsr_raumtypen"]):
        r = requests.post(f"{url}/api/steward/refresh", json={"dataset": "bbsr_raumtypen"},
                          headers={"X-Steward-Token": TOKEN}, timeout=10)
        assert r.status_code == 409 and "a schedule build is running" in r.json()["message"]
        st = requests.get(f"{url}/api/steward/status", timeout=10).json()
        assert st["read_only"] is False
