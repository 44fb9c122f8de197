-- Health check (/healthz): the build that is live and how many observations it holds, read from the warehouse.
SELECT (SELECT run_id FROM meta.etl_run WHERE outcome = 'success' ORDER BY started_at DESC LIMIT 1) AS build_id,
       (SELECT value FROM meta.build_info WHERE key = 'built_at') AS built_at,
       (SELECT count(*) FROM core.fact_observation) AS observations,
       (SELECT count(*) FROM core.dim_region) AS regions
