"""Server side of the steward console: /healthz, read-only status JSON, and the token-checked actions.

Actions (refresh one dataset now, pause/resume a schedule entry, roll back) change the warehouse or the
schedule, so every one of them passes `authorize()` on the server — the Flask routes
(`POST /api/steward/<action>`) and the console's Dash callbacks call the same `perform()`. No token
configured (IA_STEWARD_TOKEN empty) → every action is refused with 403 and the console is read-only;
a missing token → 401; a wrong one → 403. Tokens are compared with hmac.compare_digest, travel only in
a header (`X-Steward-Token` or `Authorization: Bearer …`, never the query string) and are never logged.

Builds started here run in the background, one at a time (the build lock), in a child process with
the per-run timeout (etl.schedule.run_build_process); progress is in var/runs/active.json, which the
console polls, and the result in the run history like any other run (trigger "console").
"""
from __future__ import annotations

import hmac
import logging
import os
import threading

from flask import Flask, jsonify, request

from etl.errors import EtlError
from etl.settings import Settings, get_settings

log = logging.getLogger(__name__)
ACTIONS = ("refresh", "pause", "resume", "rollback")
_BG: dict[str, threading.Thread | None] = {"thread": None}
_BG_LOCK = threading.Lock()


class Refused(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message
        super().__init__(message)


def token_from_request() -> str | None:
    tok = request.headers.get("X-Steward-Token")
    if not tok:
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            tok = auth[7:].strip()
    return tok or None


def authorize(supplied: str | None, settings: Settings | None = None) -> None:
    """Raise Refused(401/403) unless `supplied` equals the configured steward token."""
    expected = (settings or get_settings()).steward_token or ""
    if not expected:
        raise Refused(403, "steward actions are disabled: no IA_STEWARD_TOKEN is configured (read-only console)")
    if not supplied:
        raise Refused(401, "a steward token is required for this action")
    if not hmac.compare_digest(supplied.encode("utf-8"), expected.encode("utf-8")):
        raise Refused(403, "the steward token is not valid")


def _busy(settings: Settings) -> str | None:
    from etl.lock import current_holder
    with _BG_LOCK:
        t = _BG["thread"]
        if t is not None and t.is_alive():
            return "a console action is still running"
    h = current_holder(settings)
    if h is not None:
        return f"a {h.get('trigger', '?')} build is running since {h.get('since', '?')}"
    return None


def _background(name: str, fn) -> None:
    def work():
        try:
            fn()
        except Exception:  # noqa: BLE001 - the run history records the failure; log the trace here
            log.exception("console action %s failed", name)
    t = threading.Thread(target=work, name=f"steward-{name}", daemon=True)
    with _BG_LOCK:
        _BG["thread"] = t
    t.start()


def perform(action: str, params: dict, token: str | None, settings: Settings | None = None) -> tuple[int, str]:
    """Check the token, validate the parameters, start or do the action → (HTTP status, message)."""
    from etl import schedule as sch
    settings = settings or get_settings()
    try:
        authorize(token, settings)
        if action not in ACTIONS:
            raise Refused(404, f"unknown action {action!r}; actions: {', '.join(ACTIONS)}")
        if action in ("pause", "resume"):
            name = str(params.get("entry") or "")
            try:
                sch.load_schedule(settings.schedule_file).entry(name)
            except EtlError as exc:
                raise Refused(400, str(exc)) from None
            now = sch.set_paused(settings, name, action == "pause")
            log.info("steward: schedule entry %s %sd", name, action)
            return 200, f"{name}: {'paused' if name in now else 'resumed'}"
        busy = _busy(settings)
        if busy:
            raise Refused(409, f"{busy}; try again when it has finished")
        if action == "refresh":
            from etl.catalogue import load_catalogue
            ds = str(params.get("dataset") or "")
            if ds not in load_catalogue():
                raise Refused(400, f"unknown dataset {ds!r}")
            timeout = float(settings.run_timeout)
            _background("refresh", lambda: sch.run_build_process([ds], "console", settings, timeout=timeout,
                                                                 force=bool(params.get("force"))))
            log.info("steward: refresh of %s started", ds)
            return 202, f"refresh of {ds} started; progress and result appear in the run history"
        from etl.refresh import rollback, valid_id
        rid = params.get("run_id") or None
        if rid is not None and not valid_id(str(rid)):
            raise Refused(400, "invalid build id")
        try:
            rep = rollback(rid, trigger="console", settings=settings)
        except EtlError as exc:
            raise Refused(409, str(exc)) from None
        log.info("steward: rolled back to %s", rep["restored_build"])
        return 200, f"build {rep['restored_build']} is live again (was {rep['replaced_build']})"
    except Refused as r:
        log.warning("steward action %s refused: %s %s", action, r.status, r.message)
        return r.status, r.message


def health(settings: Settings | None = None) -> tuple[int, dict]:
    """200 with the live build id and row counts read from the warehouse; 503 when it cannot be read."""
    from warehouse import queries as q
    try:
        df = q.uncached("health", q.get_warehouse(settings))
        row = df.iloc[0]
        obs = int(row["observations"])
        if obs <= 0:
            return 503, {"status": "unavailable", "error": "the warehouse holds no observations"}
        return 200, {"status": "ok", "build_id": row["build_id"], "built_at": row["built_at"], "observations": obs,
                     "regions": int(row["regions"])}
    except Exception as exc:  # noqa: BLE001 - any failure to read means unhealthy
        return 503, {"status": "unavailable", "error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"}


def status_json(settings: Settings | None = None) -> dict:
    from etl import history
    settings = settings or get_settings()
    return {"active": history.active(settings), "runs": [
        {k: r.get(k) for k in ("run_id", "kind", "trigger", "started_at", "ended_at", "outcome", "error")}
        for r in history.recent(settings, 10)], "read_only": not settings.steward_token}


def register(server: Flask, warm_up=None) -> None:
    """Mount /healthz and /api/steward/* on the Dash app's Flask server (idempotent). `warm_up()` (optional)
    gives the answering worker's start-up warm-up state: healthy but still warming means slower first visits."""
    if "steward_health" in server.view_functions:
        return

    def steward_health():
        code, body = health()
        if warm_up is not None:
            body = {**body, "worker": os.getpid(), "warm_up": warm_up()}
        return jsonify(body), code

    def steward_status():
        return jsonify(status_json())

    def steward_action(action: str):
        params = request.get_json(silent=True) or request.form.to_dict() or {}
        code, msg = perform(action, params, token_from_request())
        return jsonify({"status": code, "message": msg}), code

    server.add_url_rule("/healthz", "steward_health", steward_health, methods=["GET"])
    server.add_url_rule("/api/steward/status", "steward_status", steward_status, methods=["GET"])
    server.add_url_rule("/api/steward/<action>", "steward_action", steward_action, methods=["POST"])
