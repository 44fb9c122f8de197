"""etl.runner: a dataset that left the catalogue (removed or renamed) leaves no staging tables behind.

Why it matters: a renamed dataset (bkg_vg5000_2021 → bkg_vg5000) writes the same staging table name, and a
stale obs__<old id> table would enter staging.observations_all twice."""
from __future__ import annotations

import duckdb

from etl.runner import META_DDL, _drop_removed_datasets


def test_removed_dataset_loses_staging_tables_and_meta_rows():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging; CREATE SCHEMA meta")
    con.execute(META_DDL)
    for ds, tbl in (("bkg_vg5000_2021", "vg5000_geom"), ("bkg_vg5000_2021", "obs__bkg_vg5000_2021"),
                    ("zensus2022_1000A", "obs__zensus2022_1000A")):
        con.execute(f'CREATE TABLE staging."{tbl}" (x INT)')
        con.execute("INSERT INTO meta.staging_tables VALUES (?, ?, 0)", [ds, tbl])
        con.execute("INSERT OR REPLACE INTO meta.dataset_state VALUES (?, 'fp', now(), 0, '[]')", [ds])
        con.execute("INSERT INTO meta.snapshot VALUES ('s', ?, 'f', 'p', 'h', 1, 'mirror', NULL, NULL)", [ds])
    gone = _drop_removed_datasets(con, {"bkg_vg5000": {}, "zensus2022_1000A": {}})
    assert gone == ["bkg_vg5000_2021"]
    left = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                      "WHERE table_schema = 'staging'").fetchall()}
    assert left == {"obs__zensus2022_1000A"}
    for meta in ("staging_tables", "dataset_state", "snapshot"):
        assert con.execute(f"SELECT DISTINCT dataset FROM meta.{meta}").fetchall() == [("zensus2022_1000A",)]
    # the new dataset can now write the same table name
    con.execute('CREATE TABLE staging."vg5000_geom" (x INT)')
