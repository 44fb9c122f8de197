-- The most recent ETL runs (outcome, timing, datasets) for the sources page.
SELECT run_id, started_at, ended_at, outcome, datasets_run, datasets_skipped, warnings
FROM meta.etl_run ORDER BY started_at DESC LIMIT 5
