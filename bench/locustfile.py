"""Locust users that click through the dashboard by replaying what a real browser sent (bench/replay/*.json).

    locust -f bench/locustfile.py --host http://127.0.0.1:8081 --headless -u 50 -r 10 -t 3m --csv out/load

Each user walks the recorded steps in order (map at Kreis level, switch to Gemeinde, Vergleich, a profile,
Tabelle, Kapazität; see bench/record_replay.py), user k starting at step k, with a think time of 1–3 s between
steps. Within a step the requests go out back to back, as the browser sent them: the page HTML,
`_dash-layout`, `_dash-dependencies`, then every `_dash-update-component` POST with the recorded body.
A request fails on any status other than 200/204, or when the answer carries the app's generic error notice
(a callback that raised: `callbacks_util.guard`). Request names are `<step> <what>` (bench/replay_steps.py), so
the CSV has one row per request of the click-through.

Environment: IA_REPLAY (replay file, default bench/replay/clickthrough.json).
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay_steps import load_steps  # noqa: E402

ERROR_MARKERS = (b"Diese Ansicht konnte nicht berechnet werden", b"This view could not be computed")  # bytes: no decoding
HEADERS = {"Accept-Encoding": "gzip, deflate, br", "Accept": "application/json"}
POST_HEADERS = {**HEADERS, "Content-Type": "application/json"}

STEPS = load_steps()
for _s in STEPS:
    for _r in _s["requests"]:
        _r["data"] = (_r.get("body") or "").encode("utf-8")
_START = itertools.count()   # user k starts at step k mod len(STEPS): every step is someone's first


class ClickThrough(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.i = next(_START) % len(STEPS)

    @task
    def step(self):
        s = STEPS[self.i % len(STEPS)]
        self.i += 1
        for r in s["requests"]:
            if r["method"] == "POST":
                cm = self.client.post(r["path"], data=r["data"], headers=POST_HEADERS, name=r["name"],
                                      catch_response=True)
            else:
                cm = self.client.get(r["path"], headers=HEADERS, name=r["name"], catch_response=True)
            with cm as resp:
                if resp.status_code not in (200, 204):
                    resp.failure(f"HTTP {resp.status_code}" + (f": {resp.error!r}" if resp.error else ""))
                elif r["method"] == "POST" and resp.status_code == 200 and any(m in resp.content for m in ERROR_MARKERS):
                    resp.failure("callback answered with the generic error notice")
                else:
                    resp.success()
