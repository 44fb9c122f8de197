"""Start the real app in a subprocess on a free local port (browser tests and scripts/screenshots.py).

A subprocess, not a thread: the server must behave like `integrationsatlas serve --dev`, with its own
warehouse connection, and be stoppable without leaking state into the test process.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(timeout: float = 60.0, env: dict | None = None, port: int | None = None,
                   log_path: Path | None = None):
    """Yield the base URL of a dev server started with dashboard.app.run; stop it afterwards.
    `port`: a fixed port instead of a free one; `log_path`: keep the server's stderr (its log) in that file."""
    port = port or free_port()
    code = f"from dashboard.app import run; run(host='127.0.0.1', port={port}, debug=False)"
    log = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()   # not a pipe: the log would block
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=str(ROOT), env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError("dashboard server exited: " + log.read().decode(errors="replace")[-2000:])
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"dashboard server did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
