"""`integrationsatlas serve`'s gunicorn command: the worker model the load test chose (bench/results/load.md)."""
from etl.cli import gunicorn_command
from etl.settings import SETTINGS


def _opt(cmd, name):
    return cmd[cmd.index(name) + 1] if name in cmd else None


def test_default_is_gthread_two_workers_four_threads(monkeypatch):
    monkeypatch.delenv("IA_WORKERS", raising=False)
    monkeypatch.delenv("IA_THREADS", raising=False)
    cmd = gunicorn_command("127.0.0.1", 8050)
    assert cmd[-1] == "dashboard.app:server" and _opt(cmd, "--bind") == "127.0.0.1:8050"
    assert (_opt(cmd, "--workers"), _opt(cmd, "--worker-class"), _opt(cmd, "--threads")) == ("2", "gthread", "4")
    assert int(_opt(cmd, "--keep-alive")) > 3          # longer than the load test's longest pause between clicks


def test_env_and_arguments_choose_the_model(monkeypatch):
    monkeypatch.setenv("IA_WORKERS", "3")
    monkeypatch.setenv("IA_THREADS", "1")
    cmd = gunicorn_command("0.0.0.0", 8000)
    assert _opt(cmd, "--workers") == "3" and "--worker-class" not in cmd and "--threads" not in cmd   # sync
    cmd = gunicorn_command("0.0.0.0", 8000, workers=1, threads=8)
    assert (_opt(cmd, "--workers"), _opt(cmd, "--threads")) == ("1", "8")
    assert {s.env for s in SETTINGS} >= {"IA_WORKERS", "IA_THREADS"}
