"""The recorded click-through (bench/replay/clickthrough.json) as named requests: shared by the locustfile, the
load bench and tests/test_load.py. No locust import here (locust monkey-patches the standard library with gevent)."""
from __future__ import annotations

import json
import os
from pathlib import Path

REPLAY = Path(os.environ.get("IA_REPLAY") or Path(__file__).with_name("replay") / "clickthrough.json")


def _label(req: dict) -> str:
    """Short name of one request: the path for GETs, the first output of a callback POST."""
    if req["method"] != "POST":
        path = req["path"].split("?")[0]
        return "GET " + ("page" if not path.startswith("/_") else path.lstrip("/"))
    out = (req.get("output") or "").strip(".")
    first = out.split("...")[0]
    return "cb " + first.split("@")[0][:60]


def load_steps(path: Path = REPLAY) -> list[dict]:
    """[{name, url, requests: [{method, path, body, output, name}]}]; request names are '<step> <what>',
    unique (a callback sent twice in one step gets '#2', '#3')."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    steps = []
    for s in doc["steps"]:
        seen: dict[str, int] = {}
        reqs = []
        for r in s["requests"]:
            name = f"{s['name']} {_label(r)}"
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name += f" #{seen[name]}"
            reqs.append({**r, "name": name})
        steps.append({"name": s["name"], "url": s.get("url"), "requests": reqs})
    return steps


def request_names(steps: list[dict]) -> list[str]:
    return [r["name"] for s in steps for r in s["requests"]]


def callback_outputs(steps: list[dict]) -> set[str]:
    """The `output` keys of every recorded callback POST (must exist in the app's /_dash-dependencies)."""
    return {r["output"] for s in steps for r in s["requests"] if r["method"] == "POST" and r.get("output")}
