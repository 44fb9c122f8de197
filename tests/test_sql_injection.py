"""SQL injection (issue 11), layer by layer: every value a user can send reaches SQL as a bound parameter or is
checked against a whitelist first. Payloads in indicator ids, levels, facets, filter values, query names,
AG Grid filter/sort models and the geodata API either raise UnknownSelection/QueryError (whitelist) or are
compared as plain text (bound) — they never widen a result, and the warehouse is unchanged afterwards."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from etl.errors import UnknownSelection
from etl.settings import Settings, get_settings

PAYLOADS = ["'; DROP TABLE core.fact_observation; --", "1 OR 1=1", "' OR '1'='1", "x' UNION SELECT 1 --",
            "population') OR ('1'='1", "$level", "read_csv('/etc/passwd')", "%00", "\x00", "../../etc/passwd"]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    src = get_settings().warehouse
    if not src.exists():
        pytest.skip(f"warehouse {src} missing")
    dst = tmp_path_factory.mktemp("sqli") / "warehouse.duckdb"
    shutil.copy2(src, dst)
    from warehouse.queries import Warehouse
    w = Warehouse(Settings(warehouse_path=str(dst)))
    yield w
    if w._con is not None:
        w._con.close()


def _count(w) -> tuple[int, int]:
    df = w.sql("SELECT count(*) AS n, sum(hash(ags, indicator_id, reference_date, value)) AS h FROM core.fact_observation")
    return int(df["n"].iloc[0]), int(df["h"].iloc[0])


def test_identifiers_are_checked_against_the_catalogue_and_whitelists(wh):
    from warehouse import queries as q
    before = _count(wh)
    for p in PAYLOADS:
        with pytest.raises(UnknownSelection):
            q.values(p, "kreis", 2022, wh)                       # indicator id: catalogue
        with pytest.raises(UnknownSelection):
            q.values("population", p, 2022, wh)                  # level: whitelist
        with pytest.raises(UnknownSelection):
            q.group_aggregate("population", "kreis", 2022, by=[p], wh=wh)              # facet (GROUP BY): whitelist
        with pytest.raises(UnknownSelection):
            q.group_aggregate("population", "kreis", 2022, filters={p: ["15"]}, wh=wh)  # facet (WHERE): whitelist
        with pytest.raises(UnknownSelection):
            q.group_aggregate("population", "kreis", 2022, berlin_rule=p, wh=wh)
        with pytest.raises(q.QueryError):
            q.named(p, wh)                                       # query name: [a-z_]+ and an existing file
    assert _count(wh) == before


def test_values_are_bound_parameters_and_never_widen_a_result(wh):
    from warehouse import queries as q
    year = max(q.available("population", wh)["kreis"])
    all_units = q.group_aggregate("population", "kreis", year, wh=wh)["n"].sum()
    assert all_units == 400
    for p in PAYLOADS:
        g = q.group_aggregate("population", "kreis", year, filters={"land": [p]}, wh=wh)
        assert g.empty or int(g["n"].sum()) == 0, (p, g)          # a payload is a Land key no unit has
        assert q.named("unit_observations", wh, ags=p, level="kreis").empty
        assert q.named("unit_series", wh, indicator="population", level="kreis", ags=p).empty
        assert q.named("regions", wh, level=p).empty
    g = q.group_aggregate("population", "kreis", year, filters={"land": ["15", "' OR '1'='1"]}, wh=wh)
    assert int(g["n"].sum()) == 14                                # Sachsen-Anhalt's 14 Kreise, nothing more


def test_writes_are_impossible_through_the_query_layer(wh):
    import duckdb
    before = _count(wh)
    for stmt in ("DELETE FROM core.fact_observation", "DROP TABLE core.dim_region",
                 "CREATE TABLE core.x AS SELECT 1", "COPY core.dim_region TO '/tmp/ia-sqli.csv'",
                 "SELECT * FROM read_csv('/etc/passwd')", "ATTACH '/tmp/ia-sqli.duckdb' AS x",
                 "SELECT 1; DROP TABLE core.dim_region"):
        with pytest.raises((duckdb.Error, Exception)):
            wh.sql(stmt)
    with pytest.raises(duckdb.Error):                             # the connection itself is read-only
        wh._connection().cursor().execute("DELETE FROM core.fact_observation")
    with pytest.raises(duckdb.Error):                             # and has no file access
        wh._connection().cursor().execute("SELECT * FROM read_csv('/etc/passwd')")
    assert _count(wh) == before


def test_grid_filter_and_sort_models_are_bound_and_whitelisted():
    """AG Grid's filterModel/sortModel (the table's own filters, typed text): columns from the frame, operators
    from fixed tables, typed text bound — an injection is searched for literally."""
    grid = pytest.importorskip("dashboard.components.grid")
    df = pd.DataFrame({"name": ["Halle (Saale)", "München", "O'Hara"], "value": [1.0, 2.0, 3.0]})
    for p in PAYLOADS:
        rows, n = grid.query(df, {"filterModel": {"name": {"filterType": "text", "type": "contains", "filter": p}}})
        assert n == 0 and rows.empty, p
        rows, n = grid.query(df, {"filterModel": {p: {"filterType": "text", "type": "contains", "filter": "x"}},
                                  "sortModel": [{"colId": p, "sort": p}]})
        assert n == 3 and list(rows["name"]) == list(df["name"]), p          # unknown column / direction ignored
        rows, n = grid.query(df, {"filterModel": {"name": {"filterType": "text", "type": p, "filter": "a"}}})
        assert n == 3, p                                                       # unknown operator ignored
    rows, n = grid.query(df, {"filterModel": {"name": {"filterType": "text", "type": "contains", "filter": "o'h"}}})
    assert n == 1 and rows["name"].iloc[0] == "O'Hara"                         # a quote is just a character


def test_geodata_api_binds_values_and_whitelists_filters(wh):
    from geodata import api
    s = Settings(warehouse_path=str(wh.path))
    for p in PAYLOADS:
        with pytest.raises(UnknownSelection):
            api.values_payload("population", 2022, "kreis", {p: ["15"]}, settings=s)
        with pytest.raises(UnknownSelection):
            api.values_payload(p, 2022, "kreis", settings=s)
        with pytest.raises(UnknownSelection):
            api.unit_info("kreis", p, settings=s)
        assert api.asset_path(p, s) is None                                    # no path traversal
        out = api.values_payload("population", 2022, "kreis", {"land": [p]}, settings=s)
        assert out["ags"] == [], p
