"""Warehouse reader under gthread workers (issue 11): a cursor per query, one run per memo key however many threads
ask at once, and concurrent queries from many threads on the one shared read-only connection."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from warehouse import queries as q


def test_threads_asking_for_the_same_query_run_it_once(tmp_path, monkeypatch):
    path = tmp_path / "wh.duckdb"
    path.write_bytes(b"")                       # identity() only stats the file; sql() is replaced below
    wh = q.Warehouse(path=path)
    calls = []
    lock = threading.Lock()

    def fake_sql(self, sql, params=None, row_cap=None):
        with lock:
            calls.append(params)
        time.sleep(0.3)
        return pd.DataFrame({"v": [params["level"]]})

    monkeypatch.setattr(q.Warehouse, "sql", fake_sql)
    q._cached.cache_clear()
    with ThreadPoolExecutor(8) as ex:
        outs = list(ex.map(lambda i: q.named("regions", wh, level="kreis" if i < 6 else "land"), range(8)))
    assert [o["v"].iloc[0] for o in outs] == ["kreis"] * 6 + ["land"] * 2
    assert sorted(c["level"] for c in calls) == ["kreis", "land"]      # one run per key, not one per thread
    assert q._INFLIGHT == {}                                            # no lock left behind
    outs[0].loc[0, "v"] = "changed"                                     # callers get copies
    assert q.named("regions", wh, level="kreis")["v"].iloc[0] == "kreis"
    q._cached.cache_clear()


def test_many_threads_query_the_real_warehouse_at_once():
    wh = q.get_warehouse()
    if not wh.path.exists():
        pytest.skip("warehouse missing: build it first with `integrationsatlas etl run`")
    expected = {lvl: len(q.uncached("regions", wh, level=lvl)) for lvl in ("land", "kreis", "gemeinde")}
    assert expected["land"] == 16 and expected["kreis"] > 390 and expected["gemeinde"] > 10000
    jobs = [("land", "kreis", "gemeinde")[i % 3] for i in range(24)]
    with ThreadPoolExecutor(8) as ex:
        got = list(ex.map(lambda lvl: (lvl, len(q.uncached("regions", wh, level=lvl))), jobs))
    assert got == [(lvl, expected[lvl]) for lvl in jobs]
