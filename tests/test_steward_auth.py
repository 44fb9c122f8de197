"""Steward actions refuse without a valid token (issue 11), for every action and every way of sending one:
no token → 401, a wrong or near-miss token → 403, no token configured → 403 for everyone, a token in the query
string or the body is no token, GET on an action route is not allowed, and nothing is written. In-process Flask
test client on the real routes (dashboard.steward.register), no server needed; tests/test_steward_console.py
covers the same over real HTTP and the accepted token."""
from __future__ import annotations

import pytest
from flask import Flask

from dashboard import steward

TOKEN = "steward-token-for-auth-tests-7f3a"
BODIES = {"refresh": {"dataset": "bbsr_raumtypen"}, "pause": {"entry": "arbeitsmarkt-ba"},
          "resume": {"entry": "arbeitsmarkt-ba"}, "rollback": {}, "no-such-action": {}}


@pytest.fixture()
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("IA_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("IA_STEWARD_TOKEN", TOKEN)
    app = Flask("steward-auth")
    steward.register(app)
    return app.test_client()


def _written(tmp_path) -> list[str]:
    return sorted(p.name for p in tmp_path.rglob("*") if p.is_file())


@pytest.mark.parametrize("action", sorted(BODIES))
def test_no_token_is_401_for_every_action(client, tmp_path, action):
    for extra in ({}, {"json": {**BODIES[action], "token": TOKEN}}, {"query_string": {"token": TOKEN}},
                  {"headers": {"Authorization": "Basic " + TOKEN}}, {"headers": {"X-Steward-Token": ""}},
                  {"headers": {"Authorization": "Bearer "}}, {"data": {"token": TOKEN, **BODIES[action]}}):
        kw = {"json": BODIES[action], **extra}
        if "data" in kw:
            kw.pop("json")
        r = client.post(f"/api/steward/{action}", **kw)
        assert r.status_code == 401, (action, extra, r.get_json())
        assert TOKEN not in r.get_data(as_text=True)
    assert _written(tmp_path) == []


@pytest.mark.parametrize("action", sorted(BODIES))
def test_wrong_tokens_are_403_for_every_action(client, tmp_path, action):
    for headers in ({"X-Steward-Token": "wrong"}, {"X-Steward-Token": TOKEN[:-1]}, {"X-Steward-Token": TOKEN + " "},
                    {"X-Steward-Token": TOKEN.upper()}, {"Authorization": "Bearer " + TOKEN + "x"},
                    {"X-Steward-Token": "' OR '1'='1"}, {"X-Steward-Token": "ä" * 5000}):
        r = client.post(f"/api/steward/{action}", json=BODIES[action], headers=headers)
        assert r.status_code == 403, (action, headers, r.get_json())
        assert r.get_json()["message"] == "the steward token is not valid"
    assert _written(tmp_path) == []


def test_without_a_configured_token_everyone_is_refused(client, tmp_path, monkeypatch):
    monkeypatch.setenv("IA_STEWARD_TOKEN", "")
    for action in BODIES:
        for headers in ({}, {"X-Steward-Token": ""}, {"X-Steward-Token": TOKEN}, {"Authorization": "Bearer x"}):
            r = client.post(f"/api/steward/{action}", json=BODIES[action], headers=headers)
            assert r.status_code == 403 and "read-only" in r.get_json()["message"], (action, headers)
    assert _written(tmp_path) == []


def test_action_routes_accept_only_post(client):
    for action in BODIES:
        for method in ("get", "put", "delete"):
            assert getattr(client, method)(f"/api/steward/{action}",
                                           headers={"X-Steward-Token": TOKEN}).status_code == 405
    # read-only status is public, and says whether the console is read-only, never the token
    r = client.get("/api/steward/status")
    assert r.status_code == 200 and r.get_json()["read_only"] is False and TOKEN not in r.get_data(as_text=True)


def test_perform_is_the_one_gate_and_checks_before_anything_else(tmp_path, monkeypatch):
    """The console's Dash callback and the HTTP route share perform(): authorisation comes before the action
    name or the parameters are even looked at (an unknown action without a token is 401, not 404)."""
    from etl.settings import Settings
    s = Settings(warehouse_path=str(tmp_path / "warehouse.duckdb"), steward_token=TOKEN)
    for action in BODIES:
        assert steward.perform(action, BODIES[action], None, s)[0] == 401
        assert steward.perform(action, BODIES[action], "nope", s)[0] == 403
    assert steward.perform("no-such-action", {}, TOKEN, s)[0] == 404
    assert _written(tmp_path) == []
