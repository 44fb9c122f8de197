"""Crafted callback inputs, exhaustively: every server callback × every control/store input × 10 values no control
can produce, through the Flask test client of the real app on a private copy of the warehouse.

Counts the requests that answer 500, log an ERROR (a trace), or hand the crafted value to DuckDB (Warehouse.sql
parameters or SQL text). `--root DIR` probes another checkout (e.g. `git archive <commit> | tar -x -C DIR` and a
`var` symlink) for a before/after comparison in the same run. Writes bench/results/crafted_inputs.json.

    python bench/probe_crafted_inputs.py [--root DIR] [--out FILE]
"""
from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
MARK = "zq'\"; DROP TABLE x; --"
BAD = [MARK, 99999, -3, "foo", [MARK], {"a": MARK}, ["foo", MARK], None, 3.5, True]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(HERE), help="checkout to probe (default: this one)")
    ap.add_argument("--out", default=str(HERE / "bench" / "results" / "crafted_inputs.json"))
    args = ap.parse_args()
    root = Path(args.root).resolve()
    sys.path.insert(0, str(root))
    os.chdir(root)
    from etl.settings import get_settings
    src = Path(os.environ.get("IA_WAREHOUSE") or get_settings().warehouse).resolve()
    copy = Path(tempfile.mkdtemp()) / "wh.duckdb"
    shutil.copy2(src, copy)
    os.environ["IA_WAREHOUSE"] = str(copy)
    from dashboard import data
    ready = data.warehouse_ready
    data.warehouse_ready = lambda: False          # no start-up warm-up thread
    from dashboard.app import server
    for t in threading.enumerate():
        if t.name == "dashboard-warm-up":
            t.join()
    data.warehouse_ready = ready
    import tests.test_fuzz_app as F
    from warehouse import queries as q
    calls: list[tuple] = []
    orig = q.Warehouse.sql

    def rec(self, sql, params=None, *a, **kw):
        calls.append((sql, params))
        return orig(self, sql, params, *a, **kw)
    q.Warehouse.sql = rec

    class Records(logging.Handler):
        def __init__(self):
            super().__init__(logging.WARNING)
            self.recs: list[logging.LogRecord] = []

        def emit(self, record):
            self.recs.append(record)
    h = Records()
    logging.getLogger().addHandler(h)
    client = server.test_client()
    deps = [d for d in client.get("/_dash-dependencies").get_json()
            if not d.get("clientside_function") and not any(k in d["output"] for k in F.SKIP)]
    cat = data.catalogue()
    valid = {"ctl-indicator": "foreigners_share", "ctl-level": "kreis", "ctl-year": cat.latest_year("foreigners_share", "kreis"),
             "map-classification": "quantiles", "map-k": 5, "map-palette": "viridis", "lens-level": "kreis",
             "pro-unit": {"ags": "15002", "level": "kreis"}}
    bad_pairs = collections.defaultdict(list)
    n = n500 = nerr = nseen = nwarn = 0
    t0 = time.perf_counter()
    for dep in deps:
        items = [i for i in dep["inputs"] + dep["state"] if not i["id"].startswith("{")]
        for it in items:
            if it["id"] == "url":
                continue
            for b in BAD:
                vals = {("url", "search"): "?level=kreis"}
                for j in items:
                    head, _, rest = j["id"].partition("-")
                    base = rest if head in ("karte", "tabelle", "vergleich", "profil", "daten", "kapazitaet") else j["id"]
                    if base in valid:
                        vals[(j["id"], j["property"])] = valid[base]
                vals[(it["id"], it["property"])] = b
                n0, c0 = len(h.recs), len(calls)
                r = client.post("/_dash-update-component", json=F._body(dep, vals))
                n += 1
                errs = [x for x in h.recs[n0:] if x.levelno >= logging.ERROR or x.exc_info]
                nwarn += any(x.levelno == logging.WARNING for x in h.recs[n0:])
                seen = any(MARK in str(s) or MARK in json.dumps(p, default=str) or "99999" in json.dumps(p, default=str)
                           for s, p in calls[c0:])
                n500 += r.status_code >= 500
                nerr += bool(errs)
                nseen += seen
                if r.status_code >= 500 or errs or seen:
                    bad_pairs[f"{dep['output'][:60]} <- {it['id']}.{it['property']}"].append(
                        {"value": repr(b)[:40], "status": r.status_code, "seen_by_duckdb": seen,
                         "log": [x.getMessage()[:80] + (f" | {x.exc_info[1]!r}"[:120] if x.exc_info else "") for x in errs][:1]})
    out = {"root": str(root), "callbacks": len(deps), "requests": n, "http_500": n500, "error_logged": nerr,
           "value_reached_duckdb": nseen, "rejected_with_warning": nwarn,
           "bad_requests": sum(len(v) for v in bad_pairs.values()), "bad_pairs": len(bad_pairs),
           "seconds": round(time.perf_counter() - t0, 1), "load_1min": os.getloadavg()[0], "pairs": bad_pairs}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False))
    print(json.dumps({k: v for k, v in out.items() if k != "pairs"}, indent=1))
    for k in bad_pairs:
        print("  still:", k)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
